package docscheck

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// pendingDocs are docs other branches create; until they are merged a
// link to one is reported, not failed. Once a file exists, the test fails
// until it is removed from this list.
var pendingDocs []string

// root is the repository's root, two levels up.
func root(t *testing.T) string {
	t.Helper()
	r, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// docs returns README.md and docs/*.md, relative to the root.
func docs(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root(t), "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	out := []string{"README.md"}
	for _, f := range files {
		out = append(out, filepath.ToSlash(strings.TrimPrefix(f, root(t)+string(filepath.Separator))))
	}
	return out
}

// block is one fenced code block.
type block struct {
	file string
	line int // of the opening fence
	lang string
	text string
}

// blocks returns the fenced code blocks of a Markdown file, and its lines
// outside them.
func blocks(t *testing.T, name string) (bs []block, prose []string) {
	t.Helper()
	f, err := os.Open(filepath.Join(root(t), name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var cur *block
	var text strings.Builder
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && strings.HasPrefix(trimmed, "```"):
			cur = &block{file: name, line: n, lang: strings.TrimSpace(strings.TrimPrefix(trimmed, "```"))}
			text.Reset()
			prose = append(prose, "")
		case cur != nil && trimmed == "```":
			cur.text = text.String()
			bs = append(bs, *cur)
			cur = nil
			prose = append(prose, "")
		case cur != nil:
			text.WriteString(line + "\n")
			prose = append(prose, "")
		default:
			prose = append(prose, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur != nil {
		t.Errorf("%s:%d: a code block is never closed", name, cur.line)
	}
	return bs, prose
}

var packageRE = regexp.MustCompile(`(?m)^package (\w+)`)

// Every ```go block of the docs compiles against this repository: each is
// written as a file of its own package in one temporary module that
// replaces github.com/crispwa/crispwa with this checkout, and one go vet
// type-checks them all.
func TestGoBlocksCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles every Go block of the docs")
	}
	r := root(t)
	dir := t.TempDir()
	where := map[string]block{} // package dir → its block
	for _, name := range docs(t) {
		bs, _ := blocks(t, name)
		for _, b := range bs {
			if b.lang != "go" {
				continue
			}
			m := packageRE.FindStringSubmatch(b.text)
			if m == nil {
				t.Errorf("%s:%d: a go block must be a complete file, starting with its package clause", b.file, b.line)
				continue
			}
			pkg := fmt.Sprintf("b%03d", len(where)+1)
			file := "block.go"
			if strings.HasSuffix(m[1], "_test") {
				file = "block_test.go"
			}
			if err := os.MkdirAll(filepath.Join(dir, pkg), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, pkg, file), []byte(b.text), 0o644); err != nil {
				t.Fatal(err)
			}
			where[pkg] = b
		}
	}
	if len(where) == 0 {
		t.Fatal("no go block found")
	}
	gomod, err := os.ReadFile(filepath.Join(r, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	// The checkout's own requirements, so that every block builds with the
	// versions the SDK is tested with.
	_, requires, _ := strings.Cut(string(gomod), "\nrequire")
	mod := "module docblocks\n\ngo 1.26\n\nrequire github.com/crispwa/crispwa v0.0.0\n\nreplace github.com/crispwa/crispwa => " + r + "\n\nrequire" + requires
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(mod), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(r, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "vet", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err == nil {
		return
	}
	// Name each failing block by its file and line.
	msg := string(out)
	for pkg, b := range where {
		msg = strings.ReplaceAll(msg, pkg+"/block.go", fmt.Sprintf("%s (block at line %d)", b.file, b.line))
		msg = strings.ReplaceAll(msg, pkg+"/block_test.go", fmt.Sprintf("%s (block at line %d)", b.file, b.line))
	}
	t.Fatalf("a go block of the docs does not compile:\n%s", msg)
}

var (
	linkRE    = regexp.MustCompile(`\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
	codeRE    = regexp.MustCompile("`[^`]*`")
	headingRE = regexp.MustCompile(`^#{1,6}\s+(.*?)\s*#*\s*$`)
)

// anchors returns the #anchors of a Markdown file's headings, as GitHub
// makes them.
func anchors(t *testing.T, name string) map[string]bool {
	t.Helper()
	_, prose := blocks(t, name)
	out := map[string]bool{}
	seen := map[string]int{}
	for _, line := range prose {
		m := headingRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		a := slug(m[1])
		if n := seen[a]; n > 0 {
			out[fmt.Sprintf("%s-%d", a, n)] = true
		} else {
			out[a] = true
		}
		seen[a]++
	}
	return out
}

// slug is GitHub's anchor of a heading: lower case, punctuation dropped
// (but - and _), spaces turned into hyphens.
func slug(heading string) string {
	heading = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`).ReplaceAllString(heading, "$1") // a link's text
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127 && !strings.ContainsRune("–—’‘“”…·×", r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Every relative link and #anchor in README.md and docs/*.md resolves.
func TestLinksResolve(t *testing.T) {
	r := root(t)
	var pendingLinked []string
	for _, name := range docs(t) {
		_, prose := blocks(t, name)
		for i, line := range prose {
			line = codeRE.ReplaceAllString(line, "")
			for _, m := range linkRE.FindAllStringSubmatch(line, -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				path, anchor, _ := strings.Cut(target, "#")
				file := name
				if path != "" {
					file = filepath.ToSlash(filepath.Clean(filepath.Join(filepath.Dir(name), path)))
					if _, err := os.Stat(filepath.Join(r, file)); err != nil {
						if slices.Contains(pendingDocs, file) {
							pendingLinked = append(pendingLinked, fmt.Sprintf("%s:%d → %s", name, i+1, target))
							continue
						}
						t.Errorf("%s:%d: link %q: %s does not exist", name, i+1, target, file)
						continue
					}
				}
				if anchor != "" && strings.HasSuffix(file, ".md") && !anchors(t, file)[anchor] {
					t.Errorf("%s:%d: link %q: %s has no heading #%s", name, i+1, target, file, anchor)
				}
			}
		}
	}
	for _, p := range pendingDocs {
		if _, err := os.Stat(filepath.Join(r, p)); err == nil {
			t.Errorf("%s exists now: remove it from pendingDocs in internal/docscheck/docs_test.go", p)
		}
	}
	if len(pendingLinked) > 0 {
		t.Logf("links to docs another branch creates, checked once merged:\n%s", strings.Join(pendingLinked, "\n"))
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"Retries: what is retried, and why":  "retries-what-is-retried-and-why",
		"Testing your code with crispwatest": "testing-your-code-with-crispwatest",
		"JSON API":                           "json-api",
		"`crispwa fake` flags":               "crispwa-fake-flags",
		"Run it against [the fake](x.md)":    "run-it-against-the-fake",
	} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
}
