package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
)

// The values of --output.
const (
	outputText = "text"
	outputJSON = "json"
)

// outputFlag adds --output to fs.
func outputFlag(fs *flag.FlagSet) *string {
	return fs.String("output", outputText, "`FORMAT` of the result on stdout: text, or json (one JSON object)")
}

// checkOutput returns a usage problem with --output's value, or "".
func checkOutput(v string) string {
	if v != outputText && v != outputJSON {
		return fmt.Sprintf("--output must be text or json, got %q", v)
	}
	return ""
}

// writeJSON writes v as one line of JSON, its strings free of terminal
// controls (they may carry the server's text).
func writeJSON(w io.Writer, v any) error {
	out, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", escapeTerminalControls(out))
	return err
}
