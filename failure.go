package crispwa

import (
	"strconv"
	"strings"
	"time"
	"unicode"
)

// FailureClass says what a program should do after a failed send.
type FailureClass string

// The failure classes, from Meta's (WhatsApp's) error codes and messages.
const (
	// FailureUnknown: the message says nothing the SDK recognises.
	FailureUnknown FailureClass = "unknown"
	// FailureRecipient: this number cannot or will not receive the
	// message (undeliverable, stopped marketing messages, experiment
	// group). Do not resend to it.
	FailureRecipient FailureClass = "recipient"
	// FailureTemplate: the template or its parameters are wrong (missing,
	// paused, disabled, parameter count or format). Fix before resending.
	FailureTemplate FailureClass = "template"
	// FailureRetryLater: a limit was hit (marketing cap, rate or pair
	// limit). Resend after Failure.RetryAfter.
	FailureRetryLater FailureClass = "retry_later"
	// FailureAccount: the WhatsApp account itself is blocked, locked,
	// unpaid or its token expired. Stop all sends.
	FailureAccount FailureClass = "account"
)

// Failure is a failed send's reason in a form a program can act on.
type Failure struct {
	Code       int           // WhatsApp's (Meta's) error code when the message carries one, else 0
	Class      FailureClass  // what to do about it
	RetryAfter time.Duration // for FailureRetryLater, when known: do not resend before
	Message    string        // the callback's reason, sanitised and capped
}

// metaError is what the SDK knows of one Meta error code.
type metaError struct {
	class      FailureClass
	retryAfter time.Duration
	// phrases are lower-case fragments of Meta's English messages (and
	// Crisp's wording of them) that identify the error without its code.
	phrases []string
}

// metaErrors maps Meta's error codes to their class. Sources: Meta's
// WhatsApp Cloud API error codes reference.
var metaErrors = map[int]metaError{
	// Recipient: do not resend to this number.
	131026: {class: FailureRecipient, phrases: []string{"message undeliverable", "receiver is incapable of receiving", "not on whatsapp", "not a whatsapp user"}},
	131050: {class: FailureRecipient, phrases: []string{"stopped marketing messages", "stop receiving marketing messages", "stopped receiving marketing messages", "chosen to stop receiving marketing"}},
	130472: {class: FailureRecipient, phrases: []string{"part of an experiment", "experiment group"}},
	// Template: fix before resending.
	132000: {class: FailureTemplate, phrases: []string{"number of parameters does not match", "number of localizable_params"}},
	132001: {class: FailureTemplate, phrases: []string{"template does not exist", "template name does not exist", "does not exist in language", "template_not_found"}},
	132005: {class: FailureTemplate, phrases: []string{"translated text too long"}},
	132007: {class: FailureTemplate, phrases: []string{"format character policy violated"}},
	132012: {class: FailureTemplate, phrases: []string{"parameter format does not match"}},
	131008: {class: FailureTemplate, phrases: []string{"required parameter is missing"}},
	131009: {class: FailureTemplate, phrases: []string{"parameter value is not valid"}},
	132015: {class: FailureTemplate, phrases: []string{"template is paused", ") is paused"}},
	132016: {class: FailureTemplate, phrases: []string{"template is disabled", ") is disabled"}},
	// Retry later: a limit was hit.
	131049: {class: FailureRetryLater, retryAfter: 24 * time.Hour, phrases: []string{"healthy ecosystem engagement", "marketing message limit", "per-user marketing limit"}},
	130429: {class: FailureRetryLater, retryAfter: time.Minute, phrases: []string{"rate limit hit", "throughput has been reached"}},
	131056: {class: FailureRetryLater, retryAfter: time.Minute, phrases: []string{"pair rate limit hit", "too many messages sent from the sender phone number to the same recipient"}},
	131048: {class: FailureRetryLater, retryAfter: 24 * time.Hour, phrases: []string{"spam rate limit hit", "restrictions on how many messages can be sent from this phone number"}},
	// Account: stop all sends.
	131031: {class: FailureAccount, phrases: []string{"account has been locked", "business account locked"}},
	131042: {class: FailureAccount, phrases: []string{"business eligibility payment issue", "payment issue"}},
	368:    {class: FailureAccount, phrases: []string{"temporarily blocked for policies violations", "blocked for policy violations"}},
	190:    {class: FailureAccount, phrases: []string{"access token has expired", "error validating access token", "session has expired"}},
}

