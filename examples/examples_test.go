// Package examples_test builds the example programs and runs each offline
// (no CRISP_* variables), where they use an in-process fake API.
package examples_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExamplesRunOffline(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the example programs")
	}
	tests := []struct {
		dir        string
		wantStdout string
	}{
		{"list_templates", "4 template(s)"},
		{"send_template", "accepted, request_id: "},
		{"await_delivery", "sent: whatsapp_message_id=wamid."},
		{"callback_server", "both callbacks received"},
		{"delivery_store", "the callback came first: sent"},
		{"observability", "crispwa_callback_deliveries_total{"},
	}
	bin := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute) // the build, on a loaded machine
	defer cancel()
	// One build for all: cheaper than a "go run" each.
	var pkgs []string
	for _, tt := range tests {
		pkgs = append(pkgs, "./"+tt.dir)
	}
	build := exec.CommandContext(ctx, "go", append([]string{"build", "-o", bin + string(filepath.Separator)}, pkgs...)...)
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)

	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CRISP_") {
			env = append(env, kv)
		}
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			exe := filepath.Join(bin, tt.dir)
			if runtime.GOOS == "windows" {
				exe += ".exe"
			}
			runCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(runCtx, exe)
			cmd.Env = env
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run() // runCtx ends a hung example
			require.NoError(t, err, "stderr: %s", stderr.String())
			assert.Contains(t, stdout.String(), tt.wantStdout)
			assert.Contains(t, stderr.String(), "in-process fake API", "says it runs offline")
		})
	}
}
