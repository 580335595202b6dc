package callback_test

import (
	"context"
	"net/http"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/callback"
)

// The callback package's part of the contract in ../shared/API.md, checked
// at compile time.
var (
	_ callback.HandlerFunc                                                             = func(context.Context, *crispwa.CallbackEvent) error { return nil }
	_ func(callback.HandlerFunc, ...callback.Option) *callback.Handler                 = callback.NewHandler
	_ http.Handler                                                                     = (*callback.Handler)(nil)
	_ func(int64) callback.Option                                                      = callback.WithMaxBodyBytes
	_ func(string) callback.Option                                                     = callback.WithToken
	_ func(int) callback.Option                                                        = callback.WithDedup
	_ *callback.Tracker                                                                = callback.NewTracker() // also takes options
	_ func(*callback.Tracker, context.Context, *crispwa.CallbackEvent) error           = (*callback.Tracker).Handle
	_ callback.HandlerFunc                                                             = callback.NewTracker().Handle
	_ func(*callback.Tracker, context.Context, string) (*crispwa.CallbackEvent, error) = (*callback.Tracker).Wait
	_ func(callback.Store) callback.Option                                             = callback.WithStore
	_ func(callback.Store) callback.TrackerOption                                      = callback.WithTrackerStore
)
