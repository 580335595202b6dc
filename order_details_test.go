package crispwa

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// odIndia is an order shaped like Meta's India payment-gateway example:
// 1 × 100.00 + 2 × 50.00 = 200.00, + 10.00 tax + 5.00 shipping - 5.00
// discount = 210.00.
func odIndia() *OrderDetails {
	importer := &ImporterAddress{AddressLine1: "One BKC", City: "Mumbai", ZoneCode: "MH", PostalCode: "400051", CountryCode: "IN"}
	return &OrderDetails{
		ReferenceID: "order.2026-12_0001",
		Type:        OrderPhysicalGoods,
		PaymentSettings: []PaymentSetting{{Type: "payment_gateway", PaymentGateway: &PaymentGateway{
			Type: "razorpay", ConfigurationName: "shop-config",
			Razorpay: map[string]any{"receipt": "receipt-0001", "notes": map[string]any{"promo": "NEWYEAR"}},
		}}},
		Currency:    "INR",
		TotalAmount: Money(21000),
		Order: &Order{
			Status:     "pending",
			Expiration: &OrderExpiration{Timestamp: "4102444800", Description: "Payment window closed"},
			Items: []OrderItem{
				{RetailerID: "saree-1", Name: "Cotton Saree", Amount: Money(10000), Quantity: 1,
					CountryOfOrigin: "India", ImporterName: "Shop Ltd", ImporterAddress: importer},
				{RetailerID: "scarf-2", Name: "Silk Scarf", Amount: Money(6000), SaleAmount: &Amount{Value: 5000, Offset: 100}, Quantity: 2,
					CountryOfOrigin: "India", ImporterName: "Shop Ltd", ImporterAddress: importer},
			},
			Subtotal: Money(20000),
			Tax:      Amount{Value: 1000, Offset: 100, Description: "GST"},
			Shipping: &Amount{Value: 500, Offset: 100, Description: "Standard"},
			Discount: &Amount{Value: 500, Offset: 100, Description: "Welcome", DiscountProgramName: "WELCOME5"},
		},
	}
}

// odBrazil is a simplified Pix order (no itemised order, as Meta allows
// for Brazil).
func odBrazil() *OrderDetails {
	return &OrderDetails{
		ReferenceID: "pix-order-123", Type: OrderDigitalGoods, PaymentType: "br", Currency: "BRL", TotalAmount: Money(12000),
		PaymentSettings: []PaymentSetting{{Type: "pix_dynamic_code", PixDynamicCode: &PixDynamicCode{
			Code: "00020101021226700014br.gov.bcb.pix2548pix.example.com", MerchantName: "Loja Exemplo", Key: "12345678000199", KeyType: "CNPJ"}}},
	}
}

func odTemplate() *Template {
	return &Template{Name: "order_pay", Language: "en", Status: StatusApproved, Category: "UTILITY", Components: []TemplateComponent{
		{Type: "BODY", Text: "Your order {{1}} is ready to pay."},
		{Type: "BUTTONS", Buttons: []TemplateButton{{Type: "ORDER_DETAILS", Text: "Review and Pay"}}},
	}}
}

func odMessage(od *OrderDetails) MessageTemplate {
	return MessageTemplate{Name: "order_pay", Language: "en", Components: []Component{Body(Text("A-1")), OrderDetailsButton(0, od)}}
}

