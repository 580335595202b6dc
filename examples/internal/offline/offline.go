// Package offline lets the example programs run on a fresh machine: when
// CRISP_WEBSITE_ID is not set, they talk to an in-process fake of the Crisp
// API (package crispwatest) holding its sample templates, instead of the
// real API.
//
// Your own code does not need it: where an example calls [Client], call
// [crispwa.NewClientFromEnv], which is what Client returns when
// CRISP_WEBSITE_ID is set.
package offline

import (
	"fmt"
	"os"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/crispwatest"
)

// Enabled reports whether the examples run offline, against the fake:
// CRISP_WEBSITE_ID is not set.
func Enabled() bool { return os.Getenv(crispwa.EnvWebsiteID) == "" }

// Client returns a client for the real API, from crispwa.NewClientFromEnv,
// when CRISP_WEBSITE_ID is set; fake is then nil.
//
// Otherwise it says so on standard error and returns the client of a fake
// started by [NewFake] with callbackURL and opts; fake is that server, for
// the examples that drive it.
//
// Either way, done releases what Client started; call it when finished.
func Client(callbackURL string, opts ...crispwatest.Option) (client *crispwa.Client, fake *crispwatest.Server, done func(), err error) {
	if !Enabled() {
		client, err = crispwa.NewClientFromEnv()
		return client, nil, func() {}, err
	}
	fmt.Fprintln(os.Stderr, "CRISP_WEBSITE_ID is not set: using an in-process fake API with sample templates")
	fake = NewFake(callbackURL, opts...)
	return fake.Client(), fake, fake.Close, nil
}

// NewFake starts an in-process fake API holding
// crispwatest.SampleTemplates, configured with opts. Unless callbackURL is
// empty, the fake posts its callbacks there (set it later with
// SetCallbackURL otherwise). It prints nothing: the example says that it
// runs offline. Close the fake when done.
func NewFake(callbackURL string, opts ...crispwatest.Option) *crispwatest.Server {
	fake := crispwatest.NewServer(append([]crispwatest.Option{crispwatest.WithTemplates(crispwatest.SampleTemplates()...)}, opts...)...)
	if callbackURL != "" {
		fake.SetCallbackURL(callbackURL)
	}
	return fake
}

// FillSample fills what the flags left empty with values that fit the
// fake's sample templates: the phone numbers and, for the "order_update"
// template given no body values, its body and button values.
func FillSample(template string, to, from *string, body *[]string, button *string) {
	if *to == "" {
		*to = "+33612345678"
	}
	if *from == "" {
		*from = "+33100000000"
	}
	if len(*body) == 0 && template == "order_update" {
		*body, *button = []string{"Alice", "#1042"}, "1042"
	}
}
