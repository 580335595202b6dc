package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/crispwa/crispwa"
)

// templatesPageSize is the page size the templates command asks for.
const templatesPageSize = 50

func runTemplates(ctx context.Context, e *cmdEnv, args []string) int {
	fs := newFlagSet("templates", "[--all] [--approved] [--json]",
		"Lists the website's WhatsApp message templates as a table, or as JSON with --json.\n"+
			"Without --all only the first page (50 templates) is shown.")
	all := fs.Bool("all", false, "follow the paging cursor and list every template")
	approved := fs.Bool("approved", false, "only APPROVED templates")
	asJSON := fs.Bool("json", false, "print a JSON array instead of a table")
	if code, ok := parse(fs, e, args, false); !ok {
		return code
	}
	client, err := clientFromEnv(e.getenv, crispwa.WithObserver(e.observer))
	if err != nil {
		return failure(e, "templates", err)
	}
	opts := &crispwa.ListTemplatesOptions{Limit: templatesPageSize, ApprovedOnly: *approved}
	var list []*crispwa.Template
	more := false
	if *all {
		for t, err := range client.Templates.All(ctx, opts) {
			if err != nil {
				return failure(e, "templates", err)
			}
			list = append(list, t)
		}
	} else {
		page, err := client.Templates.List(ctx, opts)
		if err != nil {
			return failure(e, "templates", err)
		}
		list, more = page.Templates, page.Next != ""
	}
	if *asJSON {
		if list == nil {
			list = []*crispwa.Template{}
		}
		out, err := json.MarshalIndent(list, "", "  ")
		if err != nil {
			return failure(e, "templates", err)
		}
		fmt.Fprintf(e.stdout, "%s\n", escapeTerminalControls(out))
	} else {
		printTemplates(e.stdout, list)
	}
	if more {
		fmt.Fprintln(e.stderr, "More templates exist: run with --all to list them all.")
	}
	return exitOK
}

// printTemplates writes a table: name, language, status, category, header
// format, the values the body asks for, and the buttons.
func printTemplates(w io.Writer, list []*crispwa.Template) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tLANGUAGE\tSTATUS\tCATEGORY\tHEADER\tBODY PARAMS\tBUTTONS")
	for _, t := range list {
		header, buttons := "-", "-"
		var kinds []string
		for _, c := range t.Components {
			switch c.Type {
			case "HEADER":
				header = c.Format
			case "BUTTONS":
				for _, b := range c.Buttons {
					kinds = append(kinds, b.Type)
				}
			}
		}
		if len(kinds) > 0 {
			buttons = serverText(strings.Join(kinds, ","))
		}
		_, body := t.Placeholders()
		params := "-"
		if len(body) > 0 {
			params = serverText(strings.Join(body, ","))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			serverText(t.Name), serverText(t.Language), dash(t.Status), dash(t.Category), dash(header), params, buttons)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "%d template(s)\n", len(list))
}

// dash cleans s for a table cell, "-" when empty.
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return serverText(s)
}
