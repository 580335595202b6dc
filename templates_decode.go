package crispwa

import (
	"encoding/json"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// decodeTemplatesEnvelope decodes a templates page. The usual page takes
// one pass over its bytes (scanTemplatesPage): no reflection, no second
// scan of a template to find its end, strings unquoted in place. Whatever
// that pass does not read as the common shape is decoded exactly as
// json.Unmarshal decodes it, so errors and odd answers come out as for
// every other call:
//   - a template it cannot read (a value of an unexpected type, a key in
//     another case, an escaped or repeated key, a null in a list) is
//     handed whole to Template.UnmarshalJSON, as json.Unmarshal hands it;
//   - a page it cannot read (a syntax error, an envelope of an unexpected
//     shape, trailing bytes, nesting deeper than encoding/json allows) is
//     decoded again by json.Unmarshal.
//
// The sizes stay bounded: the body is read through maxResponseBytes, the
// page's paging cursor is checked by List, and what the page decodes to,
// by either path, is held to the page's budget (templates_budget.go): a
// page over it is errPageTooLarge.
func decodeTemplatesEnvelope(raw []byte, env *envelope[templatesData]) error {
	var fast envelope[templatesData]
	ok, left := scanTemplatesPage(raw, &fast)
	if ok {
		*env = fast
		return nil
	}
	if left < 0 || fallbackCost(raw, costEnvelope) > left {
		return errPageTooLarge
	}
	return json.Unmarshal(raw, env)
}

// The JSON names the page scanner reads, per type. Every decoded field of
// the type is here (TestPageScannerKnowsEveryField holds them in step with
// the types' tags): a key matching one only case-insensitively sends its
// template to encoding/json, which matches keys that way; any other key is
// skipped, as encoding/json skips it.
var (
	envelopeKeys     = []string{"error", "reason", "data"}
	pageDataKeys     = []string{"templates", "paging_next"}
	templateKeys     = []string{"id", "name", "language", "status", "category", "parameter_format", "components", "quality_score", "rejected_reason"}
	qualityScoreKeys = []string{"score"}
	componentKeys    = []string{"type", "format", "text", "buttons", "example", "cards", "limited_time_offer", "add_security_recommendation", "code_expiration_minutes"}
	cardKeys         = []string{"components"}
	offerKeys        = []string{"text", "has_expiration"}
	exampleKeys      = []string{"header_text", "header_text_named_params", "header_handle", "body_text", "body_text_named_params"}
	namedParamKeys   = []string{"param_name", "example"}
	buttonKeys       = []string{"type", "text", "url", "phone_number", "example", "otp_type"}
)

// pageScanner reads a templates page. It checks the JSON grammar with the
// callback scanner's rules (the ones encoding/json applies, nesting limit
// included) and decodes the SDK's types straight from the bytes. Its
// methods report false for anything off the common shape; the caller then
// takes the general path.
type pageScanner struct {
	callbackScanner
	budget int // the bytes the page may still decode to (templates_budget.go)
}

// scanTemplatesPage decodes a templates page in one pass and reports
// whether it could, and what is left of the page's budget (negative when
// the page went over it, which ends the scan); when it could not, env is
// partly filled and must be discarded.
func scanTemplatesPage(raw []byte, env *envelope[templatesData]) (ok bool, left int) {
	s := pageScanner{callbackScanner: callbackScanner{b: raw}, budget: pageBudget(len(raw))}
	return s.page(env), s.budget
}

// page reads the envelope.
func (s *pageScanner) page(env *envelope[templatesData]) bool {
	s.space()
	if !s.enter(1) {
		return false
	}
	var o pageObject
	for {
		key, more := s.key(&o, envelopeKeys, 1)
		if !more {
			break
		}
		switch key {
		case "error":
			if !s.bool(&env.Error) {
				return false
			}
		case "reason":
			if !s.string(&env.Reason) {
				return false
			}
		case "data":
			if !s.data(&env.Data, 2) {
				return false
			}
		}
	}
	if o.bad {
		return false
	}
	s.space()
	return s.i == len(s.b) // nothing but white space may follow
}

// data reads the page's "data": null, or an object with "templates" and
// "paging_next".
func (s *pageScanner) data(dst **templatesData, depth int) bool {
	if s.null() {
		*dst = nil
		return true
	}
	if !s.enter(depth) || !s.charge(int(unsafe.Sizeof(templatesData{}))) {
		return false
	}
	d := &templatesData{}
	var o pageObject
	for {
		key, more := s.key(&o, pageDataKeys, depth)
		if !more {
			break
		}
		switch key {
		case "templates":
			if !s.templates(&d.Templates, depth+1) {
				return false
			}
		case "paging_next":
			if s.null() {
				d.PagingNext = nil
				continue
			}
			next := new(string)
			if !s.charge(sizeString) || !s.string(next) {
				return false
			}
			d.PagingNext = next
		}
	}
	*dst = d
	return !o.bad
}

// templates reads the "templates" array, each template with its own bytes
// kept in Raw.
func (s *pageScanner) templates(dst *[]*Template, depth int) bool {
	if s.null() {
		*dst = nil
		return true
	}
	list := []*Template{}
	var a pageArray
	for s.elem(&a, depth) {
		start := s.i
		if len(list) == cap(list) && !s.charge(nextCap(cap(list))*sizePointer) {
			return false
		}
		if s.null() {
			// A null entry stays nil, as json.Unmarshal leaves it; List
			// refuses it.
			list = append(list, nil)
			continue
		}
		if !s.charge(sizeTemplate) {
			return false
		}
		t := new(Template)
		if s.template(t, depth+1) {
			t.Raw = append(json.RawMessage(nil), s.b[start:s.i]...)
		} else {
			// Off the common shape: the general path decodes this
			// template alone, from its bytes, as json.Unmarshal of the
			// page would (Template.UnmarshalJSON keeps an odd template
			// with its identity and says why, and sets Raw), within
			// what is left of the budget.
			s.i = start
			if s.value(depth+1) != nil || !s.chargeFallback(s.b[start:s.i], costTemplate) ||
				t.UnmarshalJSON(s.b[start:s.i]) != nil {
				return false
			}
		}
		list = append(list, t)
	}
	*dst = list
	return !a.bad
}

// template reads one template object.
func (s *pageScanner) template(t *Template, depth int) bool {
	if !s.enter(depth) {
		return false
	}
	var o pageObject
	for {
		key, more := s.key(&o, templateKeys, depth)
		if !more {
			break
		}
		ok := true
		switch key {
		case "id":
			ok = s.string(&t.ID)
		case "name":
			ok = s.string(&t.Name)
		case "language":
			ok = s.string(&t.Language)
		case "status":
			ok = s.string(&t.Status)
		case "category":
			ok = s.string(&t.Category)
		case "parameter_format":
			ok = s.string(&t.ParameterFormat)
		case "components":
			ok = s.components(&t.Components, depth+1)
		case "quality_score":
			ok = s.qualityScore(&t.QualityScore, depth+1)
		case "rejected_reason":
			ok = s.string(&t.RejectedReason)
		}
		if !ok {
			return false
		}
	}
	return !o.bad
}

func (s *pageScanner) qualityScore(dst **QualityScore, depth int) bool {
	if s.null() {
		*dst = nil
		return true
	}
	if !s.enter(depth) || !s.charge(sizeQualityScore) {
		return false
	}
	q := &QualityScore{}
	var o pageObject
	for {
		key, more := s.key(&o, qualityScoreKeys, depth)
		if !more {
			break
		}
		if key == "score" && !s.string(&q.Score) {
			return false
		}
	}
	*dst = q
	return !o.bad
}

// maxScratch is how many elements of a list are gathered on the stack
// before the list is copied out at its exact size; longer lists grow.
const maxScratch = 8

// components reads a list of components. (Each list reader walks its
// elements itself: through a function value, the element would escape to
// the heap.)
func (s *pageScanner) components(dst *[]TemplateComponent, depth int) bool {
	if s.null() {
		*dst = nil
		return true
	}
	var scratch [maxScratch]TemplateComponent
	list := scratch[:0]
	var a pageArray
	for s.elem(&a, depth) {
		if len(list) == cap(list) && !s.charge(nextCap(cap(list))*sizeComponent) {
			return false
		}
		list = append(list, TemplateComponent{})
		if !s.component(&list[len(list)-1], depth+1) {
			return false
		}
	}
	if a.bad || !s.charge(len(list)*sizeComponent) {
		return false
	}
	*dst = exactCopy(list)
	return true
}

// pageArray is the state of an array being walked element by element.
type pageArray struct {
	started bool
	bad     bool // the walk ended on a syntax error
}

// elem moves to the next element of the array at the position (its '['
// first, at nesting depth), and reports false at the array's end, or with
// a.bad set when the value is not an array or on a syntax error.
func (s *pageScanner) elem(a *pageArray, depth int) bool {
	if !a.started {
		a.started = true
		if depth > maxJSONDepth || s.next() != '[' {
			a.bad = true
			return false
		}
		s.i++
		s.space()
		if s.next() == ']' {
			s.i++
			return false
		}
		return true
	}
	s.space()
	switch s.next() {
	case ',':
		s.i++
		s.space()
		return true
	case ']':
		s.i++
		return false
	}
	a.bad = true
	return false
}

// exactCopy returns list (gathered in a scratch array) in a slice of its own, of
// its exact length: empty, not nil, for [], as encoding/json makes it.
func exactCopy[T any](list []T) []T {
	return append(make([]T, 0, len(list)), list...)
}

// component reads one component object.
func (s *pageScanner) component(c *TemplateComponent, depth int) bool {
	if !s.enter(depth) {
		return false
	}
	var o pageObject
	for {
		key, more := s.key(&o, componentKeys, depth)
		if !more {
			break
		}
		ok := true
		switch key {
		case "type":
			ok = s.string(&c.Type)
		case "format":
			ok = s.string(&c.Format)
		case "text":
			ok = s.string(&c.Text)
		case "buttons":
			ok = s.buttons(&c.Buttons, depth+1)
		case "example":
			ok = s.example(&c.Example, depth+1)
		case "cards":
			ok = s.cards(&c.Cards, depth+1)
		case "limited_time_offer":
			ok = s.offer(&c.LimitedTimeOffer, depth+1)
		case "add_security_recommendation":
			ok = s.bool(&c.AddSecurityRecommendation)
		case "code_expiration_minutes":
			ok = s.int(&c.CodeExpirationMinutes)
		}
		if !ok {
			return false
		}
	}
	return !o.bad
}

func (s *pageScanner) cards(dst *[]TemplateCard, depth int) bool {
	if s.null() {
		*dst = nil
		return true
	}
	var scratch [maxScratch]TemplateCard
	list := scratch[:0]
	var a pageArray
	for s.elem(&a, depth) {
		if len(list) == cap(list) && !s.charge(nextCap(cap(list))*sizeCard) {
			return false
		}
		list = append(list, TemplateCard{})
		if !s.card(&list[len(list)-1], depth+1) {
			return false
		}
	}
	if a.bad || !s.charge(len(list)*sizeCard) {
		return false
	}
	*dst = exactCopy(list)
	return true
}

func (s *pageScanner) card(c *TemplateCard, depth int) bool {
	if !s.enter(depth) {
		return false
	}
	var o pageObject
	for {
		key, more := s.key(&o, cardKeys, depth)
		if !more {
			break
		}
		if key == "components" && !s.components(&c.Components, depth+1) {
			return false
		}
	}
	return !o.bad
}

func (s *pageScanner) offer(dst **TemplateLimitedTimeOffer, depth int) bool {
	if s.null() {
		*dst = nil
		return true
	}
	if !s.enter(depth) || !s.charge(sizeOffer) {
		return false
	}
	offer := &TemplateLimitedTimeOffer{}
	var o pageObject
	for {
		key, more := s.key(&o, offerKeys, depth)
		if !more {
			break
		}
		ok := true
		switch key {
		case "text":
			ok = s.string(&offer.Text)
		case "has_expiration":
			ok = s.bool(&offer.HasExpiration)
		}
		if !ok {
			return false
		}
	}
	*dst = offer
	return !o.bad
}

// example reads an example object with TemplateExample.UnmarshalJSON's
// leniency: "header_text", "header_handle" and "body_text" in any spelling
// lenientStrings and lenientRows accept.
func (s *pageScanner) example(dst **TemplateExample, depth int) bool {
	if s.null() {
		*dst = nil
		return true
	}
	if !s.enter(depth) || !s.charge(sizeExample) {
		return false
	}
	e := &TemplateExample{}
	var o pageObject
	for {
		key, more := s.key(&o, exampleKeys, depth)
		if !more {
			break
		}
		ok := true
		switch key {
		case "header_text":
			ok = s.leafStrings(&e.HeaderText, depth+1)
		case "header_text_named_params":
			ok = s.namedParams(&e.HeaderTextNamedParams, depth+1)
		case "header_handle":
			ok = s.leafStrings(&e.HeaderHandle, depth+1)
		case "body_text":
			ok = s.leafRows(&e.BodyText, depth+1)
		case "body_text_named_params":
			ok = s.namedParams(&e.BodyTextNamedParams, depth+1)
		}
		if !ok {
			return false
		}
	}
	*dst = e
	return !o.bad
}

func (s *pageScanner) namedParams(dst *[]NamedParamExample, depth int) bool {
	if s.null() {
		*dst = nil
		return true
	}
	var scratch [maxScratch]NamedParamExample
	list := scratch[:0]
	var a pageArray
	for s.elem(&a, depth) {
		if len(list) == cap(list) && !s.charge(nextCap(cap(list))*sizeNamedParam) {
			return false
		}
		list = append(list, NamedParamExample{})
		if !s.namedParam(&list[len(list)-1], depth+1) {
			return false
		}
	}
	if a.bad || !s.charge(len(list)*sizeNamedParam) {
		return false
	}
	*dst = exactCopy(list)
	return true
}

func (s *pageScanner) namedParam(p *NamedParamExample, depth int) bool {
	if !s.enter(depth) {
		return false
	}
	var o pageObject
	for {
		key, more := s.key(&o, namedParamKeys, depth)
		if !more {
			break
		}
		ok := true
		switch key {
		case "param_name":
			ok = s.string(&p.ParamName)
		case "example":
			ok = s.string(&p.Example)
		}
		if !ok {
			return false
		}
	}
	return !o.bad
}

func (s *pageScanner) buttons(dst *[]TemplateButton, depth int) bool {
	if s.null() {
		*dst = nil
		return true
	}
	var scratch [maxScratch]TemplateButton
	list := scratch[:0]
	var a pageArray
	for s.elem(&a, depth) {
		if len(list) == cap(list) && !s.charge(nextCap(cap(list))*sizeButton) {
			return false
		}
		list = append(list, TemplateButton{})
		if !s.button(&list[len(list)-1], depth+1) {
			return false
		}
	}
	if a.bad || !s.charge(len(list)*sizeButton) {
		return false
	}
	*dst = exactCopy(list)
	return true
}

// button reads a button object with TemplateButton.UnmarshalJSON's
// leniency: its "example" is one string or a list.
func (s *pageScanner) button(b *TemplateButton, depth int) bool {
	if !s.enter(depth) {
		return false
	}
	var o pageObject
	for {
		key, more := s.key(&o, buttonKeys, depth)
		if !more {
			break
		}
		ok := true
		switch key {
		case "type":
			ok = s.string(&b.Type)
		case "text":
			ok = s.string(&b.Text)
		case "url":
			ok = s.string(&b.URL)
		case "phone_number":
			ok = s.string(&b.PhoneNumber)
		case "example":
			ok = s.leafStrings(&b.Example, depth+1)
		case "otp_type":
			ok = s.string(&b.OTPType)
		}
		if !ok {
			return false
		}
	}
	return !o.bad
}

// leafStrings reads a lenientStrings leaf at the position: the common
// spellings in place, any other through lenientStrings.UnmarshalJSON, as
// encoding/json would hand it the value.
func (s *pageScanner) leafStrings(dst *[]string, depth int) bool {
	p := plainScan{callbackScanner{b: s.b, i: s.i}, s.budget, true}
	var v lenientStrings
	ok := p.strings(&v)
	s.budget = p.budget
	if ok {
		s.i, *dst = p.i, v
		return true
	}
	start := s.i
	if s.value(depth) != nil || !s.chargeFallback(s.b[start:s.i], costStrings) || v.UnmarshalJSON(s.b[start:s.i]) != nil {
		return false
	}
	*dst = v
	return true
}

// leafRows reads a lenientRows leaf at the position, as leafStrings does.
func (s *pageScanner) leafRows(dst *[][]string, depth int) bool {
	p := plainScan{callbackScanner{b: s.b, i: s.i}, s.budget, true}
	var v lenientRows
	ok := p.rows(&v)
	s.budget = p.budget
	if ok {
		s.i, *dst = p.i, v
		return true
	}
	start := s.i
	if s.value(depth) != nil || !s.chargeFallback(s.b[start:s.i], costRows) || v.UnmarshalJSON(s.b[start:s.i]) != nil {
		return false
	}
	*dst = v
	return true
}

// pageObject is the state of an object being walked by key.
type pageObject struct {
	started bool
	seen    uint32 // the known keys read, by index
	bad     bool   // the walk ended on something off the common shape
}

// enter consumes an object's '{' at nesting depth.
func (s *pageScanner) enter(depth int) bool {
	if depth > maxJSONDepth || s.next() != '{' {
		return false
	}
	s.i++
	return true
}

// key moves to the next member of the object being walked, skipping (and
// checking) the values of unknown keys, and returns the next known key,
// with the position at its value; more is false at the object's end, or
// with o.bad set on a syntax error, an escaped or repeated key, or a key
// matching one of keys only case-insensitively (encoding/json would read
// it into that field).
func (s *pageScanner) key(o *pageObject, keys []string, depth int) (key string, more bool) {
	for {
		s.space()
		if o.started {
			switch s.next() {
			case ',':
				s.i++
				s.space()
			case '}':
				s.i++
				return "", false
			default:
				o.bad = true
				return "", false
			}
		} else {
			o.started = true
			if s.next() == '}' {
				s.i++
				return "", false
			}
		}
		if s.next() != '"' {
			o.bad = true
			return "", false
		}
		start := s.i
		if escaped, err := s.str(); err != nil || escaped {
			o.bad = true
			return "", false
		}
		name := s.b[start+1 : s.i-1]
		s.space()
		if s.next() != ':' {
			o.bad = true
			return "", false
		}
		s.i++
		s.space()
		for k, known := range keys {
			if string(name) == known {
				if o.seen&(1<<k) != 0 {
					o.bad = true
					return "", false
				}
				o.seen |= 1 << k
				return known, true
			}
		}
		if foldsToAny(name, keys) {
			o.bad = true
			return "", false
		}
		if s.value(depth+1) != nil {
			o.bad = true
			return "", false
		}
	}
}

// foldsToAny reports whether name could match one of keys (lower-case
// ASCII) case-insensitively, as encoding/json matches a key to a field: an
// ASCII name equal to one but for case, or any name with a non-ASCII byte
// (some fold to ASCII letters, like the Kelvin sign to k), which the
// general path sorts out.
func foldsToAny(name []byte, keys []string) bool {
	for _, c := range name {
		if c >= utf8.RuneSelf {
			return true
		}
	}
	for _, known := range keys {
		if len(known) != len(name) {
			continue
		}
		i := 0
		for i < len(name) && lowerASCII(name[i]) == known[i] {
			i++
		}
		if i == len(name) {
			return true
		}
	}
	return false
}

// startsWith reports whether b begins with word, without copying b.
func startsWith(b []byte, word string) bool {
	return len(b) >= len(word) && string(b[:len(word)]) == word
}

// lowerASCII lower-cases an ASCII letter.
func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// null consumes a null literal if one is at the position.
func (s *pageScanner) null() bool {
	if startsWith(s.b[s.i:], "null") {
		s.i += 4
		return true
	}
	return false
}

// string reads a string, or a null that leaves dst as it is.
func (s *pageScanner) string(dst *string) bool {
	if s.null() {
		return true
	}
	p := plainScan{callbackScanner: callbackScanner{b: s.b, i: s.i}}
	v, ok := p.str()
	if ok {
		s.i, *dst = p.i, v
	}
	return ok
}

// bool reads true, false, or a null that leaves dst as it is.
func (s *pageScanner) bool(dst *bool) bool {
	switch {
	case s.null():
	case startsWith(s.b[s.i:], "true"):
		s.i += 4
		*dst = true
	case startsWith(s.b[s.i:], "false"):
		s.i += 5
		*dst = false
	default:
		return false
	}
	return true
}

// int reads an integer written without fraction or exponent, or a null
// that leaves dst as it is. Anything else (7.0, 1e3, out of range) is left
// to encoding/json.
func (s *pageScanner) int(dst *int) bool {
	if s.null() {
		return true
	}
	start := s.i
	if s.number() != nil {
		return false
	}
	n, err := strconv.Atoi(string(s.b[start:s.i]))
	if err != nil {
		return false
	}
	*dst = n
	return true
}

// The leaf fast path. Meta's examples are almost always strings in one of
// the shapes lenientStrings and lenientRows accept; plainStrings and
// plainRows read exactly those in one scan, without a json.Unmarshal per
// leaf, and report false for anything else (a null inside a list, a
// number, white space before the value, which encoding/json never passes,
// a syntax error), which the leaf then decodes with json.Unmarshal as
// before. Both give what that slower path gives (a fuzz test holds them
// together).

// plainStrings reads null, "s" or ["s", ...].
func plainStrings(b []byte) (lenientStrings, bool) {
	p := plainScan{callbackScanner: callbackScanner{b: b}}
	var out lenientStrings
	if !p.strings(&out) || !p.end() {
		return nil, false
	}
	return out, true
}

// plainRows reads null, "s", ["s", ...] or [["s", ...], ...].
func plainRows(b []byte) (lenientRows, bool) {
	p := plainScan{callbackScanner: callbackScanner{b: b}}
	var out lenientRows
	if !p.rows(&out) || !p.end() {
		return nil, false
	}
	return out, true
}

// strings reads null, "s" or ["s", ...] at the position into out.
func (p *plainScan) strings(out *lenientStrings) bool {
	switch p.callbackScanner.next() {
	case 'n':
		return p.literal("null")
	case '"':
		s, ok := p.str()
		if ok && p.charge(sizeString) {
			*out = lenientStrings{s}
			return true
		}
		return false
	case '[':
		list, ok := p.list()
		if ok {
			*out = list
		}
		return ok
	}
	return false
}

// rows reads null, "s", ["s", ...] or [["s", ...], ...] at the position
// into out.
func (p *plainScan) rows(out *lenientRows) bool {
	switch p.callbackScanner.next() {
	case 'n':
		return p.literal("null")
	case '"':
		s, ok := p.str()
		if ok && p.charge(sizeSlice+sizeString) {
			*out = lenientRows{{s}}
			return true
		}
		return false
	case '[':
		// A list of rows, or one row: the first value says which.
		save := p.i
		p.i++
		p.space()
		if p.callbackScanner.next() == '"' {
			p.i = save
			row, ok := p.list()
			if ok && p.charge(sizeSlice) {
				*out = lenientRows{row}
				return true
			}
			return false
		}
		rows := lenientRows{}
		if p.callbackScanner.next() == ']' {
			p.i++
			*out = rows
			return true
		}
		for {
			row, ok := p.list()
			if !ok {
				return false
			}
			if len(rows) == cap(rows) && !p.charge(nextCap(cap(rows))*sizeSlice) {
				return false
			}
			rows = append(rows, row)
			p.space()
			switch p.take() {
			case ',':
				p.space()
				continue
			case ']':
				*out = rows
				return true
			}
			return false
		}
	}
	return false
}

// plainScan walks JSON bytes for plainStrings and plainRows.
type plainScan struct {
	callbackScanner
	budget  int  // what is left of the page's budget (pageScanner.budget),
	counted bool // inside a page: false for a leaf decoded alone
}

// take consumes and returns the next byte, or 0 at the end.
func (p *plainScan) take() byte {
	c := p.callbackScanner.next()
	p.i++
	return c
}

// end reports whether only white space is left.
func (p *plainScan) end() bool {
	p.space()
	return p.i == len(p.b)
}

// literal consumes word.
func (p *plainScan) literal(word string) bool {
	if !startsWith(p.b[p.i:], word) {
		return false
	}
	p.i += len(word)
	return true
}

// str reads a string. One with no escape whose bytes are valid UTF-8 (the
// usual) is its bytes; the usual escapes (\u0026 and \/ in a URL, \n in a
// text) are unquoted here; anything else (a surrogate pair, invalid UTF-8)
// is decoded by json.Unmarshal, alone.
func (p *plainScan) str() (string, bool) {
	if p.take() != '"' {
		return "", false
	}
	start, plain, ascii := p.i, true, true
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			s := p.b[start:p.i]
			p.i++
			if ascii || utf8.Valid(s) {
				if plain {
					return internWord(s), true
				}
				if out, ok := unescape(s); ok {
					return out, true
				}
			}
			var out string
			return out, json.Unmarshal(p.b[start-1:p.i], &out) == nil
		case c == '\\':
			plain = false
			p.i++ // the escaped byte: \" does not end the string
		case c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
		p.i++
	}
	return "", false
}

