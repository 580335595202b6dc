package offline_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/crispwatest"
	"github.com/crispwa/crispwa/examples/internal/offline"
)

func TestClientOfflineServesSampleTemplates(t *testing.T) {
	t.Setenv(crispwa.EnvWebsiteID, "")
	require.True(t, offline.Enabled())
	client, fake, done, err := offline.Client("")
	require.NoError(t, err)
	defer done()
	require.NotNil(t, fake)
	assert.Equal(t, fake.WebsiteID, client.WebsiteID())
	n := 0
	for _, err := range client.Templates.All(context.Background(), nil) {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, len(crispwatest.SampleTemplates()), n)
}

func TestClientOnlineIsNewClientFromEnv(t *testing.T) {
	t.Setenv(crispwa.EnvWebsiteID, "8c842203-7ed8-4e29-a608-7cf78a7d2fcc")
	t.Setenv(crispwa.EnvIdentifier, "id")
	t.Setenv(crispwa.EnvKey, "key")
	require.False(t, offline.Enabled())
	client, fake, done, err := offline.Client("http://127.0.0.1:1/")
	require.NoError(t, err)
	defer done()
	assert.Nil(t, fake, "no fake online")
	assert.Equal(t, "8c842203-7ed8-4e29-a608-7cf78a7d2fcc", client.WebsiteID())

	t.Setenv(crispwa.EnvKey, "")
	_, fake, done, err = offline.Client("")
	require.Error(t, err, "a missing variable is NewClientFromEnv's error")
	assert.True(t, errors.Is(err, crispwa.ErrInvalidRequest))
	assert.Nil(t, fake)
	done() // callable even on error
}

func TestNewFakeHoldsSamples(t *testing.T) {
	fake := offline.NewFake("", crispwatest.WithManualOutcomes())
	defer fake.Close()
	_, err := fake.Client().Templates.Get(context.Background(), "order_update", "en_US")
	require.NoError(t, err, "holds the sample templates")
}

func TestFillSample(t *testing.T) {
	tests := []struct {
		name             string
		template         string
		to, from, button string
		body             []string
		wantTo, wantFrom string
		wantBody         []string
		wantButton       string
	}{
		{"all empty, order_update", "order_update", "", "", "", nil,
			"+33612345678", "+33100000000", []string{"Alice", "#1042"}, "1042"},
		{"given values kept", "order_update", "+33700000000", "+33200000000", "7", []string{"Bob", "#7"},
			"+33700000000", "+33200000000", []string{"Bob", "#7"}, "7"},
		{"other template: numbers only", "spring_sale", "", "", "", nil,
			"+33612345678", "+33100000000", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			to, from, body, button := tt.to, tt.from, tt.body, tt.button
			offline.FillSample(tt.template, &to, &from, &body, &button)
			assert.Equal(t, tt.wantTo, to)
			assert.Equal(t, tt.wantFrom, from)
			assert.Equal(t, tt.wantBody, body)
			assert.Equal(t, tt.wantButton, button)
		})
	}
}