func TestOrderDetailsCheck(t *testing.T) {
	tests := []struct {
		name string
		edit func(od *OrderDetails) *OrderDetails
		want string // "" = passes
	}{
		{"india ok", func(od *OrderDetails) *OrderDetails { return od }, ""},
		{"brazil pix ok", func(*OrderDetails) *OrderDetails { return odBrazil() }, ""},
		{"reference id of 35 passes", func(od *OrderDetails) *OrderDetails { od.ReferenceID = strings.Repeat("a", 35); return od }, ""},
		{"no order details", func(*OrderDetails) *OrderDetails { return nil }, "button[0].parameters[0].action.order_details: is missing: an ORDER_DETAILS button carries the order"},
		{"reference id of 36", func(od *OrderDetails) *OrderDetails { od.ReferenceID = strings.Repeat("a", 36); return od }, "action.order_details.reference_id: is 36 characters; at most 35"},
		{"reference id with a space", func(od *OrderDetails) *OrderDetails { od.ReferenceID = "order 1"; return od }, `reference_id: is "order 1"; only English letters`},
		{"reference id empty", func(od *OrderDetails) *OrderDetails { od.ReferenceID = ""; return od }, "reference_id: is empty"},
		{"type", func(od *OrderDetails) *OrderDetails { od.Type = "goods"; return od }, `order_details.type: is "goods"; want "digital-goods" or "physical-goods"`},
		{"currency", func(od *OrderDetails) *OrderDetails { od.Currency = "USD"; return od }, `order_details.currency: is "USD"; WhatsApp payments take "INR" (India) or "BRL" (Brazil)`},
		{"offset", func(od *OrderDetails) *OrderDetails { od.TotalAmount.Offset = 1000; return od }, "order_details.total_amount.offset: is 1000; WhatsApp payments amounts have offset 100"},
		{"total does not add up", func(od *OrderDetails) *OrderDetails { od.TotalAmount.Value = 20000; return od },
			"order_details.total_amount.value: is 20000 but subtotal + tax + shipping - discount is 21000"},
		{"subtotal does not add up", func(od *OrderDetails) *OrderDetails {
			od.Order.Subtotal.Value, od.TotalAmount.Value = 19000, 20000
			return od
		}, "order_details.order.subtotal.value: is 19000 but the items add up to 20000"},
		{"subtotal at list prices passes", func(od *OrderDetails) *OrderDetails {
			od.Order.Subtotal.Value, od.TotalAmount.Value = 22000, 23000
			return od
		}, ""},
		{"no way to pay", func(od *OrderDetails) *OrderDetails { od.PaymentSettings = nil; return od }, "order_details.payment_settings: is empty: say how the customer pays"},
		{"legacy payment configuration passes", func(od *OrderDetails) *OrderDetails {
			od.PaymentSettings, od.PaymentConfiguration = nil, "shop-config"
			return od
		}, ""},
		{"gateway without configuration", func(od *OrderDetails) *OrderDetails {
			od.PaymentSettings[0].PaymentGateway.ConfigurationName = ""
			return od
		}, "payment_settings[0].payment_gateway.configuration_name: is empty"},
		{"payment link not https", func(od *OrderDetails) *OrderDetails {
			od.PaymentSettings = []PaymentSetting{{Type: "payment_link", PaymentLink: &PaymentLink{URI: "http://pay.example/1"}}}
			return od
		}, "payment_settings[0].payment_link.uri: must be an https:// link"},
		{"pix key type", func(*OrderDetails) *OrderDetails {
			od := odBrazil()
			od.PaymentSettings[0].PixDynamicCode.KeyType = "IBAN"
			return od
		},
			`pix_dynamic_code.key_type: is "IBAN"; want CPF, CNPJ, EMAIL, PHONE or EVP`},
		{"unknown payment type", func(od *OrderDetails) *OrderDetails { od.PaymentSettings[0].Type = "cash"; return od }, `payment_settings[0].type: is "cash"`},
		{"india without order", func(od *OrderDetails) *OrderDetails { od.Order = nil; return od }, "order_details.order: is missing: an order in INR lists its items"},
		{"status", func(od *OrderDetails) *OrderDetails { od.Order.Status = "completed"; return od }, `order.status: is "completed"; an order details message creates the order: "pending"`},
		{"no items", func(od *OrderDetails) *OrderDetails { od.Order.Items = nil; return od }, "order.items: is empty"},
		{"zero quantity", func(od *OrderDetails) *OrderDetails { od.Order.Items[0].Quantity = 0; return od }, "order.items[0].quantity: is 0; want at least 1"},
		{"physical item without importer", func(od *OrderDetails) *OrderDetails { od.Order.Items[1].ImporterAddress = nil; return od },
			"order.items[1]: a physical-goods item outside a catalog needs country_of_origin, importer_name and importer_address"},
		{"physical item from a catalog needs no importer", func(od *OrderDetails) *OrderDetails {
			od.Order.CatalogID = "194836987003835"
			od.Order.Items[1].ImporterAddress = nil
			return od
		}, ""},
		{"expiration too soon", func(od *OrderDetails) *OrderDetails { od.Order.Expiration.Timestamp = "1700000000"; return od },
			"order.expiration.timestamp: is 2023-11-14T22:13:20Z; an order expires at least 5m0s after it is sent"},
		{"expiration not a number", func(od *OrderDetails) *OrderDetails { od.Order.Expiration.Timestamp = "tomorrow"; return od },
			`order.expiration.timestamp: is "tomorrow"; want seconds since the Unix epoch`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := odTemplate().Check(odMessage(tt.edit(odIndia())))
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidRequest)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	// An order on another kind of button is refused.
	flow := mtTemplate(TemplateComponent{Type: ComponentBody, Text: "Hi"}, mtButtons(TemplateButton{Type: ButtonFlow, Text: "Book"}))
	c := FlowButton(0, "tok", nil)
	c.Parameters[0].Action.OrderDetails = odIndia()
	assert.ErrorContains(t, flow.Check(mtMessage(c)), "button[0].parameters[0].action.order_details: does not belong to this button's action (it takes flow_token, flow_action_data)")
}

// TestOrderDetailsFromMetaJSON: an order_details button written by hand
// as Meta's documentation shows it decodes into the typed OrderDetails,
// passes Check and encodes back to the same JSON.
func TestOrderDetailsFromMetaJSON(t *testing.T) {
	const in = `{"type":"button","sub_type":"order_details","index":"0","parameters":[{"type":"action","action":{"order_details":{
		"reference_id":"pix-order-123","type":"digital-goods","payment_type":"br","currency":"BRL",
		"total_amount":{"value":12000,"offset":100},
		"payment_settings":[{"type":"pix_dynamic_code","pix_dynamic_code":{"code":"00020101021226700014br.gov.bcb.pix","merchant_name":"Loja","key":"12345678000199","key_type":"CNPJ"}}],
		"order":{"status":"pending","items":[{"retailer_id":"1","name":"Camiseta","amount":{"value":12000,"offset":100},"quantity":1}],
		"subtotal":{"value":12000,"offset":100},"tax":{"value":0,"offset":100}}}}}]}`
	var c Component
	require.NoError(t, json.Unmarshal([]byte(in), &c))
	od := c.Parameters[0].Action.OrderDetails
	require.NotNil(t, od)
	assert.Equal(t, int64(12000), od.TotalAmount.Value)
	assert.Equal(t, "Camiseta", od.Order.Items[0].Name)
	m := MessageTemplate{Name: "order_pay", Language: "en", Components: []Component{Body(Text("A-1")), c}}
	require.NoError(t, odTemplate().Check(m))
	out, err := json.Marshal(c)
	require.NoError(t, err)
	want := strings.Replace(in, `"index":"0"`, `"index":0`, 1)
	assert.JSONEq(t, want, string(out))
}