// internWord returns the words Meta's templates repeat (component and button
// types, formats, statuses, categories, common languages) without
// allocating, and any other string as a copy of s.
func internWord(s []byte) string {
	switch string(s) {
	case "":
		return ""
	case ComponentHeader:
		return ComponentHeader
	case ComponentBody:
		return ComponentBody
	case ComponentFooter:
		return ComponentFooter
	case ComponentButtons:
		return ComponentButtons
	case ComponentCarousel:
		return ComponentCarousel
	case ComponentLimitedTimeOffer:
		return ComponentLimitedTimeOffer
	case FormatText:
		return FormatText
	case FormatImage:
		return FormatImage
	case FormatVideo:
		return FormatVideo
	case FormatDocument:
		return FormatDocument
	case FormatLocation:
		return FormatLocation
	case ButtonQuickReply:
		return ButtonQuickReply
	case ButtonURL:
		return ButtonURL
	case ButtonPhoneNumber:
		return ButtonPhoneNumber
	case ButtonCopyCode:
		return ButtonCopyCode
	case ButtonOTP:
		return ButtonOTP
	case ButtonFlow:
		return ButtonFlow
	case ButtonCatalog:
		return ButtonCatalog
	case StatusApproved:
		return StatusApproved
	case StatusPending:
		return StatusPending
	case StatusRejected:
		return StatusRejected
	case StatusPaused:
		return StatusPaused
	case StatusDisabled:
		return StatusDisabled
	case "MARKETING":
		return "MARKETING"
	case "UTILITY":
		return "UTILITY"
	case "AUTHENTICATION":
		return "AUTHENTICATION"
	case ParameterFormatPositional:
		return ParameterFormatPositional
	case ParameterFormatNamed:
		return ParameterFormatNamed
	case "NONE":
		return "NONE"
	case "en":
		return "en"
	case "en_US":
		return "en_US"
	case "en_GB":
		return "en_GB"
	case "fr":
		return "fr"
	case "es":
		return "es"
	case "pt_BR":
		return "pt_BR"
	case "de":
		return "de"
	}
	return string(s)
}

