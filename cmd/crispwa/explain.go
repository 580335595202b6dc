package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/crispwa/crispwa"
)

// credentialsRejected is what the command says when Crisp refuses the key.
const credentialsRejected = "credentials rejected: check " + crispwa.EnvIdentifier + " and " + crispwa.EnvKey

// configError is a problem of the command line or the configuration (exit
// status 2): a missing variable, a template that does not exist, a journal
// that is not one.
type configError struct{ err error }

func (e *configError) Error() string { return e.err.Error() }
func (e *configError) Unwrap() error { return e.err }

// configErrorf returns a configError with the formatted message.
func configErrorf(format string, args ...any) error {
	return &configError{fmt.Errorf(format, args...)}
}

// explain returns err in the operator's words, and the exit status it
// means.
func explain(err error) (string, int) {
	var apiErr *crispwa.APIError
	var cfg *configError
	switch {
	case errors.As(err, &cfg):
		return message(err), exitUsage
	case errors.Is(err, crispwa.ErrUnauthorized):
		if errors.As(err, &apiErr) {
			answer := fmt.Sprintf("HTTP %d", apiErr.StatusCode)
			if apiErr.Reason != "" {
				answer += " " + serverText(apiErr.Reason)
			}
			return fmt.Sprintf("%s (Crisp answered %s)", credentialsRejected, answer), exitUsage
		}
		return credentialsRejected, exitUsage
	case errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound && apiErr.Method == http.MethodGet:
		return "website not found (HTTP 404 on its templates list): check " + crispwa.EnvWebsiteID, exitUsage
	case errors.Is(err, crispwa.ErrSendOutcomeUnknown):
		return message(err) + "\nThe message may have been sent: check the conversation in Crisp before sending again.", exitUnknown
	}
	return message(err), exitFailure
}

// message is err's text for the terminal, on one line: without the
// packages' prefixes (the command prints its own), every problem of a
// joined error separated by "; ", in the command's words rather than the
// library's field names, and sanitized (it may carry the server's reason).
func message(err error) string {
	lines := strings.Split(err.Error(), "\n")
	for i, l := range lines {
		lines[i] = commandWords(stripPrefixes(l))
	}
	return sanitize(strings.Join(lines, "; "), maxMessage)
}

// prefixes are the packages' error prefixes, redundant after the command's.
var prefixes = []string{"crispwa: invalid request: ", "crispwa: ", "bulk: "}

func stripPrefixes(s string) string {
	for _, p := range prefixes {
		s = strings.TrimPrefix(s, p)
		s = strings.ReplaceAll(s, ": "+p, ": ")
	}
	return s
}

// wordings turn the library's names for values and fields into the
// command's flags and columns. They are compiled on first use, not at
// start-up (a command that prints no error never needs them).
var wordings = sync.OnceValue(func() []wording {
	return []wording{
		{regexp.MustCompile(`needs a value in Buttons\[(\d+)\]`), "needs a value: add `--button $1=VALUE` or a `button:$1` column"},
		{regexp.MustCompile(`Buttons\[(\d+)\]`), "`--button $1=VALUE` (or a `button:$1` column)"},
		{regexp.MustCompile(`give HeaderMedia instead of Header values`), "give its link with `--header LINK` (or a `header` column)"},
		{regexp.MustCompile(`give HeaderMedia \(a location parameter\)`), "give its location with `--latitude` and `--longitude` (or latitude and longitude columns)"},
		{regexp.MustCompile(`give HeaderMedia \(an? (\w+) parameter\)`), "give its $1 link with `--header LINK` (or a `header` column)"},
		{regexp.MustCompile(`HeaderMedia`), "the header's media"},
		{regexp.MustCompile(`\(Named\)`), "(give it as name=value)"},
		{regexp.MustCompile(`values in Named, not by position`), "values as name=value"},
		{regexp.MustCompile(`give values in Header and Body, not Named`), "give values by position, not name=value"},
		{regexp.MustCompile(`(not set: [A-Z_, ]+): invalid request`), "$1"},
		{regexp.MustCompile(`(^|: )to_number: `), "${1}recipient: "},
		{regexp.MustCompile(`(^|: )from_number: `), "${1}--from: "},
	}
})

// wording is one rewriting of wordings.
type wording struct {
	re   *regexp.Regexp
	with string
}

// parameterField is a text parameter's field name in a library message.
var parameterField = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(header|body)\.parameters\[(\d+)\](?:\.text)?`)
})

// commandWords replaces the library's names in s.
func commandWords(s string) string {
	for _, w := range wordings() {
		s = w.re.ReplaceAllString(s, w.with)
	}
	return parameterField().ReplaceAllStringFunc(s, func(m string) string {
		sub := parameterField().FindStringSubmatch(m)
		n, _ := strconv.Atoi(sub[2])
		return fmt.Sprintf("the %s's value #%d", sub[1], n+1)
	})
}

// templateNotFound explains a template that Templates.Get did not find:
// the languages it exists in, or the closest names. It lists the website's
// templates to find out; if that fails, it says only what is missing.
func templateNotFound(ctx context.Context, client *crispwa.Client, name, language string) error {
	const hint = "run 'crispwa templates' to list them"
	var langs, names []string
	n := 0
	for t, err := range client.Templates.All(ctx, nil) {
		if err != nil || n == maxTemplatesScanned {
			break
		}
		n++
		if t.Name == name {
			langs = append(langs, serverText(t.Language))
		} else if !slices.Contains(names, t.Name) {
			names = append(names, t.Name)
		}
	}
	if len(langs) > 0 {
		slices.Sort(langs)
		return configErrorf("template %q has no language %q: it exists in %s (%s)", name, language, strings.Join(langs, ", "), hint)
	}
	if close := closest(name, names, 3); len(close) > 0 {
		for i := range close {
			close[i] = fmt.Sprintf("%q", serverText(close[i]))
		}
		return configErrorf("no template %q: did you mean %s? (%s)", name, strings.Join(close, " or "), hint)
	}
	return configErrorf("no template %q (%s)", name, hint)
}

// maxTemplatesScanned bounds the listing templateNotFound reads.
const maxTemplatesScanned = 5000

// closest returns up to n of names within a small edit distance of name,
// closest first.
func closest(name string, names []string, n int) []string {
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	limit := max(2, len(name)/3)
	for _, c := range names {
		if d := editDistance(strings.ToLower(name), strings.ToLower(c)); d <= limit || strings.Contains(strings.ToLower(c), strings.ToLower(name)) {
			cs = append(cs, cand{c, d})
		}
	}
	slices.SortStableFunc(cs, func(a, b cand) int { return a.d - b.d })
	var out []string
	for _, c := range cs[:min(n, len(cs))] {
		out = append(out, c.name)
	}
	return out
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
