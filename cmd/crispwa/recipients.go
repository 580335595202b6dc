package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/bulk"
)

// canonicalPhone returns number in "+E.164" form, reading a national number
// with region (--region): one person written several ways is one
// recipient. The error names what (--to, --from, the recipient) and says
// why, in the command's words.
func canonicalPhone(what, number, region string) (string, error) {
	c, err := crispwa.NormalizePhone(number, region)
	if err == nil {
		return c, nil
	}
	var v *crispwa.ValidationError
	if errors.As(err, &v) {
		return "", fmt.Errorf("%s %q %s", what, sanitize(number, 40), v.Reason)
	}
	return "", err
}

// checkRegion returns a usage problem with --region, or "".
func checkRegion(region string) string {
	if region == "" {
		return ""
	}
	if _, err := crispwa.NormalizePhone("+33612345678", region); err != nil {
		var v *crispwa.ValidationError
		if errors.As(err, &v) {
			return "--region: " + v.Reason
		}
		return "--region: " + err.Error()
	}
	return ""
}

// campaignKey is a row's journal key: the template, its language and the
// recipient's canonical number.
func campaignKey(t *crispwa.Template, to string) string {
	return t.Name + "/" + t.Language + "/" + to
}

// statusRank orders what the journal says about a recipient: the entry
// that decides what a re-run does is the one that ranks highest.
var statusRank = map[bulk.Status]int{bulk.StatusAccepted: 3, bulk.StatusUnknown: 2, bulk.StatusSending: 2, bulk.StatusRejected: 1}

// journalKeyAdopter returns the function that gives a job the key under
// which the journal already knows its recipient, when the journal (written
// before recipients were keyed by canonical number, or by hand) spells the
// number another way: "0033 6 12..." and "+33612..." are one person, and
// nobody is sent the message again because of how the number was written.
// Jobs are adopted one at a time, as the campaign is read.
func journalKeyAdopter(entries []bulk.Entry, t *crispwa.Template, region string) func(*bulk.Job) {
	prefix := campaignKey(t, "")
	decides := map[string]bulk.Entry{} // canonical key → the entry that decides, when its key differs
	for _, e := range entries {
		number, ok := strings.CutPrefix(e.Key, prefix)
		if !ok {
			continue
		}
		c, err := crispwa.NormalizePhone(number, region)
		if err != nil || c == number {
			continue
		}
		k := prefix + c
		if cur, ok := decides[k]; !ok || statusRank[e.Status] > statusRank[cur.Status] {
			decides[k] = e
		}
	}
	// An entry under the canonical key itself competes with the others.
	for _, e := range entries {
		if cur, ok := decides[e.Key]; ok && statusRank[e.Status] >= statusRank[cur.Status] {
			delete(decides, e.Key)
		}
	}
	return func(j *bulk.Job) {
		if e, ok := decides[j.Key]; ok {
			j.Key = e.Key
		}
	}
}

// failureClasses are the classes of a failed callback, in the order the
// command lists them, with what to do.
var failureClasses = []struct {
	class crispwa.FailureClass
	what  string
}{
	{crispwa.FailureRecipient, "the recipient cannot or will not receive it: do not resend"},
	{crispwa.FailureTemplate, "the template or its values are wrong: fix before resending"},
	{crispwa.FailureRetryLater, "a WhatsApp limit was hit: resend later"},
	{crispwa.FailureAccount, "the WhatsApp account itself: stop sending and check it"},
	{crispwa.FailureUnknown, "no known cause"},
}