// phraseOrder lists every code of metaErrors in the order their phrases
// are tried: the more specific first, so that "pair rate limit hit" is not
// read as 130429's "rate limit hit".
var phraseOrder = []int{131056, 131048, 131026, 131050, 130472, 132000, 132001, 132005, 132007, 132012, 131008, 131009, 132015, 132016, 131049, 130429, 131031, 131042, 368, 190}

// maxFailureMessage caps Failure.Message: the reason is untrusted text.
const maxFailureMessage = 512

// Failure classifies a failed send: it returns nil when the send succeeded
// (Error is false), else the Meta error code when the reason (or the raw
// callback body) carries one, as "(#131026)", "code 131026" or a bare
// six-digit code, and the class, read from the code or, without one, from
// Meta's English message (Code stays 0 then). Anything it does not recognise is
// FailureUnknown, with the message kept.
func (e *CallbackEvent) Failure() *Failure {
	if e == nil || !e.Error {
		return nil
	}
	f := &Failure{Class: FailureUnknown, Message: sanitizeFailureMessage(e.Reason)}
	code := findMetaCode(e.Reason)
	if code == 0 && len(e.Raw) > 0 && len(e.Raw) <= 64<<10 {
		code = findMetaCode(string(e.Raw))
	}
	f.Code = code
	if code == 0 {
		code = codeFromPhrases(e.Reason) // the class, not a Code the text never gave
	}
	if m, ok := metaErrors[code]; ok {
		f.Class, f.RetryAfter = m.class, m.retryAfter
	}
	return f
}

// findMetaCode returns the first error code in s: a known six-digit Meta
// code standing alone, or any number marked as a code ("#368", "code 190",
// "\"code\":131026", "error 131049"). 0 when there is none.
func findMetaCode(s string) int {
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		run, start := s[i:j], i
		i = j
		if len(run) > 7 || (start > 0 && isWordByte(s[start-1])) || (j < len(s) && isWordByte(s[j])) {
			continue
		}
		n, err := strconv.Atoi(run)
		if err != nil {
			continue
		}
		_, known := metaErrors[n]
		if (known && len(run) == 6) || markedAsCode(s[:start]) {
			return n
		}
	}
	return 0
}

// markedAsCode reports whether the text before a number marks it as an
// error code: '#', "code" or "error", with separators in between.
func markedAsCode(before string) bool {
	before = strings.TrimRight(before, " :=\"'")
	if strings.HasSuffix(before, "#") {
		return true
	}
	lower := strings.ToLower(before[max(0, len(before)-5):])
	return strings.HasSuffix(lower, "code") || strings.HasSuffix(lower, "error")
}

// codeFromPhrases finds the Meta error whose English message s contains.
func codeFromPhrases(s string) int {
	if s == "" {
		return 0
	}
	lower := strings.ToLower(s)
	for _, code := range phraseOrder {
		for _, p := range metaErrors[code].phrases {
			if strings.Contains(lower, p) {
				return code
			}
		}
	}
	return 0
}

// sanitizeFailureMessage drops control characters from untrusted text and
// caps it, so that printing it to a terminal or a log is safe.
func sanitizeFailureMessage(s string) string {
	if len(s) > maxFailureMessage {
		s = s[:maxFailureMessage]
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, ""))
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

func isWordByte(b byte) bool {
	return isDigit(b) || (b|0x20 >= 'a' && b|0x20 <= 'z')
}
