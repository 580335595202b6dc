package crispwa

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Order details (the payments templates' ORDER_DETAILS button), as Meta's
// Payments API documents them for India (INR: payment gateways, payment
// links, UPI) and Brazil (BRL: Pix, payment links, Boleto):
// https://developers.facebook.com/docs/whatsapp/cloud-api/payments-api/payments-in/pg
// https://developers.facebook.com/documentation/business-messaging/whatsapp/payments/payments-br/orders
// Every amount is an integer Value scaled by Offset, which is 100 for both
// currencies: {Value: 21000, Offset: 100} is 210.00.

// OrderDetails is the order an ORDER_DETAILS button opens: what the
// customer reviews and pays. Send it with OrderDetailsButton; Check
// verifies what Meta requires (see checkOrderDetails).
type OrderDetails struct {
	// ReferenceID identifies the order, unique per order: at most 35
	// English letters, digits, "_", "-" or ".".
	ReferenceID string `json:"reference_id"`
	// Type is OrderDigitalGoods or OrderPhysicalGoods.
	Type string `json:"type"`
	// PaymentType is "upi" for India's UPI intent, "br" for Brazil; empty
	// for a payment gateway configuration.
	PaymentType string `json:"payment_type,omitempty"`
	// PaymentConfiguration is the name of the payment configuration set up
	// in WhatsApp Manager (India, older integrations; PaymentSettings
	// replaces it).
	PaymentConfiguration string `json:"payment_configuration,omitempty"`
	// PaymentSettings say how the customer pays.
	PaymentSettings []PaymentSetting `json:"payment_settings,omitempty"`
	// Currency is "INR" (India) or "BRL" (Brazil).
	Currency string `json:"currency"`
	// TotalAmount is what the customer pays: the order's subtotal + tax +
	// shipping - discount.
	TotalAmount Amount `json:"total_amount"`
	// Order is the itemised order (required in India, optional in Brazil).
	Order *Order `json:"order,omitempty"`
	// ShippingInfo is where physical goods go, when the business knows.
	ShippingInfo *ShippingInfo `json:"shipping_info,omitempty"`
}

// ShippingInfo is the delivery address(es) of an order, as Meta's India
// checkout example gives them.
type ShippingInfo struct {
	Country   string            `json:"country"`
	Addresses []ShippingAddress `json:"addresses"`
}

// ShippingAddress is one delivery address (India's fields).
type ShippingAddress struct {
	Name         string `json:"name,omitempty"`
	PhoneNumber  string `json:"phone_number,omitempty"`
	InPinCode    string `json:"in_pin_code,omitempty"`
	FloorNumber  string `json:"floor_number,omitempty"`
	BuildingName string `json:"building_name,omitempty"`
	Address      string `json:"address,omitempty"`
	LandmarkArea string `json:"landmark_area,omitempty"`
	City         string `json:"city,omitempty"`
	State        string `json:"state,omitempty"`
	HouseNumber  string `json:"house_number,omitempty"`
	TowerNumber  string `json:"tower_number,omitempty"`
}

// Order types (OrderDetails.Type).
const (
	OrderDigitalGoods  = "digital-goods"
	OrderPhysicalGoods = "physical-goods"
)

// Amount is a money amount: Value scaled by Offset (100: Value is in
// paise or centavos). Description (tax, shipping, discount) and
// DiscountProgramName (discount) are shown with it.
type Amount struct {
	Value               int64  `json:"value"`
	Offset              int    `json:"offset"`
	Description         string `json:"description,omitempty"`
	DiscountProgramName string `json:"discount_program_name,omitempty"`
}

// Money returns amount (in units of 1/100, e.g. paise) as an Amount with
// Meta's offset of 100.
func Money(amount int64) Amount { return Amount{Value: amount, Offset: 100} }

// Order is the itemised part of an order: its status, items and totals.
type Order struct {
	// Status is "pending": an order details message creates the order.
	Status string `json:"status"`
	// CatalogID is the catalog the items come from, when they do.
	CatalogID  string           `json:"catalog_id,omitempty"`
	Expiration *OrderExpiration `json:"expiration,omitempty"`
	Items      []OrderItem      `json:"items"`
	// Subtotal is the sum of the items' amounts times their quantities.
	Subtotal Amount  `json:"subtotal"`
	Tax      Amount  `json:"tax"`
	Shipping *Amount `json:"shipping,omitempty"`
	Discount *Amount `json:"discount,omitempty"`
}

// OrderExpiration is when the order can no longer be paid: Timestamp in
// seconds since the Unix epoch, as a string (at least 300 seconds ahead).
type OrderExpiration struct {
	Timestamp   string `json:"timestamp"`
	Description string `json:"description,omitempty"`
}

// OrderItem is one line of an order. A physical-goods item outside a
// catalog also names its country of origin and importer.
type OrderItem struct {
	// RetailerID is the item's ID in the order's catalog (required with
	// Order.CatalogID).
	RetailerID      string           `json:"retailer_id,omitempty"`
	Name            string           `json:"name"`
	Amount          Amount           `json:"amount"`
	SaleAmount      *Amount          `json:"sale_amount,omitempty"`
	Quantity        int              `json:"quantity"`
	CountryOfOrigin string           `json:"country_of_origin,omitempty"`
	ImporterName    string           `json:"importer_name,omitempty"`
	ImporterAddress *ImporterAddress `json:"importer_address,omitempty"`
}

// ImporterAddress is the address of an item's importer.
type ImporterAddress struct {
	AddressLine1 string `json:"address_line1"`
	AddressLine2 string `json:"address_line2,omitempty"`
	City         string `json:"city"`
	ZoneCode     string `json:"zone_code"`
	PostalCode   string `json:"postal_code"`
	CountryCode  string `json:"country_code"`
}

// PaymentSetting is one way to pay: Type names it and the field of that
// name is set.
type PaymentSetting struct {
	// Type is payment_gateway, payment_link (India, Brazil), pix_dynamic_code
	// or boleto (Brazil).
	Type           string          `json:"type"`
	PaymentGateway *PaymentGateway `json:"payment_gateway,omitempty"`
	PaymentLink    *PaymentLink    `json:"payment_link,omitempty"`
	PixDynamicCode *PixDynamicCode `json:"pix_dynamic_code,omitempty"`
	Boleto         *Boleto         `json:"boleto,omitempty"`
}

// PaymentGateway names a payment configuration of WhatsApp Manager; the
// gateway's own options (e.g. razorpay's receipt and notes) go in Options
// under the gateway's name.
type PaymentGateway struct {
	Type              string         `json:"type"` // razorpay, payu, billdesk, zaakpay
	ConfigurationName string         `json:"configuration_name"`
	Razorpay          map[string]any `json:"razorpay,omitempty"`
	PayU              map[string]any `json:"payu,omitempty"`
}

// PaymentLink is a payment page of the business's gateway.
type PaymentLink struct {
	URI string `json:"uri"`
}

// PixDynamicCode is a Brazilian Pix payment: the "copia e cola" code and
// the receiving key.
type PixDynamicCode struct {
	Code         string `json:"code"`
	MerchantName string `json:"merchant_name"`
	Key          string `json:"key"`
	KeyType      string `json:"key_type"` // CPF, CNPJ, EMAIL, PHONE or EVP
}

// Boleto is a Brazilian bank slip, by its digitable line.
type Boleto struct {
	DigitableLine string `json:"digitable_line"`
}

// OrderDetailsButton returns the BUTTON component of a payments template's
// ORDER_DETAILS button at index, carrying the order.
func OrderDetailsButton(index int, od *OrderDetails) Component {
	return buttonComponent(SubTypeOrderDetails, index, Parameter{Type: ParamAction, Action: &Action{OrderDetails: od}})
}

const (
	maxOrderReferenceID = 35
	orderAmountOffset   = 100
	minOrderExpiry      = 300 * time.Second
)

// orderReferenceID is compiled on first use, not when a program that
// imports the SDK starts.
var orderReferenceID = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_.-]+$`) })

// checkOrderDetailsAction checks an order against Meta's rules: a
// reference_id, a type, INR or BRL, amounts with offset 100, at least one
// way to pay, and (when itemised) a pending order whose items add up to
// the subtotal and whose subtotal + tax + shipping - discount is the
// total.
func (c *tmplChecker) checkOrderDetailsAction(field string, od *OrderDetails) {
	if od == nil {
		c.add(field, "is missing: an ORDER_DETAILS button carries the order (use OrderDetailsButton)")
		return
	}
	switch n := utf8.RuneCountInString(od.ReferenceID); {
	case n == 0:
		c.add(field+".reference_id", "is empty: give the order's unique reference")
	case n > maxOrderReferenceID:
		c.add(field+".reference_id", "is %d characters; at most %d", n, maxOrderReferenceID)
	case !orderReferenceID().MatchString(od.ReferenceID):
		c.add(field+".reference_id", "is %q; only English letters, digits, \"_\", \"-\" and \".\" are allowed", truncate(od.ReferenceID))
	}
	if od.Type != OrderDigitalGoods && od.Type != OrderPhysicalGoods {
		c.add(field+".type", "is %q; want %q or %q", od.Type, OrderDigitalGoods, OrderPhysicalGoods)
	}
	if od.Currency != "INR" && od.Currency != "BRL" {
		c.add(field+".currency", "is %q; WhatsApp payments take \"INR\" (India) or \"BRL\" (Brazil)", od.Currency)
	}
	c.checkAmount(field+".total_amount", &od.TotalAmount)
	if od.TotalAmount.Value <= 0 {
		c.add(field+".total_amount.value", "is %d; the total to pay must be positive", od.TotalAmount.Value)
	}
	if len(od.PaymentSettings) == 0 && od.PaymentConfiguration == "" {
		c.add(field+".payment_settings", "is empty: say how the customer pays (a payment_gateway configuration, a payment_link, pix_dynamic_code or boleto)")
	}
	for i, ps := range od.PaymentSettings {
		c.checkPaymentSetting(field+".payment_settings["+strconv.Itoa(i)+"]", ps)
	}
	switch {
	case od.Order != nil:
		c.checkOrder(field+".order", od)
	case od.Currency == "INR":
		c.add(field+".order", "is missing: an order in INR lists its items, subtotal and tax")
	}
}

// checkPaymentSetting checks one way to pay.
func (c *tmplChecker) checkPaymentSetting(field string, ps PaymentSetting) {
	switch ps.Type {
	case "payment_gateway":
		switch g := ps.PaymentGateway; {
		case g == nil:
			c.add(field+".payment_gateway", "is missing")
		case g.ConfigurationName == "":
			c.add(field+".payment_gateway.configuration_name", "is empty: name the payment configuration set up in WhatsApp Manager")
		}
	case "payment_link":
		if l := ps.PaymentLink; l == nil || !strings.HasPrefix(l.URI, "https://") {
			c.add(field+".payment_link.uri", "must be an https:// link to the payment page")
		}
	case "pix_dynamic_code":
		p := ps.PixDynamicCode
		if p == nil {
			c.add(field+".pix_dynamic_code", "is missing")
			return
		}
		for _, f := range []struct{ name, v string }{{"code", p.Code}, {"merchant_name", p.MerchantName}, {"key", p.Key}} {
			if f.v == "" {
				c.add(field+".pix_dynamic_code."+f.name, "is empty")
			}
		}
		switch p.KeyType {
		case "CPF", "CNPJ", "EMAIL", "PHONE", "EVP":
		default:
			c.add(field+".pix_dynamic_code.key_type", "is %q; want CPF, CNPJ, EMAIL, PHONE or EVP", p.KeyType)
		}
	case "boleto":
		if b := ps.Boleto; b == nil || b.DigitableLine == "" {
			c.add(field+".boleto.digitable_line", "is empty")
		}
	default:
		c.add(field+".type", "is %q; want payment_gateway, payment_link, pix_dynamic_code or boleto", ps.Type)
	}
}

// checkOrder checks the itemised order and its arithmetic.
func (c *tmplChecker) checkOrder(field string, od *OrderDetails) {
	o := od.Order
	if o.Status != "pending" {
		c.add(field+".status", "is %q; an order details message creates the order: \"pending\"", o.Status)
	}
	if len(o.Items) == 0 {
		c.add(field+".items", "is empty: list what the customer pays for")
	}
	var list, sale int64
	for i, it := range o.Items {
		f := field + ".items[" + strconv.Itoa(i) + "]"
		if it.RetailerID == "" && o.CatalogID != "" {
			c.add(f+".retailer_id", "is empty: an item of the order's catalog names its retailer ID")
		}
		if it.Name == "" {
			c.add(f+".name", "is empty")
		}
		if it.Quantity <= 0 {
			c.add(f+".quantity", "is %d; want at least 1", it.Quantity)
		}
		c.checkAmount(f+".amount", &it.Amount)
		price := it.Amount.Value
		if it.SaleAmount != nil {
			c.checkAmount(f+".sale_amount", it.SaleAmount)
			price = it.SaleAmount.Value
		}
		list += it.Amount.Value * int64(it.Quantity)
		sale += price * int64(it.Quantity)
		if od.Type == OrderPhysicalGoods && o.CatalogID == "" && (it.CountryOfOrigin == "" || it.ImporterName == "" || it.ImporterAddress == nil) {
			c.add(f, "a physical-goods item outside a catalog needs country_of_origin, importer_name and importer_address")
		}
	}
	c.checkAmount(field+".subtotal", &o.Subtotal)
	c.checkAmount(field+".tax", &o.Tax)
	total := o.Subtotal.Value + o.Tax.Value
	if o.Shipping != nil {
		c.checkAmount(field+".shipping", o.Shipping)
		total += o.Shipping.Value
	}
	if o.Discount != nil {
		c.checkAmount(field+".discount", o.Discount)
		total -= o.Discount.Value
	}
	if len(o.Items) > 0 && o.Subtotal.Value != list && o.Subtotal.Value != sale {
		c.add(field+".subtotal.value", "is %d but the items add up to %d (amount × quantity): WhatsApp refuses an order that does not add up", o.Subtotal.Value, sale)
	}
	if od.TotalAmount.Value != total {
		c.add(strings.TrimSuffix(field, ".order")+".total_amount.value", "is %d but subtotal + tax + shipping - discount is %d: WhatsApp refuses an order that does not add up", od.TotalAmount.Value, total)
	}
	if e := o.Expiration; e != nil {
		sec, err := strconv.ParseInt(e.Timestamp, 10, 64)
		switch {
		case err != nil:
			c.add(field+".expiration.timestamp", "is %q; want seconds since the Unix epoch, as a string", truncate(e.Timestamp))
		case time.Unix(sec, 0).Before(time.Now().Add(minOrderExpiry)):
			c.add(field+".expiration.timestamp", "is %s; an order expires at least %v after it is sent", time.Unix(sec, 0).UTC().Format(time.RFC3339), minOrderExpiry)
		}
	}
}

// checkAmount checks an amount's offset and sign.
func (c *tmplChecker) checkAmount(field string, a *Amount) {
	if a.Offset != orderAmountOffset {
		c.add(field+".offset", "is %d; WhatsApp payments amounts have offset %d (value in paise or centavos)", a.Offset, orderAmountOffset)
	}
	if a.Value < 0 {
		c.add(field+".value", "is %d; amounts are not negative", a.Value)
	}
}
