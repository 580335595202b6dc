package crispwa

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"unsafe"
)

// What one templates page may decode to.
//
// The body is capped (maxResponseBytes), but that alone does not bound what
// it decodes to: "{}," is three bytes of a list and a 184-byte Template,
// so a 4 MiB page of empty templates, components or buttons from a broken
// or hostile server decoded to 80 to 270 times its size (lists growing by
// copies included): over a gigabyte for one page.
//
// So a page has a budget of decoded bytes, in proportion to its size: the
// structures it decodes to (templates, components, cards, buttons, named
// examples, the lists holding them and their growth) may take at most
// pageBudgetPerByte bytes per byte of the body, plus pageBudgetSlack. Both
// decoders keep to it: the page scanner counts what it allocates as it
// goes, and before anything is handed to encoding/json (an odd template, an
// odd leaf, a whole page off the common shape) fallbackCost bounds what
// that decode may allocate, from the bytes, and refuses if it does not fit.
// Strings and Template.Raw are not counted: they are copies of the body's
// own bytes, so at most its size each.
//
// A budget rather than caps on counts: a cap on templates per page tied to
// ListTemplatesOptions.Limit would refuse a server that ignores the limit
// (and Limit 0 asks for the server's default, whatever it is), and caps per
// list (components per template, buttons per component, ...) multiply:
// 10,000 templates of 64 empty components each still fit in 4 MiB. One
// budget in bytes bounds every shape and their products, and refuses no
// real page: the real-world templates of testdata decode to at most 1.5
// bytes of structures per byte (2 to 3.3 bytes in all, with their strings
// and Raw), and fallbackCost, pessimistic, puts them at 5.1 at most, so
// that even a page the scanner reads to its end before leaving it to
// encoding/json stays within it (TestRealPagesFitTheBudget).
const (
	pageBudgetPerByte = 8
	pageBudgetSlack   = 1 << 20
)

// pageBudget is the budget of a page of n bytes.
func pageBudget(n int) int { return pageBudgetPerByte*n + pageBudgetSlack }

// errPageTooLarge reports a templates page over its budget.
var errPageTooLarge = fmt.Errorf("crispwa: templates page would decode to more than %d bytes per byte of the page (plus %d): refusing it (real pages need one or two)", pageBudgetPerByte, pageBudgetSlack)

// The sizes the budget counts.
const (
	sizeTemplate     = int(unsafe.Sizeof(Template{}))
	sizeComponent    = int(unsafe.Sizeof(TemplateComponent{}))
	sizeCard         = int(unsafe.Sizeof(TemplateCard{}))
	sizeButton       = int(unsafe.Sizeof(TemplateButton{}))
	sizeNamedParam   = int(unsafe.Sizeof(NamedParamExample{}))
	sizeExample      = int(unsafe.Sizeof(TemplateExample{}))
	sizeOffer        = int(unsafe.Sizeof(TemplateLimitedTimeOffer{}))
	sizeQualityScore = int(unsafe.Sizeof(QualityScore{}))
	sizePointer      = int(unsafe.Sizeof(&Template{}))
	sizeString       = int(unsafe.Sizeof(""))
	sizeSlice        = int(unsafe.Sizeof([]string{}))
	// sizeMapEntry is a member of an odd template: Template.UnmarshalJSON
	// reads its identity from a map[string]json.RawMessage of all its
	// members (a 40-byte slot, at 7/8 load, in tables that double).
	sizeMapEntry = 128
)

// charge takes n bytes from the budget and reports whether it still holds.
// Once over, every later charge fails too.
func (s *pageScanner) charge(n int) bool {
	s.budget -= n
	return s.budget >= 0
}

// charge takes n bytes from the budget of the page being scanned, if any
// (the plain leaves also decode outside a page, through lenientStrings).
func (p *plainScan) charge(n int) bool {
	if !p.counted {
		return true
	}
	p.budget -= n
	return p.budget >= 0
}

// chargeFallback takes from the budget what decoding b as kind with
// encoding/json may allocate (fallbackCost), before it is decoded; it does
// not read b once the budget is spent.
func (s *pageScanner) chargeFallback(b []byte, kind costKind) bool {
	return s.budget >= 0 && s.charge(fallbackCost(b, kind))
}

// nextCap is the capacity append gives a full list of capacity c, about:
// double up to 256 elements, then a quarter more (size classes round it
// up a little more; growthBytes allows for that).
func nextCap(c int) int {
	switch {
	case c == 0:
		return 1
	case c < 256:
		return 2 * c
	}
	return c + (c+3*256)/4
}

// growthBytes bounds the bytes a list of n elements of size bytes allocates
// when it grows by one append at a time from empty (with an eighth more for
// size classes).
func growthBytes(n, size int) int {
	total := 0
	for c := 0; c < n; {
		c = nextCap(c)
		total += c * size
	}
	return total + total/8
}

// costKind is what a JSON value decodes to, for fallbackCost.
type costKind uint8

