package crispwa

import (
	"bytes"
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// FailureClass says what a program should do after a failed send.
type FailureClass string

// The failure classes, from Meta's (WhatsApp's) error codes and messages.
const (
	// FailureUnknown: the message says nothing the SDK recognises.
	FailureUnknown FailureClass = "unknown"
	// FailureRecipient: this number cannot or will not receive the
	// message (undeliverable, stopped marketing messages, experiment
	// group, a country the business may not message). Do not resend to it.
	FailureRecipient FailureClass = "recipient"
	// FailureTemplate: the template, its parameters or its media are wrong
	// (missing, paused, disabled, parameter count or format, a media link
	// Meta cannot fetch). Fix before resending.
	FailureTemplate FailureClass = "template"
	// FailureRetryLater: a limit was hit or WhatsApp failed for a while
	// (rate, pair or marketing limit, service unavailable, maintenance).
	// Resend after Failure.RetryAfter (when it is 0, Meta names no wait:
	// back off as for any temporary failure).
	FailureRetryLater FailureClass = "retry_later"
	// FailureAccount: the WhatsApp account or its setup is at fault
	// (blocked, locked, unpaid, token expired, permission missing, number
	// not registered). Stop all sends until someone fixes it.
	FailureAccount FailureClass = "account"
)

// Failure is a failed send's reason in a form a program can act on.
type Failure struct {
	Code       int           // WhatsApp's (Meta's) error code when the message carries one, else 0
	Class      FailureClass  // what to do about it
	RetryAfter time.Duration // for FailureRetryLater, when known: do not resend before
	Message    string        // the callback's reason, sanitised and capped
}

// metaError is one row of Meta's error table: what the SDK knows of one
// code.
type metaError struct {
	class      FailureClass
	retryAfter time.Duration
	// title is Meta's English title for the code, as its messages carry it
	// ("(#131026) Message undeliverable"), matched without the code too.
	title string
	// phrases are other lower-case fragments of Meta's English details
	// (and Crisp's wording of them) that identify the error without its
	// code. A fragment shared by two codes is left out.
	phrases []string
}

// metaErrors is Meta's published WhatsApp Cloud API error table, code by
// code: "WhatsApp error codes",
// https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes
// (read in its Dec 12 2025 version; 131063, 131064 and 132018 from
// transcriptions of the current page), with the page's "Marketing Messages
// API for WhatsApp" codes. The
// class follows the page's "possible reasons and solutions" column;
// RetryAfter is the wait Meta names (131049: at least 24 h; 132069: 10
// messages an hour; 134101: up to 10 minutes; 133015: 5 minutes), or, for
// the rate limits where Meta names none, the SDK's minimum (1 minute; 24 h
// for the spam limit). Codes 200–299 share one row (see lookupMetaError).
// Codes of the template-creation, phone-migration, analytics and sync
// endpoints (2388xxx, 2593xxx, 20000x, 1752041) never answer a send and
// are not listed. docs/failures.md prints this table by family.
var metaErrors = map[int]metaError{
	// Authorization: the token or its permissions.
	0:   {class: FailureAccount, title: "AuthException", phrases: []string{"could not authenticate the app user"}},
	3:   {class: FailureAccount, title: "API Method", phrases: []string{"capability or permissions issue"}},
	10:  {class: FailureAccount, title: "Permission denied", phrases: []string{"permission is either not granted or has been removed"}},
	190: {class: FailureAccount, title: "Access token has expired", phrases: []string{"error validating access token", "invalid oauth access token", "access token expired"}},
	200: {class: FailureAccount, title: "API Permission"}, // 200–299
	// Integrity.
	368:    {class: FailureAccount, title: "Temporarily blocked for policies violations", phrases: []string{"blocked for policy violations"}},
	130497: {class: FailureRecipient, title: "Business account is restricted from messaging users in this country", phrases: []string{"restricted from messaging users in this country", "cannot send messages to users in this country"}},
	131031: {class: FailureAccount, title: "Account has been locked", phrases: []string{"business account locked", "account locked"}},
	// Throttling.
	4:      {class: FailureRetryLater, retryAfter: time.Minute, title: "Application request limit reached", phrases: []string{"too many calls", "api too many calls"}},
	80007:  {class: FailureRetryLater, retryAfter: time.Minute, title: "Rate limit issues", phrases: []string{"whatsapp business account has reached its rate limit"}},
	130429: {class: FailureRetryLater, retryAfter: time.Minute, title: "Rate limit hit", phrases: []string{"throughput has been reached"}},
	131048: {class: FailureRetryLater, retryAfter: 24 * time.Hour, title: "Spam rate limit hit", phrases: []string{"restrictions on how many messages can be sent from this phone number"}},
	131056: {class: FailureRetryLater, retryAfter: time.Minute, title: "(Business Account, Consumer Account) pair rate limit hit", phrases: []string{"pair rate limit hit", "too many messages sent from the sender phone number to the same recipient"}},
	131064: {class: FailureRetryLater, title: "Message limit reached due to template classification violations", phrases: []string{"template classification violations"}},
	133016: {class: FailureRetryLater, title: "Account register or deregister rate limit exceeded", phrases: []string{"register/deregister rate limit"}},
	// Other errors.
	1:       {class: FailureRetryLater, title: "API Unknown", phrases: []string{"invalid request or possible server error"}},
	2:       {class: FailureRetryLater, title: "API Service", phrases: []string{"temporary due to downtime or due to being overloaded"}},
	33:      {class: FailureAccount, phrases: []string{"business phone number has been deleted"}}, // its title is 131009's
	100:     {class: FailureTemplate, title: "Invalid parameter", phrases: []string{"unsupported or misspelled parameters"}},
	130472:  {class: FailureRecipient, title: "User's number is part of an experiment", phrases: []string{"part of an experiment", "experiment group"}},
	131000:  {class: FailureRetryLater, title: "Something went wrong", phrases: []string{"failed to send due to an unknown error"}},
	131005:  {class: FailureAccount, title: "Access denied"},
	131008:  {class: FailureTemplate, title: "Required parameter is missing"},
	131009:  {class: FailureTemplate, title: "Parameter value is not valid"},
	131016:  {class: FailureRetryLater, title: "Service unavailable", phrases: []string{"a service is temporarily unavailable"}},
	131021:  {class: FailureRecipient, title: "Recipient cannot be sender", phrases: []string{"sender and recipient phone number is the same"}},
	131026:  {class: FailureRecipient, title: "Message undeliverable", phrases: []string{"receiver is incapable of receiving", "not on whatsapp", "not a whatsapp user", "not a whatsapp phone number"}},
	131037:  {class: FailureAccount, title: "WhatsApp provided number needs display name approval before message can be sent", phrases: []string{"needs display name approval", "does not have an approved display name"}},
	131042:  {class: FailureAccount, title: "Business eligibility payment issue", phrases: []string{"payment issue", "error related to your payment method"}},
	131045:  {class: FailureAccount, title: "Incorrect certificate", phrases: []string{"phone number registration error"}},
	131047:  {class: FailureTemplate, title: "Re-engagement message", phrases: []string{"more than 24 hours have passed", "24 hours have passed since the recipient last replied"}},
	131049:  {class: FailureRetryLater, retryAfter: 24 * time.Hour, title: "This message was not delivered to maintain healthy ecosystem engagement", phrases: []string{"healthy ecosystem engagement", "meta chose not to deliver", "marketing message limit", "per-user marketing limit"}},
	131050:  {class: FailureRecipient, title: "User has stopped marketing messages", phrases: []string{"stopped marketing messages", "stop receiving marketing messages", "stopped receiving marketing messages", "chosen to stop receiving marketing"}},
	131051:  {class: FailureTemplate, title: "Unsupported message type"},
	131052:  {class: FailureUnknown, title: "Media download error"}, // media a user sent: never a send's failure
	131053:  {class: FailureTemplate, title: "Media upload error", phrases: []string{"unable to upload the media used in the message"}},
	131055:  {class: FailureTemplate, phrases: []string{"only marketing template messages are supported"}}, // its title is HTTP 405's
	131057:  {class: FailureRetryLater, title: "Account in maintenance mode", phrases: []string{"business account is in maintenance mode"}},
	131063:  {class: FailureAccount, title: "Marketing templates disabled for Cloud API", phrases: []string{"marketing templates are currently disabled"}},
	132000:  {class: FailureTemplate, title: "Template Param Count Mismatch", phrases: []string{"number of parameters does not match", "number of localizable_params", "parameter count mismatch"}},
	132001:  {class: FailureTemplate, title: "Template does not exist", phrases: []string{"template name does not exist", "does not exist in language", "template_not_found"}},
	132005:  {class: FailureTemplate, title: "Template Hydrated Text Too Long", phrases: []string{"translated text too long", "translated text is too long"}},
	132007:  {class: FailureTemplate, title: "Template Format Character Policy Violated"},
	132012:  {class: FailureTemplate, title: "Template Parameter Format Mismatch", phrases: []string{"parameter format does not match"}},
	132015:  {class: FailureTemplate, title: "Template is Paused", phrases: []string{"paused due to low quality", ") is paused"}},
	132016:  {class: FailureTemplate, title: "Template is Disabled", phrases: []string{"paused too many times", "permanently disabled", ") is disabled"}},
	132018:  {class: FailureTemplate, title: "There was an issue with the parameters in your template", phrases: []string{"issue with the parameters in your template", "cannot have new-line/tab characters", "more than 4 consecutive spaces"}},
	132068:  {class: FailureTemplate, title: "Flow is blocked", phrases: []string{"flow is in blocked state"}},
	132069:  {class: FailureRetryLater, retryAfter: time.Hour, title: "Flow is throttled", phrases: []string{"flow is in throttled state"}},
	133000:  {class: FailureAccount, title: "Incomplete deregistration"},
	133004:  {class: FailureRetryLater, title: "Server temporarily unavailable"},
	133005:  {class: FailureAccount, title: "Two step verification PIN mismatch"},
	133006:  {class: FailureAccount, title: "Phone number re-verification needed"},
	133008:  {class: FailureAccount, title: "Too many two step verification PIN guesses"},
	133009:  {class: FailureAccount, title: "Two step verification PIN guessed too fast"},
	133010:  {class: FailureAccount, phrases: []string{"not registered on the whatsapp business platform"}}, // its title ("Phone number not registered") would read a recipient's as the account's
	133015:  {class: FailureRetryLater, retryAfter: 5 * time.Minute, title: "Please wait a few minutes before attempting to register this phone number"},
	134011:  {class: FailureAccount, title: "WhatsApp Payments terms of service have not been accepted", phrases: []string{"payments terms of service"}},
	134100:  {class: FailureTemplate, title: "Only marketing messages supported"},
	134101:  {class: FailureRetryLater, retryAfter: 10 * time.Minute, title: "Your template is still syncing", phrases: []string{"template is still syncing"}},
	134102:  {class: FailureAccount, title: "Template unavailable for use"},
	135000:  {class: FailureTemplate, title: "Generic user error"},
	2494100: {class: FailureRetryLater, phrases: []string{"phone number is in maintenance mode"}}, // its title is 131057's
}

// lookupMetaError returns the row of Meta's table for code; the codes 200
// to 299 ("API Permission") share the row of 200.
func lookupMetaError(code int) (metaError, bool) {
	if code > 200 && code <= 299 {
		code = 200
	}
	m, ok := metaErrors[code]
	return m, ok
}

// metaPhrase is one title or phrase of metaErrors, lower-case.
type metaPhrase struct {
	text string
	code int
}

// metaPhrases lists every title and phrase of metaErrors, longest first,
// so that the most specific one wins ("pair rate limit hit" is 131056, not
// 130429's "rate limit hit"). Built on first use, not at start-up.
var metaPhrases = sync.OnceValue(func() []metaPhrase {
	var all []metaPhrase
	for code, m := range metaErrors {
		if m.title != "" {
			all = append(all, metaPhrase{strings.ToLower(m.title), code})
		}
		for _, p := range m.phrases {
			all = append(all, metaPhrase{p, code})
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if len(all[i].text) != len(all[j].text) {
			return len(all[i].text) > len(all[j].text)
		}
		return all[i].text < all[j].text // each text is one code's (TestMetaPhrasesUnique)
	})
	return all
})

// maxFailureMessage caps Failure.Message: the reason is untrusted text.
const maxFailureMessage = 512

// maxFailureRaw caps the raw callback body Failure reads codes from.
const maxFailureRaw = 64 << 10

// Failure classifies a failed send: it returns nil when the send succeeded
// (Error is false). Code is Meta's error code, read in this order: a code
// the reason marks as Meta does ("(#131026)", then "code 131026" or
// "\"code\":131026"); the code of an error object in the raw callback body
// ("error":{"code":…} or "errors":[{"code":…}]); a known code standing
// alone in the reason ("… 131049"). A number inside a phone number or an
// identifier ("+44 131026 7788", "req-131026") is never read as a code.
// Class comes from Meta's table for the code or, when the code is absent or
// not in the table, from Meta's title or details in the message ("Template
// is paused due to low quality"); Code stays what the message gave (0
// without one). Anything it does not recognise is FailureUnknown, with the
// message kept.
func (e *CallbackEvent) Failure() *Failure {
	if e == nil || !e.Error {
		return nil
	}
	f := &Failure{Class: FailureUnknown, Message: sanitizeFailureMessage(e.Reason)}
	code, rank := findMetaCode(e.Reason)
	var rawTexts []string
	if rank != rankParenHash && rank != rankMarked && len(e.Raw) > 0 && len(e.Raw) <= maxFailureRaw {
		rawCode, found, texts := metaErrorInRaw(e.Raw)
		if !found && rank == rankNone {
			// Only a marked code of the raw text: a bare number there
			// (a trace, a count) must not override the reason's words.
			if c, r := findMetaCode(string(e.Raw)); r == rankParenHash || r == rankMarked {
				rawCode, found = c, true
			}
		}
		if found {
			code, rank = rawCode, rankMarked
		}
		rawTexts = texts
	}
	m, ok := metaError{}, false
	if rank != rankNone {
		f.Code = code
		m, ok = lookupMetaError(code)
	}
	if !ok {
		var phraseCode int
		for _, t := range append([]string{e.Reason}, rawTexts...) {
			if phraseCode, ok = codeFromPhrases(t); ok {
				break
			}
		}
		if ok {
			m, ok = lookupMetaError(phraseCode)
		}
	}
	if ok {
		f.Class, f.RetryAfter = m.class, m.retryAfter
	}
	return f
}

// How strongly a number in a text is marked as Meta's code, strongest
// first.
const (
	rankNone      = iota
	rankParenHash // "(#131026)": Meta's own "(#code) title" message
	rankMarked    // "#131026", "code 131026", "code: 131026", "\"code\":131026"
	rankBare      // a known code of 5 digits or more, standing alone
)

// findMetaCode returns the error code s carries and how it is marked (see
// rankParenHash…): the first number of the strongest mark. A bare number
// counts only when it is a known code of five digits or more and is
// neither part of an identifier ("req-131026", "A131026") nor one group of
// a phone number ("+44 131026 7788"). (0, rankNone) when there is none.
func findMetaCode(s string) (code, rank int) {
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		start := i
		i = j
		if j-start > 7 || (start > 0 && isWordByte(s[start-1])) || (j < len(s) && isWordByte(s[j])) {
			continue
		}
		n, err := strconv.Atoi(s[start:j])
		if err != nil {
			continue
		}
		r := codeMark(s[:start])
		if r == rankNone {
			_, known := lookupMetaError(n)
			if !known || j-start < 5 || inIdentifierOrPhone(s, start, j) {
				continue
			}
			r = rankBare
		}
		if rank == rankNone || r < rank {
			code, rank = n, r
		}
		if rank == rankParenHash {
			break
		}
	}
	return code, rank
}

