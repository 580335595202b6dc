package main

import (
	"fmt"

	"github.com/crispwa/crispwa"
)

// clientFromEnv is crispwa.NewClientFromLookup reading the injected getenv
// instead of the process environment: CRISP_WEBSITE_ID,
// CRISP_WHATSAPP_IDENTIFIER, CRISP_WHATSAPP_KEY and, when set,
// CRISP_WHATSAPP_BASE_URL. Every problem (all the missing variables at once,
// a bad base URL) is a configuration error, never showing a value.
func clientFromEnv(getenv func(string) string, opts ...crispwa.Option) (*crispwa.Client, error) {
	lookup := func(name string) (string, bool) {
		v := getenv(name)
		return v, v != ""
	}
	client, err := crispwa.NewClientFromLookup(lookup, append([]crispwa.Option{crispwa.WithUserAgent("crispwa-cli")}, opts...)...)
	if err != nil {
		return nil, &configError{fmt.Errorf("%w (see 'crispwa help')", err)}
	}
	return client, nil
}
