package main

import (
	"fmt"
	"strings"

	"github.com/crispwa/crispwa"
)

// clientFromEnv is crispwa.NewClientFromEnv reading the injected getenv
// instead of the process environment: CRISP_WEBSITE_ID,
// CRISP_WHATSAPP_IDENTIFIER, CRISP_WHATSAPP_KEY and, when set,
// CRISP_WHATSAPP_BASE_URL. A missing variable is an error naming it (never
// its value).
func clientFromEnv(getenv func(string) string, opts ...crispwa.Option) (*crispwa.Client, error) {
	vals := map[string]string{}
	for _, name := range []string{crispwa.EnvWebsiteID, crispwa.EnvIdentifier, crispwa.EnvKey} {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return nil, fmt.Errorf("environment variable %s is not set (see 'crispwa help')", name)
		}
		vals[name] = v
	}
	all := []crispwa.Option{crispwa.WithUserAgent("crispwa-cli")}
	if u := strings.TrimSpace(getenv(crispwa.EnvBaseURL)); u != "" {
		all = append(all, crispwa.WithBaseURL(u))
	}
	return crispwa.NewClient(vals[crispwa.EnvWebsiteID],
		crispwa.Credentials{Identifier: vals[crispwa.EnvIdentifier], Key: vals[crispwa.EnvKey]},
		append(all, opts...)...)
}