// codeMark says how the text before a number marks it as an error code:
// "(#", "#", or the word "code" (also "error_code", "errorCode"; not
// "subcode", "status code" or "HTTP code") with separators in between.
func codeMark(before string) int {
	if strings.HasSuffix(before, "(#") {
		return rankParenHash
	}
	if strings.HasSuffix(before, "#") {
		return rankMarked
	}
	before = strings.TrimRight(before, " :=\"'")
	k := len(before)
	for k > 0 && (isWordByte(before[k-1]) || before[k-1] == '_') {
		k--
	}
	switch strings.ToLower(before[k:]) {
	case "code", "error_code", "errorcode":
	default:
		return rankNone
	}
	prev := strings.ToLower(strings.TrimRight(before[:k], " _-"))
	if strings.HasSuffix(prev, "status") || strings.HasSuffix(prev, "http") || strings.HasSuffix(prev, "response") {
		return rankNone
	}
	return rankMarked
}

// inIdentifierOrPhone reports whether s[start:end], a run of digits, is
// glued to an identifier ("req-131026", "131026_x") or is one group of a
// phone number (a digit or '+' before it, or a digit after it, across
// spaces, dashes, dots and brackets: "+131026", "+44 131026 7788").
func inIdentifierOrPhone(s string, start, end int) bool {
	const joiners = "-_./:@="
	if start >= 2 && strings.IndexByte(joiners, s[start-1]) >= 0 && isWordByte(s[start-2]) {
		return true
	}
	if end+1 < len(s) && strings.IndexByte(joiners, s[end]) >= 0 && isWordByte(s[end+1]) {
		return true
	}
	const groupSeparators = " -.()"
	k := start - 1
	for k >= 0 && strings.IndexByte(groupSeparators, s[k]) >= 0 {
		k--
	}
	if k >= 0 && (isDigit(s[k]) || s[k] == '+') {
		return true
	}
	k = end
	for k < len(s) && strings.IndexByte(groupSeparators, s[k]) >= 0 {
		k++
	}
	return k < len(s) && isDigit(s[k])
}

