package crispwa

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// checkAction checks the action of a FLOW, CATALOG, MPM or ORDER_DETAILS
// button against what Meta documents for that kind of button:
// https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages#action-object
// (a missing action is reported by checkShape).
func (c *tmplChecker) checkAction(field, subType string, a *Action) {
	if a == nil {
		return
	}
	switch strings.ToLower(subType) {
	case SubTypeFlow:
		c.onlyActionFields(field, a, "flow_token", "flow_action_data")
	case SubTypeCatalog:
		c.onlyActionFields(field, a, "thumbnail_product_retailer_id")
	case SubTypeMPM:
		c.onlyActionFields(field, a, "thumbnail_product_retailer_id", "sections")
		c.checkMPM(field, a)
	case SubTypeOrderDetails:
		c.onlyActionFields(field, a, "order_details")
		c.checkOrderDetailsAction(field+".order_details", a.OrderDetails)
	}
}

// onlyActionFields reports the fields of a set that belong to another kind
// of button.
func (c *tmplChecker) onlyActionFields(field string, a *Action, allowed ...string) {
	set := map[string]bool{
		"flow_token":                    a.FlowToken != "",
		"flow_action_data":              a.FlowActionData != nil,
		"thumbnail_product_retailer_id": a.ThumbnailProductRetailerID != "",
		"sections":                      a.Sections != nil,
		"order_details":                 a.OrderDetails != nil,
	}
	for _, name := range []string{"flow_token", "flow_action_data", "thumbnail_product_retailer_id", "sections", "order_details"} {
		if !set[name] {
			continue
		}
		ok := false
		for _, a := range allowed {
			ok = ok || a == name
		}
		if !ok {
			c.add(field+"."+name, "does not belong to this button's action (it takes %s)", strings.Join(allowed, ", "))
		}
	}
}

// checkMPM checks a multi-product button: a thumbnail, 1 to 10 sections,
// 1 to 30 products across them, each section titled in at most 24
// characters (a title is required once there are several sections).
func (c *tmplChecker) checkMPM(field string, a *Action) {
	if a.ThumbnailProductRetailerID == "" {
		c.add(field+".thumbnail_product_retailer_id", "is empty: a multi-product button shows this product as the message's thumbnail")
	}
	switch n := len(a.Sections); {
	case n == 0:
		c.add(field+".sections", "is empty: a multi-product button shows 1 to %d sections of products", maxMPMSections)
	case n > maxMPMSections:
		c.add(field+".sections", "has %d sections; WhatsApp shows at most %d: merge some", n, maxMPMSections)
	}
	items := 0
	for i, sec := range a.Sections {
		sf := field + ".sections[" + strconv.Itoa(i) + "]"
		items += len(sec.ProductItems)
		if n := utf8.RuneCountInString(sec.Title); n > maxMPMSectionTitle {
			c.add(sf+".title", "is %d characters; a section title is at most %d", n, maxMPMSectionTitle)
		} else if n == 0 && len(a.Sections) > 1 {
			c.add(sf+".title", "is empty: with several sections each needs a title")
		}
		if len(sec.ProductItems) == 0 {
			c.add(sf+".product_items", "is empty: a section lists at least one product")
		}
		for j, it := range sec.ProductItems {
			if it.ProductRetailerID == "" {
				c.add(sf+".product_items["+strconv.Itoa(j)+"].product_retailer_id", "is empty")
			}
		}
	}
	if items > maxMPMItems {
		c.add(field+".sections", "list %d products in all; a multi-product message shows at most %d", items, maxMPMItems)
	}
}
