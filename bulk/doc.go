// Package bulk sends one template to many recipients, as a campaign: with a
// shared rate limit and a bounded number of concurrent sends, with progress
// reports, and with a journal on disk that makes a campaign safe to re-run
// after a crash or a cancellation without sending anyone the message twice.
//
// A campaign is a list of Jobs, each a stable key (for example the campaign
// name and the recipient) and the request to send. A Runner validates every
// job before the first send, then sends the ones the Journal does not
// already record as accepted:
//
//	journal, err := bulk.OpenJournal("spring-campaign.jsonl")
//	if err != nil { ... }
//	defer journal.Close()
//	runner, err := bulk.NewRunner(client, journal, bulk.WithRate(10), bulk.WithConcurrency(4))
//	if err != nil { ... }
//	summary, err := runner.Run(ctx, jobs)
//
// The journal records, per key, "sending" (made durable before the HTTP
// request leaves) and then the outcome: accepted with its request_id,
// rejected (Crisp refused the send, or it certainly did not reach Crisp) or
// unknown (the SDK's ErrSendOutcomeUnknown, or a process killed while the
// send was in flight). Re-running the campaign with the same journal skips
// the accepted keys, sends the rejected and new ones again, and leaves the
// unknown ones alone unless WithRetryUnknown is given: resending them may
// deliver the message twice, so check them first (in the Crisp inbox, or
// through their callback) and record what you found with Journal.Resolve
// (ResolveKeys for many, ResolveUnknown for all).
// ReadJournal reads a journal without changing it, for a dry run or a report.
//
// Rate limits are retried by the client (crispwa.WithMaxRetries), never a
// second time by bulk; every rate-limit answer pauses all the workers.
//
// A Runner acts on what WhatsApp answers, by the failure's class (see
// ActionFor, RefusalFailure): an account failure (a locked or blocked
// account, refused credentials) stops the campaign at once with a
// *StoppedError, in every runner sharing a RateStore that is a Stopper; a
// template failure pauses that template's remaining jobs; a retry-later
// failure is sent again once due, within the run (WithCallbackWait) or by
// Runner.Retry; a recipient failure goes to the suppression list
// (WithSuppressions: OpenSuppressionFile, NewMemorySuppressions, or
// redisstore's), which every later campaign consults before sending. An
// unknown outcome is never resent by any of these.
//
// RunSeq takes the jobs as a sequence (a CSV read as it goes), so that a
// campaign of a million recipients needs no slice of a million jobs.
//
// Journal.RecordCallback is a callback.HandlerFunc: wired to a
// callback.Handler, it records Crisp's callbacks (delivered, or failed with
// Crisp's reason) so that the summary says how many messages really went
// out.
//
// Two jobs of one Run sending the same template to the same person are
// refused, whatever their keys and however the number is written ("+33 6
// 12...", "0033612...", "33612..."): numbers are compared in canonical form
// (crispwa.NormalizePhone). Build keys from the canonical number too, so
// that a re-run recognises a recipient written another way.
//
// What bulk does not do: it does not reconcile unknown outcomes by itself
// (the API has no way to look a send up: see Journal.Resolve), and a
// journal serves one campaign run at a time (a second process opening it
// gets ErrJournalLocked).
package bulk