// metaErrorInRaw reads a raw callback body as JSON and returns the code of
// the first Meta error object it holds ("error":{"code":…} or
// "errors":[{"code":…}], at any depth, keys in sorted order), with the
// texts of the error objects (message, title, details) for the phrases.
func metaErrorInRaw(raw []byte) (code int, found bool, texts []string) {
	var v any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if d.Decode(&v) != nil {
		return 0, false, nil
	}
	var walk func(v any, depth int)
	visitError := func(obj map[string]any) {
		if c, ok := jsonCode(obj["code"]); ok && !found {
			code, found = c, true
		}
		for _, k := range []string{"message", "title", "details"} {
			if s, ok := obj[k].(string); ok && s != "" {
				texts = append(texts, s)
			}
		}
		if data, ok := obj["error_data"].(map[string]any); ok {
			if s, ok := data["details"].(string); ok && s != "" {
				texts = append(texts, s)
			}
		}
	}
	walk = func(v any, depth int) {
		if depth > 8 {
			return
		}
		switch v := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				switch child := v[k].(type) {
				case map[string]any:
					if k == "error" {
						visitError(child)
					}
				case []any:
					if k == "errors" {
						for _, item := range child {
							if obj, ok := item.(map[string]any); ok {
								visitError(obj)
							}
						}
					}
				}
				walk(v[k], depth+1)
			}
		case []any:
			for _, item := range v {
				walk(item, depth+1)
			}
		}
	}
	walk(v, 0)
	return code, found, texts
}

