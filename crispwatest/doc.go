// Package crispwatest provides a fake of the Crisp WhatsApp plugin API for
// tests and offline demos: an HTTP server on the loopback interface that
// authenticates, lists templates with real cursor paging and filters,
// validates and records template sends, and posts the delivery callback
// Crisp would post.
//
// A typical test:
//
//	srv := crispwatest.NewServer(crispwatest.WithTemplates(crispwatest.SampleTemplates()...))
//	defer srv.Close()
//	client := srv.Client()
//	// ... run the code under test with client ...
//	sends := srv.Sends() // what it sent, as Crisp received it
//
// The fake also injects the failures a real deployment sees, so that code
// can be tested against them: FailNext (one error answer), RateLimitNext
// (the next n requests answered 429 with Retry-After), RateLimitFor (a
// rate-limit storm lasting a given time), DropNextSends (a connection closed without an
// answer, with or without the send having been accepted) and SetLatency.
//
// Outcomes: by default each accepted send is judged at once by the fake's
// rules and its callback posted in the background. WithManualOutcomes makes
// sends wait for Deliver or Fail; WithEarlyCallbacks posts each callback
// before the send is answered (the order a real Crisp can produce, which
// code storing the request_id must survive); WithRedelivery posts a
// callback again after a 5xx, a timeout or a dropped connection (the fake's
// model: Crisp does not publish its policy); WaitCallbacks waits for n
// callbacks answered 2xx, without polling.
//
// The fake judges sends with its own rules, never with the SDK's Validate
// or Check, so that it can catch a bug in them: a small table of what
// Crisp's API refuses at once (HTTP 400 invalid_data: phone numbers,
// missing names, component and parameter shapes) and of what WhatsApp
// refuses after Crisp accepted the send (a failure callback whose message
// starts with Meta's error code, e.g. "(#132000) Number of parameters does
// not match the expected number of params: ..."): an unknown or unapproved
// template, parameter counts and names, header formats, button kinds,
// forbidden characters, text lengths. They follow Meta's documentation;
// Crisp's exact checks are not published.
//
// The fake is not a reimplementation of WhatsApp: it does not deliver
// anything and does not enforce Meta's quality or pricing rules.
//
// The root of the server's address (Server.URL without its API path) serves
// an inbox page showing every accepted send as WhatsApp would render it
// (paged, searchable, a thread per recipient, the raw request, answer and
// callback deliveries of each), with controls for the outcomes and the
// faults, and a JSON API under /api/v1/messages; "crispwa fake" serves
// them on a fixed address. Messages, Message and Clear give the same
// records in Go; WithMaxMessages bounds how many are kept.
package crispwatest
