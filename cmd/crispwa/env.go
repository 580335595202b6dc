package main

import (
	"strings"

	"github.com/crispwa/crispwa"
)

// clientFromEnv is crispwa.NewClientFromEnv reading the injected getenv
// instead of the process environment: CRISP_WEBSITE_ID,
// CRISP_WHATSAPP_IDENTIFIER, CRISP_WHATSAPP_KEY and, when set,
// CRISP_WHATSAPP_BASE_URL. Missing variables are one configuration error
// naming them all (never a value).
func clientFromEnv(getenv func(string) string, opts ...crispwa.Option) (*crispwa.Client, error) {
	vals := map[string]string{}
	var missing []string
	for _, name := range []string{crispwa.EnvWebsiteID, crispwa.EnvIdentifier, crispwa.EnvKey} {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			missing = append(missing, name)
		}
		vals[name] = v
	}
	switch len(missing) {
	case 0:
	case 1:
		return nil, configErrorf("environment variable %s is not set (see 'crispwa help')", missing[0])
	default:
		return nil, configErrorf("environment variables %s are not set (see 'crispwa help')", strings.Join(missing, ", "))
	}
	all := []crispwa.Option{crispwa.WithUserAgent("crispwa-cli")}
	if u := strings.TrimSpace(getenv(crispwa.EnvBaseURL)); u != "" {
		all = append(all, crispwa.WithBaseURL(u))
	}
	client, err := crispwa.NewClient(vals[crispwa.EnvWebsiteID],
		crispwa.Credentials{Identifier: vals[crispwa.EnvIdentifier], Key: vals[crispwa.EnvKey]},
		append(all, opts...)...)
	if err != nil {
		return nil, &configError{err}
	}
	return client, nil
}