// jsonCode reads an error code given as a JSON number or a string of
// digits (of at most 7); false when it is neither.
func jsonCode(v any) (int, bool) {
	var s string
	switch v := v.(type) {
	case json.Number:
		s = v.String()
	case string:
		s = v
	default:
		return 0, false
	}
	if s == "" || len(s) > 7 || strings.Trim(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// codeFromPhrases finds the Meta error whose title or details s contains,
// the longest match first; false when none.
func codeFromPhrases(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	lower := strings.ToLower(s)
	for _, p := range metaPhrases() {
		if strings.Contains(lower, p.text) {
			return p.code, true
		}
	}
	return 0, false
}

// sanitizeFailureMessage makes untrusted text safe to print to a terminal
// or a log: control characters and line breaks become spaces, bidi
// overrides, isolates and marks (which can make text read backwards) and
// zero-width characters are removed, invalid UTF-8 is dropped, and the
// result is capped at maxFailureMessage bytes on a character boundary.
func sanitizeFailureMessage(s string) string {
	if len(s) > 4*maxFailureMessage {
		s = s[:4*maxFailureMessage]
	}
	var b strings.Builder
	b.Grow(min(len(s), maxFailureMessage))
	for _, r := range strings.ToValidUTF8(s, "") {
		switch {
		case isBidiOrInvisible(r):
			continue
		case unicode.IsControl(r), r == '\u2028', r == '\u2029', r == unicode.ReplacementChar:
			r = ' '
		}
		if b.Len()+utf8.RuneLen(r) > maxFailureMessage {
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isBidiOrInvisible reports the format characters that change how the text
// around them reads: bidi embeddings and overrides (U+202A–U+202E),
// isolates (U+2066–U+2069), marks (U+200E, U+200F, U+061C), zero-width
// space and joiners (U+200B–U+200D), word joiner (U+2060) and BOM (U+FEFF).
func isBidiOrInvisible(r rune) bool {
	return (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069') ||
		(r >= '\u200b' && r <= '\u200f') || r == '\u061c' || r == '\u2060' || r == '\ufeff'
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

func isWordByte(b byte) bool {
	return isDigit(b) || (b|0x20 >= 'a' && b|0x20 <= 'z')
}
