package crispwa

import (
	"context"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A send whose connection fails on a certificate error is not tried again,
// even when the user's own TLS dialer returns x509's error bare (not wrapped
// in tls.CertificateVerificationError, as crypto/tls does): the transport
// reported getting a connection and never got one, so the attempt is
// certainly not sent, which on its own would be retried, but a certificate
// that is wrong now is wrong on the next attempt too. The control row (a
// plain dial error) shows the same path is retried otherwise.
func TestSendNotRetriedOnBareCertificateErrorFromUserDialer(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		attempts int64
	}{
		{"unknown authority", x509.UnknownAuthorityError{}, 1},
		{"unknown authority pointer", &x509.UnknownAuthorityError{}, 1},
		{"hostname", x509.HostnameError{Certificate: &x509.Certificate{}, Host: "api.example.com"}, 1},
		{"hostname pointer", &x509.HostnameError{Certificate: &x509.Certificate{}, Host: "api.example.com"}, 1},
		{"invalid certificate", x509.CertificateInvalidError{Reason: x509.Expired}, 1},
		{"invalid certificate pointer", &x509.CertificateInvalidError{Reason: x509.Expired}, 1},
		{"plain dial error (control)", errors.New("connection refused"), 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var dials atomic.Int64
			tr := &http.Transport{
				// The user's own TLS dial, verifying the peer itself: its
				// error reaches the SDK as it was returned.
				DialTLSContext: func(context.Context, string, string) (net.Conn, error) {
					dials.Add(1)
					return nil, tt.err
				},
			}
			t.Cleanup(tr.CloseIdleConnections)
			c, err := NewClient(testWebsite, testCreds, WithBaseURL("https://api.example.com/"),
				WithHTTPClient(&http.Client{Transport: tr}), WithMaxRetries(3), fastRetries())
			require.NoError(t, err)

			_, err = c.Templates.Send(context.Background(), validSend())
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.err)
			assert.NotErrorIs(t, err, ErrSendOutcomeUnknown, "no connection was obtained: certainly not sent")
			assert.Equal(t, tt.attempts, dials.Load(), "dials")
		})
	}
}