// unescape unquotes the inside of a JSON string (valid UTF-8) holding
// escapes, as encoding/json does, or reports false for an escape it leaves
// to encoding/json (a \u of a surrogate) or a malformed one.
func unescape(s []byte) (string, bool) {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i == len(s) {
			return "", false
		}
		switch s[i] {
		case '"', '\\', '/':
			out = append(out, s[i])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if i+4 >= len(s) {
				return "", false
			}
			r, err := strconv.ParseUint(string(s[i+1:i+5]), 16, 16)
			if err != nil || utf16.IsSurrogate(rune(r)) {
				return "", false
			}
			out = utf8.AppendRune(out, rune(r))
			i += 4
		default:
			return "", false
		}
	}
	return string(out), true
}

// list reads ["s", ...] (an empty list is a non-nil empty slice, as
// encoding/json makes it).
func (p *plainScan) list() ([]string, bool) {
	if p.take() != '[' {
		return nil, false
	}
	p.space()
	if p.callbackScanner.next() == ']' {
		p.i++
		return []string{}, true
	}
	var buf [8]string // a list of examples is short: one allocation, exact
	out := buf[:0]
	for {
		s, ok := p.str()
		if !ok {
			return nil, false
		}
		if len(out) == cap(out) && !p.charge(nextCap(cap(out))*sizeString) {
			return nil, false
		}
		out = append(out, s)
		p.space()
		switch p.take() {
		case ',':
			p.space()
		case ']':
			if !p.charge(len(out) * sizeString) {
				return nil, false
			}
			return slices.Clip(slices.Clone(out)), true
		default:
			return nil, false
		}
	}
}
