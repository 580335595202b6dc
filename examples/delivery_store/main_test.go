package main

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/callback"
	"github.com/crispwa/crispwa/crispwatest"
)

// The row ends up the same whichever comes first, the callback (forced
// with WithEarlyCallbacks) or Send's return (forced with manual outcomes).
func TestStoreIsRightInEitherOrder(t *testing.T) {
	tests := []struct {
		name          string
		opt           crispwatest.Option
		callbackFirst bool
	}{
		{"callback before Send returns", crispwatest.WithEarlyCallbacks(), true},
		{"callback after Send returns", crispwatest.WithManualOutcomes(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := NewStore()
			receiver := httptest.NewServer(callback.NewHandler(store.RecordCallback))
			defer receiver.Close()
			fake := crispwatest.NewServer(crispwatest.WithTemplates(crispwatest.SampleTemplates()...), tt.opt)
			defer fake.Close()
			fake.SetCallbackURL(receiver.URL)
			ctx := context.Background()

			res, err := fake.Client().Templates.Send(ctx, &crispwa.SendTemplateRequest{
				From: "+33100000000", To: "+33612345678",
				Template: crispwa.MessageTemplate{Name: "order_update", Language: "en_US", Components: []crispwa.Component{
					crispwa.Body(crispwa.Text("Alice"), crispwa.Text("#1042")), crispwa.URLButton(0, "1042"),
				}},
			})
			require.NoError(t, err)
			_, early := store.Get(res.RequestID)
			require.Equal(t, tt.callbackFirst, early, "the order this case forces")
			store.RecordSend(res.RequestID, "+33612345678", "order_update")
			if !tt.callbackFirst {
				require.NoError(t, fake.Deliver(res.RequestID))
			}
			require.NoError(t, fake.WaitCallbacks(ctx, 1))

			d, ok := store.Get(res.RequestID)
			require.True(t, ok)
			assert.Equal(t, "sent", d.Status, "the send's upsert did not overwrite the outcome")
			assert.Equal(t, "+33612345678", d.To)
			assert.Equal(t, "order_update", d.Template)
			assert.NotEmpty(t, d.WhatsAppMessageID)
		})
	}
}