const (
	costNone   costKind = iota // an unknown key's value: skipped
	costString                 // a string field
	costBool
	costInt
	costEnvelope
	costData
	costTemplates
	costTemplate
	costQualityScore
	costComponents
	costComponent
	costCards
	costCard
	costOffer
	costExample
	costNamedParams
	costNamedParam
	costButtons
	costButton
	costStrings // a lenientStrings
	costRows    // a lenientRows
)

// costMember is a key of an object kind and what its value decodes to.
type costMember struct {
	key  []byte
	kind costKind
}

// costMembers are the JSON fields of each object kind, as encoding/json
// decodes them (TestFallbackCostKnowsEveryField holds them in step with
// the types' tags).
var costMembers = map[costKind][]costMember{
	costEnvelope: {{[]byte("error"), costBool}, {[]byte("reason"), costString}, {[]byte("data"), costData}},
	costData:     {{[]byte("templates"), costTemplates}, {[]byte("paging_next"), costString}},
	costTemplate: {{[]byte("id"), costString}, {[]byte("name"), costString}, {[]byte("language"), costString},
		{[]byte("status"), costString}, {[]byte("category"), costString}, {[]byte("parameter_format"), costString},
		{[]byte("components"), costComponents}, {[]byte("quality_score"), costQualityScore}, {[]byte("rejected_reason"), costString}},
	costQualityScore: {{[]byte("score"), costString}},
	costComponent: {{[]byte("type"), costString}, {[]byte("format"), costString}, {[]byte("text"), costString},
		{[]byte("buttons"), costButtons}, {[]byte("example"), costExample}, {[]byte("cards"), costCards},
		{[]byte("limited_time_offer"), costOffer}, {[]byte("add_security_recommendation"), costBool}, {[]byte("code_expiration_minutes"), costInt}},
	costCard:  {{[]byte("components"), costComponents}},
	costOffer: {{[]byte("text"), costString}, {[]byte("has_expiration"), costBool}},
	costExample: {{[]byte("header_text"), costStrings}, {[]byte("header_text_named_params"), costNamedParams},
		{[]byte("header_handle"), costStrings}, {[]byte("body_text"), costRows}, {[]byte("body_text_named_params"), costNamedParams}},
	costNamedParam: {{[]byte("param_name"), costString}, {[]byte("example"), costString}},
	costButton: {{[]byte("type"), costString}, {[]byte("text"), costString}, {[]byte("url"), costString},
		{[]byte("phone_number"), costString}, {[]byte("example"), costStrings}, {[]byte("otp_type"), costString}},
}

// costObject is what an object of kind allocates itself (the structure a
// pointer field points to, the copies the SDK's UnmarshalJSON methods
// decode into, with json.Unmarshal's own state), and whether kind is an
// object at all.
func costObject(kind costKind) (int, bool) {
	switch kind {
	case costEnvelope, costComponent, costCard, costNamedParam: // held by the caller or in a list
		return 0, true
	case costData:
		return int(unsafe.Sizeof(templatesData{})) + sizeString, true // and its paging_next
	case costTemplate:
		return 2*sizeTemplate + sizeUnmarshal, true // the new Template, and UnmarshalJSON's copy
	case costQualityScore:
		return sizeQualityScore, true
	case costOffer:
		return sizeOffer, true
	case costExample:
		return 2*sizeExample + 3*sizeSlice + sizeUnmarshal, true // the new TemplateExample, UnmarshalJSON's copy
	case costButton:
		return sizeButton + sizeSlice + sizeUnmarshal, true // UnmarshalJSON's copy
	}
	return 0, false
}

// sizeUnmarshal is what one json.Unmarshal allocates for itself (its
// decoder state: about 150 bytes); the SDK's UnmarshalJSON methods each
// make one. sizeJSONObject is what encoding/json allocates for each object
// it decodes into a struct (about 30 bytes). sizeOddTemplate is what Template.UnmarshalJSON allocates more
// for a template the SDK cannot model (its error, a map of the members,
// six json.Unmarshal of the identity: about 2,000 bytes), besides
// sizeMapEntry per member.
const (
	sizeUnmarshal   = 192
	sizeJSONObject  = 48
	sizeOddTemplate = 3072
)

// costList is, for a list kind, its elements' kind and size, and how many
// times the SDK may decode it (a lenient leaf tries its spellings in turn);
// tries is 0 for a kind that is not a list.
func costList(kind costKind) (elem costKind, size, tries int) {
	switch kind {
	case costTemplates:
		return costTemplate, sizePointer, 1
	case costComponents:
		return costComponent, sizeComponent, 1
	case costCards:
		return costCard, sizeCard, 1
	case costButtons:
		return costButton, sizeButton, 1
	case costNamedParams:
		return costNamedParam, sizeNamedParam, 1
	case costStrings:
		return costString, sizeString, 2
	case costRows:
		return costStrings, sizeSlice, 3
	}
	return costNone, 0, 0
}

