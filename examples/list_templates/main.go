// Command list_templates prints the WhatsApp message templates of a Crisp
// website, one per line, walking every page.
//
// With CRISP_WEBSITE_ID, CRISP_WHATSAPP_IDENTIFIER and CRISP_WHATSAPP_KEY
// set it lists the real ones; without them it runs against an in-process
// fake API (package crispwatest) holding sample templates, so that
//
//	go run ./examples/list_templates
//
// works on a fresh machine with no network.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/examples/internal/offline"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "list_templates:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	// In your code: client, err := crispwa.NewClientFromEnv(). offline.Client
	// returns that, or without CRISP_WEBSITE_ID a fake's client.
	client, _, done, err := offline.Client("")
	if err != nil {
		return err
	}
	defer done()

	n := 0
	for t, err := range client.Templates.All(ctx, &crispwa.ListTemplatesOptions{Limit: 50}) {
		if err != nil {
			return err
		}
		n++
		var kinds []string
		for _, c := range t.Components {
			kinds = append(kinds, c.Type)
		}
		fmt.Printf("%-22s %-6s %-9s %-14s %s\n", t.Name, t.Language, t.Status, t.Category, strings.Join(kinds, "+"))
	}
	fmt.Printf("%d template(s)\n", n)
	return nil
}
