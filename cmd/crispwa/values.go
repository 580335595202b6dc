package main

import (
	"fmt"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/crispwa/crispwa"
)

// headerKind returns the format of the template's header (TEXT, IMAGE,
// VIDEO, DOCUMENT or LOCATION; TEXT when a header gives none), or "" when
// it has no header.
func headerKind(t *crispwa.Template) string {
	for _, c := range t.Components {
		if strings.EqualFold(c.Type, "HEADER") {
			if c.Format == "" {
				return "TEXT"
			}
			return strings.ToUpper(c.Format)
		}
	}
	return ""
}

// isMediaKind reports a header that takes a media link.
func isMediaKind(kind string) bool {
	return kind == "IMAGE" || kind == "VIDEO" || kind == "DOCUMENT"
}

// mediaHeader returns the header parameter of a media header from its link
// (a document is named after the link's last path element).
func mediaHeader(kind, link string) (*crispwa.Parameter, error) {
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("the template's header is %s: the header value must be the %s's link (https://...), got %q",
			kind, strings.ToLower(kind), sanitize(link, maxServerText))
	}
	var p crispwa.Parameter
	switch kind {
	case "IMAGE":
		p = crispwa.ImageLink(u.String())
	case "VIDEO":
		p = crispwa.VideoLink(u.String())
	default:
		p = crispwa.DocumentLink(u.String(), path.Base(u.Path))
	}
	return &p, nil
}

// location is a LOCATION header's values, as given (flags or columns).
type location struct {
	latitude, longitude, name, address string
}

func (l location) given() bool {
	return l.latitude != "" || l.longitude != "" || l.name != "" || l.address != ""
}

// parameter returns the header parameter of the location.
func (l location) parameter() (*crispwa.Parameter, error) {
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(l.latitude), 64)
	lon, err2 := strconv.ParseFloat(strings.TrimSpace(l.longitude), 64)
	if err1 != nil || err2 != nil || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return nil, fmt.Errorf("the template's header is LOCATION: want a latitude in [-90, 90] and a longitude in [-180, 180], got %q and %q",
			sanitize(l.latitude, 40), sanitize(l.longitude, 40))
	}
	p := crispwa.LocationValue(lat, lon, l.name, l.address)
	return &p, nil
}

// headerValue fills v's header from what the operator gave: the TEXT
// header's values, or for a media header its one link, or for a LOCATION
// header its location. Build reports what is missing.
func headerValue(t *crispwa.Template, v *crispwa.TemplateValues, texts []string, loc location) error {
	kind := headerKind(t)
	if loc.given() && kind != "LOCATION" {
		return fmt.Errorf("template %q has no LOCATION header: drop the location values", serverText(t.Name))
	}
	switch {
	case isMediaKind(kind):
		if len(texts) > 1 {
			return fmt.Errorf("the template's header is %s: give one link, got %d header values", kind, len(texts))
		}
		if len(texts) == 1 {
			p, err := mediaHeader(kind, texts[0])
			if err != nil {
				return err
			}
			v.HeaderMedia = p
		}
	case kind == "LOCATION" && loc.given():
		p, err := loc.parameter()
		if err != nil {
			return err
		}
		v.HeaderMedia = p
		fallthrough
	case kind == "LOCATION":
		if len(texts) > 0 {
			return fmt.Errorf("the template's header is LOCATION: give --latitude and --longitude (or latitude and longitude columns), not a header value")
		}
	default:
		v.Header = texts
	}
	return nil
}
