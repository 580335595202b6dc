package crispwa

import (
	"bytes"
	"encoding/json"
	"fmt"
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
// real page: real templates decode to one to two bytes of structures per
// byte (two to three with their strings and Raw; TestRealPagesFitTheBudget
// checks the real-world templates of testdata against a quarter of it).
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
	if p.budget == nil {
		return true
	}
	*p.budget -= n
	return *p.budget >= 0
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
// when it grows by one append at a time from empty.
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
	costNone costKind = iota // skipped, or scalars and strings only
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

// costMembers are the members of an object of each kind that allocate;
// other keys hold scalars and strings, or are skipped.
var costMembers = map[costKind][]costMember{
	costEnvelope:  {{[]byte("data"), costData}},
	costData:      {{[]byte("templates"), costTemplates}},
	costTemplate:  {{[]byte("components"), costComponents}, {[]byte("quality_score"), costQualityScore}},
	costComponent: {{[]byte("buttons"), costButtons}, {[]byte("example"), costExample}, {[]byte("cards"), costCards}, {[]byte("limited_time_offer"), costOffer}},
	costCard:      {{[]byte("components"), costComponents}},
	costExample: {{[]byte("header_text"), costStrings}, {[]byte("header_handle"), costStrings}, {[]byte("body_text"), costRows},
		{[]byte("header_text_named_params"), costNamedParams}, {[]byte("body_text_named_params"), costNamedParams}},
	costButton: {{[]byte("example"), costStrings}},
}

// costObject is what an object of kind allocates itself (the structure a
// pointer field points to, the copies the SDK's UnmarshalJSON methods
// decode into), and whether kind is an object at all.
func costObject(kind costKind) (int, bool) {
	switch kind {
	case costEnvelope, costComponent, costCard, costNamedParam: // held by the caller or in a list
		return 0, true
	case costData:
		return int(unsafe.Sizeof(templatesData{})) + sizeString, true // and its paging_next
	case costTemplate:
		return 2 * sizeTemplate, true // the new Template, and UnmarshalJSON's copy
	case costQualityScore:
		return sizeQualityScore, true
	case costOffer:
		return sizeOffer, true
	case costExample:
		return 2*sizeExample + 3*sizeSlice, true // the new TemplateExample, UnmarshalJSON's copy
	case costButton:
		return sizeButton + sizeSlice, true // UnmarshalJSON's copy
	}
	return 0, false
}

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
		return costNone, sizeString, 2
	case costRows:
		return costStrings, sizeSlice, 3
	}
	return costNone, 0, 0
}

// fallbackCost bounds what encoding/json (with the SDK's UnmarshalJSON
// methods) may allocate decoding b as kind, strings aside. It reads keys as
// encoding/json matches them (case-insensitively, escapes decoded) and
// counts every member of a repeated key, so it never undercounts. For
// bytes that are not one JSON value (or nest deeper than encoding/json
// allows) it returns 0: encoding/json checks the whole input before it
// decodes anything, and refuses them.
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
}

// walk counts the value at the position as kind (its objects and arrays at
// nesting depth) and moves past it; false on a syntax error.
func (w *costWalk) walk(kind costKind, depth int) bool {
	switch w.next() {
	case '{':
		if own, ok := costObject(kind); ok {
			return w.object(kind, own, depth)
		}
		return w.value(depth) == nil
	case '[':
		if elem, size, tries := costList(kind); tries > 0 {
			return w.list(elem, size, tries, depth)
		}
		return w.value(depth) == nil
	case '"':
		if _, err := w.str(); err != nil {
			return false
		}
		switch kind { // a leaf given as one string becomes a list of one
		case costStrings:
			w.cost += 2 * sizeString
		case costRows:
			w.cost += 3 * (sizeSlice + sizeString)
		}
		return true
	}
	return w.value(depth) == nil
}

// object counts an object of kind, which allocates own bytes itself.
func (w *costWalk) object(kind costKind, own, depth int) bool {
	if depth > maxJSONDepth {
		return false
	}
	w.cost += own
	members := costMembers[kind]
	w.i++ // '{'
	w.space()
	if w.next() == '}' {
		w.i++
		return true
	}
	for {
		if w.next() != '"' {
			return false
		}
		start := w.i
		escaped, err := w.str()
		if err != nil {
			return false
		}
		key := w.b[start+1 : w.i-1]
		if escaped {
			var k string
			if json.Unmarshal(w.b[start:w.i], &k) != nil {
				return false
			}
			key = []byte(k)
		}
		w.space()
		if w.next() != ':' {
			return false
		}
		w.i++
		w.space()
		if kind == costTemplate {
			w.cost += sizeMapEntry
		}
		member := costNone
		for _, m := range members {
			if bytes.EqualFold(key, m.key) {
				member = m.kind
				break
			}
		}
		if !w.walk(member, depth+1) {
			return false
		}
		w.space()
		switch w.next() {
		case ',':
			w.i++
			w.space()
		case '}':
			w.i++
			return true
		default:
			return false
		}
	}
}

// list counts a list of elements of kind elem and size bytes: the
// elements, and the list's growth, tries times.
func (w *costWalk) list(elem costKind, size, tries, depth int) bool {
	if depth > maxJSONDepth {
		return false
	}
	w.i++ // '['
	w.space()
	n := 0
	if w.next() == ']' {
		w.i++
	} else {
		for {
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
	w.cost += tries * growthBytes(n, size)
	return true
}
