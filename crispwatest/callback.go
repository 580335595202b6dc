package crispwatest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/crispwa/crispwa"
)

// outcome builds the callback body for an accepted send: Crisp's envelope
// with reason "dispatched" when the template exists in that language and is
// APPROVED and the parameters pass Template.Check, otherwise "error": true,
// reason "template_not_sent" and a message saying why.
func outcome(requestID string, req *crispwa.SendTemplateRequest, t *crispwa.Template) []byte {
	var why string
	switch {
	case t == nil:
		why = fmt.Sprintf("template %q does not exist in language %q", req.Template.Name, req.Template.Language)
	case t.Status != crispwa.StatusApproved:
		status := t.Status
		if status == "" {
			status = "without a status"
		}
		why = fmt.Sprintf("template %q in language %q is %s, not APPROVED", t.Name, t.Language, status)
	default:
		// Crisp accepts the send and WhatsApp refuses it later, as the
		// real service does with mismatched parameters.
		if issues := crispwa.ValidationErrors(t.Check(req.Template)); len(issues) > 0 {
			msgs := make([]string, len(issues))
			for i, is := range issues {
				msgs[i] = is.Field + ": " + is.Reason
			}
			why = "parameters do not match the template: " + strings.Join(msgs, "; ")
		}
	}
	var v any
	if why != "" {
		v = map[string]any{
			"error":  true,
			"reason": "template_not_sent",
			"data":   map[string]any{"request_id": requestID, "message": why},
		}
	} else {
		v = map[string]any{
			"error":  false,
			"reason": "dispatched",
			"data": map[string]any{
				"request_id":          requestID,
				"crisp_fingerprint":   fingerprint(),
				"whatsapp_message_id": "wamid." + base64.StdEncoding.EncodeToString(randomBytes(24)),
				"session_id":          "session_" + uuid.NewString(),
			},
		}
	}
	b, _ := json.Marshal(v) // plain maps of strings and numbers
	return b
}

// startCallback POSTs body to url in the background. Close waits for it.
// Only called from a request handler, before Close returns from srv.Close,
// so Add never races with Wait.
func (s *Server) startCallback(url string, body []byte) {
	s.cbWG.Add(1)
	go func() {
		defer s.cbWG.Done()
		if err := s.postCallback(url, body); err != nil {
			s.mu.Lock()
			s.cbErrors = append(s.cbErrors, err)
			s.mu.Unlock()
		}
	}()
}

func (s *Server) postCallback(url string, body []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), callbackTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("crispwatest: callback: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "crispwatest-callback")
	resp, err := s.cbClient.Do(req)
	if err != nil {
		return fmt.Errorf("crispwatest: callback: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("crispwatest: callback: receiver answered HTTP %d", resp.StatusCode)
	}
	return nil
}

// fingerprint returns a random positive int64, like Crisp's message
// fingerprints.
func fingerprint() int64 {
	n, _ := rand.Int(rand.Reader, big.NewInt(1<<53)) // stays exact in JSON numbers
	return n.Int64() + 1
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return b
}
