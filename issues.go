package crispwa

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Field names of a ValidationError, one scheme for Validate and Check: a
// send's component is named by what it is, "header", "body", "footer",
// "button[1]" (by its button index), "carousel", "limited_time_offer", a
// carousel card's as "card[0].body"; a component the SDK cannot name that
// way by its position, "components[3]"; then ".parameters[1].text" and so
// on, as in the JSON. Request-level fields keep their JSON path
// ("to_number", "message_template.name", "crisp_options.type").

// componentField names the i-th component of a send, per the scheme above.
// It is only called to report a problem.
func componentField(c Component, i int) string {
	switch strings.ToUpper(c.Type) {
	case ComponentHeader:
		return "header"
	case ComponentBody:
		return "body"
	case ComponentFooter:
		return "footer"
	case ComponentCarousel:
		return "carousel"
	case ComponentLimitedTimeOffer:
		return "limited_time_offer"
	case ComponentButton:
		if c.Index != nil {
			return buttonField(*c.Index)
		}
		if strings.EqualFold(c.SubType, SubTypeVoiceCall) {
			return "button[voice_call]"
		}
	}
	return positionField(i)
}

// positionField names a component by its position: "components[3]".
func positionField(i int) string { return "components[" + strconv.Itoa(i) + "]" }

// buttonField names a button by its index: "button[1]".
func buttonField(k int) string { return "button[" + strconv.Itoa(k) + "]" }

// cardField names a carousel card: "card[0]".
func cardField(k int) string { return "card[" + strconv.Itoa(k) + "]" }

// paramField names a parameter of a component field: "body.parameters[1]".
func paramField(field string, j int) string {
	return field + ".parameters[" + strconv.Itoa(j) + "]"
}

// ValidationErrors returns every *ValidationError in err's tree (for
// example the mismatches Template.Check or Template.Build joined), in order.
// It returns nil when there is none.
func ValidationErrors(err error) []*ValidationError {
	var out []*ValidationError
	var walk func(error)
	walk = func(e error) {
		switch x := e.(type) {
		case nil:
		case *ValidationError:
			out = append(out, x)
		case interface{ Unwrap() []error }:
			for _, inner := range x.Unwrap() {
				walk(inner)
			}
		case interface{ Unwrap() error }:
			walk(x.Unwrap())
		}
	}
	walk(err)
	return out
}

// joinIssues turns a list of problems into Check's error.
func joinIssues(issues []*ValidationError) error {
	switch len(issues) {
	case 0:
		return nil
	case 1:
		return issues[0]
	}
	errs := make([]error, len(issues))
	for i, v := range issues {
		errs[i] = v
	}
	return errors.Join(errs...)
}

// describePlaceholders renders placeholder names as the template shows them.
func describePlaceholders(names []string) string {
	if len(names) > 4 && names[0] == "1" {
		return "{{1}}..{{" + names[len(names)-1] + "}}"
	}
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = "{{" + n + "}}"
	}
	return strings.Join(parts, ", ")
}

// plural renders a count with its noun: "1 parameter", "2 parameters".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// withArticle puts "a" or "an" before a parameter type: "an image".
func withArticle(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an " + word
	}
	return "a " + word
}

// describeButton names a template button for messages: `URL button "Track"`.
func describeButton(b TemplateButton) string {
	if b.Text == "" {
		return strings.ToUpper(b.Type) + " button"
	}
	return fmt.Sprintf("%s button %q", strings.ToUpper(b.Type), b.Text)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
