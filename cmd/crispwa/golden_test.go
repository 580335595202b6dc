package main

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestTemplatesGolden pins the exact output of "templates" and "templates
// --json" for the sample templates (their IDs are deterministic).
func TestTemplatesGolden(t *testing.T) {
	_, env := fakeEnv(t)
	for _, tt := range []struct {
		golden string
		args   []string
	}{
		{"templates.txt", []string{"templates"}},
		{"templates.json", []string{"templates", "--json"}},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			r := runWith(t, env, tt.args...)
			require.Equal(t, 0, r.code, r.stderr)
			path := filepath.Join("testdata", tt.golden)
			if *update {
				require.NoError(t, os.MkdirAll("testdata", 0o755))
				require.NoError(t, os.WriteFile(path, []byte(r.stdout), 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run with -update to create it")
			assert.Equal(t, string(want), r.stdout)
		})
	}
}