// fallbackCost bounds what encoding/json (with the SDK's UnmarshalJSON
// methods) may allocate decoding b as kind, strings aside. It reads keys as
// encoding/json matches them (case-insensitively, escapes decoded), counts
// every member of a repeated key, and counts a template as one the SDK
// cannot model (the costly path of Template.UnmarshalJSON) whenever a value
// in it is not of its field's type, so it never undercounts. For bytes that
// are not one JSON value (or nest deeper than encoding/json allows) it
// returns 0: encoding/json checks the whole input before it decodes
// anything, and refuses them. Not counted either: encoding/json's parse
// stacks, which grow with nesting to a few hundred bytes per level at its
// limit of 10,000 levels (a constant within pageBudgetSlack).
func fallbackCost(b []byte, kind costKind) int {
	w := costWalk{callbackScanner: callbackScanner{b: b}}
	w.space()
	if !w.walk(kind, 1) {
		return 0
	}
	return w.cost
}

// costWalk is fallbackCost's position in the bytes and its count so far.
type costWalk struct {
	callbackScanner
	cost int
	odd  bool // a value of the template being walked does not fit its field
}

// walk counts the value at the position as kind (its objects and arrays at
// nesting depth) and moves past it; false on a syntax error.
func (w *costWalk) walk(kind costKind, depth int) bool {
	if kind == costTemplate {
		return w.template(depth)
	}
	switch c := w.next(); {
	case c == '{':
		if own, ok := costObject(kind); ok {
			_, ok := w.object(kind, own, depth)
			return ok
		}
	case c == '[':
		if elem, size, tries := costList(kind); tries > 0 {
			return w.list(kind, elem, size, tries, depth)
		}
	case c == '"':
		switch kind { // a leaf given as one string becomes a list of one
		case costStrings:
			w.cost += 2 * sizeString
		case costRows:
			w.cost += 3 * (sizeSlice + sizeString)
		case costString, costNone:
		default:
			w.odd = true
		}
		_, err := w.str()
		return err == nil
	case c == 'n':
		return w.literal("null") == nil
	case c == 't' || c == 'f':
		w.odd = w.odd || (kind != costBool && kind != costNone)
		return w.value(depth) == nil
	case c == '-' || '0' <= c && c <= '9':
		start := w.i
		if w.number() != nil {
			return false
		}
		if kind == costInt {
			_, err := strconv.Atoi(string(w.b[start:w.i]))
			w.odd = w.odd || err != nil
		} else {
			w.odd = w.odd || kind != costNone
		}
		return true
	}
	w.odd = w.odd || kind != costNone // an object or a list where the field wants another type
	return w.value(depth) == nil
}

// template counts a template: as one the SDK models, or, when a value in
// it does not fit its field (or it is not an object), as one it cannot.
func (w *costWalk) template(depth int) bool {
	outer := w.odd
	w.odd = false
	members, ok := 0, false
	if w.next() == '{' {
		own, _ := costObject(costTemplate)
		members, ok = w.object(costTemplate, own, depth)
	} else {
		w.odd = true
		ok = w.value(depth) == nil
	}
	if w.odd {
		w.cost += sizeOddTemplate + members*sizeMapEntry
	}
	w.odd = outer
	return ok
}

// object counts an object of kind, which allocates own bytes itself, and
// returns how many members it has.
func (w *costWalk) object(kind costKind, own, depth int) (members int, ok bool) {
	if depth > maxJSONDepth {
		return 0, false
	}
	w.cost += own + sizeJSONObject
	w.i++ // '{'
	w.space()
	if w.next() == '}' {
		w.i++
		return 0, true
	}
	for {
		if w.next() != '"' {
			return 0, false
		}
		start := w.i
		escaped, err := w.str()
		if err != nil {
			return 0, false
		}
		key := w.b[start+1 : w.i-1]
		if escaped {
			var k string
			if json.Unmarshal(w.b[start:w.i], &k) != nil {
				return 0, false
			}
			key = []byte(k)
		}
		w.space()
		if w.next() != ':' {
			return 0, false
		}
		w.i++
		w.space()
		members++
		member := costNone
		for _, m := range costMembers[kind] {
			if bytes.EqualFold(key, m.key) {
				member = m.kind
				break
			}
		}
		if !w.walk(member, depth+1) {
			return 0, false
		}
		w.space()
		switch w.next() {
		case ',':
			w.i++
			w.space()
		case '}':
			w.i++
			return members, true
		default:
			return 0, false
		}
	}
}

// list counts a list of kind, of elements of kind elem and size bytes: the
// elements, and the list's growth, tries times.
func (w *costWalk) list(kind, elem costKind, size, tries, depth int) bool {
	if depth > maxJSONDepth {
		return false
	}
	w.i++ // '['
	w.space()
	n := 0
	var strs, lists bool // of a lenientRows: strings and lists both fit no spelling
	if w.next() == ']' {
		w.i++
	} else {
		for {
			switch w.next() {
			case '"':
				strs = true
			case '[':
				lists = true
			}
			before := w.cost
			if !w.walk(elem, depth+1) {
				return false
			}
			w.cost += (tries - 1) * (w.cost - before) // each try decodes the element again
			n++
			w.space()
			if w.next() == ',' {
				w.i++
				w.space()
				continue
			}
			if w.next() != ']' {
				return false
			}
			w.i++
			break
		}
	}
	w.odd = w.odd || (kind == costRows && strs && lists)
	w.cost += tries * growthBytes(n, size)
	return true
}
