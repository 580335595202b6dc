package crispwatest_test

import (
	"context"
	"time"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/crispwatest"
)

// The test double's part of the contract in ../shared/API.md, checked at
// compile time.
var (
	_ func(...crispwatest.Option) *crispwatest.Server              = crispwatest.NewServer
	_ func(...crispwa.Template) crispwatest.Option                 = crispwatest.WithTemplates
	_ func() crispwatest.Option                                    = crispwatest.WithManualOutcomes
	_ func(int, time.Duration) crispwatest.Option                  = crispwatest.WithRedelivery
	_ func(*crispwatest.Server, string) error                      = (*crispwatest.Server).Deliver
	_ func(*crispwatest.Server, string, string) error              = (*crispwatest.Server).Fail
	_ func(*crispwatest.Server, context.Context, int) error        = (*crispwatest.Server).WaitCallbacks
	_ func(*crispwatest.Server)                                    = (*crispwatest.Server).Close
	_ func(*crispwatest.Server, ...crispwa.Option) *crispwa.Client = (*crispwatest.Server).Client
	_ func(*crispwatest.Server, crispwa.Template)                  = (*crispwatest.Server).AddTemplate
	_ func(*crispwatest.Server) []crispwa.SendTemplateRequest      = (*crispwatest.Server).Sends
	_ func(*crispwatest.Server, string)                            = (*crispwatest.Server).SetCallbackURL
	_ func(*crispwatest.Server, int, string)                       = (*crispwatest.Server).FailNext
	_                                                              = crispwatest.Server{URL: "", WebsiteID: "", Credentials: crispwa.Credentials{}}
)
