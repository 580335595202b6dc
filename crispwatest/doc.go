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
// The fake is not a reimplementation of WhatsApp: it does not deliver
// anything, does not enforce Meta's quality or pricing rules, and validates
// sends with the SDK's own client-side rules (SendTemplateRequest.Validate)
// rather than with Crisp's exact, unpublished ones.
package crispwatest
