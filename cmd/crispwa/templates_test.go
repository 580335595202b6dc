package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
)

func TestTemplatesTable(t *testing.T) {
	_, env := fakeEnv(t)
	r := runWith(t, env, "templates")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Empty(t, r.stderr)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Len(t, lines, 6)
	assert.Regexp(t, `^NAME +LANGUAGE +STATUS +CATEGORY +HEADER +BODY PARAMS +BUTTONS$`, lines[0])
	assert.Regexp(t, `^order_update +en_US +APPROVED +UTILITY +TEXT +1,2 +URL$`, lines[1])
	assert.Regexp(t, `^appointment_reminder +en_US +APPROVED +UTILITY +- +name,date,place +-$`, lines[2])
	assert.Regexp(t, `^spring_sale +en_US +PENDING +MARKETING +- +- +-$`, lines[3])
	assert.Regexp(t, `^new_arrivals +en_US +APPROVED +MARKETING +IMAGE +1 +QUICK_REPLY$`, lines[4])
	assert.Equal(t, "4 template(s)", lines[5])
}

func TestTemplatesFlags(t *testing.T) {
	srv, env := fakeEnv(t)
	t.Run("--json", func(t *testing.T) {
		r := runWith(t, env, "templates", "--json")
		require.Equal(t, 0, r.code, r.stderr)
		var got []crispwa.Template
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
		require.Len(t, got, 4)
		assert.Equal(t, "order_update", got[0].Name)
		assert.Equal(t, "Hi {{1}}, your order {{2}} has shipped.", got[0].Components[1].Text)
	})
	t.Run("--approved --json", func(t *testing.T) {
		r := runWith(t, env, "templates", "--approved", "--json")
		require.Equal(t, 0, r.code, r.stderr)
		var got []crispwa.Template
		require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
		assert.Len(t, got, 3)
		for _, tm := range got {
			assert.Equal(t, "APPROVED", tm.Status)
		}
	})

	for i := range 60 {
		srv.AddTemplate(crispwa.Template{Name: fmt.Sprintf("bulk_%02d", i), Language: "fr_FR", Status: "APPROVED"})
	}
	t.Run("first page only, with a hint", func(t *testing.T) {
		r := runWith(t, env, "templates")
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, "50 template(s)")
		assert.Contains(t, r.stderr, "--all")
	})
	t.Run("--all", func(t *testing.T) {
		r := runWith(t, env, "templates", "--all")
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, "64 template(s)")
		assert.Empty(t, r.stderr)
	})
	t.Run("control characters cannot break the table", func(t *testing.T) {
		srv.AddTemplate(crispwa.Template{Name: "evil\n\x1b[2Jname", Language: "en_US"})
		r := runWith(t, env, "templates", "--all")
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, "evil??[2Jname")
		assert.NotContains(t, r.stdout, "\x1b")
		srv.AddTemplate(crispwa.Template{Name: "c1\u009b2J\x7f", Language: "en_US"})
		r = runWith(t, env, "templates", "--all", "--json")
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, `"c1\u009b2J\u007f"`, "C1 controls and DEL escaped in JSON")
		assert.NotContains(t, r.stdout, "\u009b")
		assert.NotContains(t, r.stdout, "\x1b")
	})
}

func TestTemplatesFailures(t *testing.T) {
	srv, env := fakeEnv(t)
	t.Run("forbidden", func(t *testing.T) {
		srv.FailNext(http.StatusForbidden, "plan_not_allowed")
		r := runWith(t, env, "templates")
		assert.Equal(t, 2, r.code)
		assert.Equal(t, "crispwa templates: credentials rejected: check CRISP_WHATSAPP_IDENTIFIER and CRISP_WHATSAPP_KEY (Crisp answered HTTP 403 plan_not_allowed)\n", r.stderr)
		assert.Empty(t, r.stdout)
	})
	t.Run("API failure", func(t *testing.T) {
		srv.FailNext(http.StatusBadRequest, "\x1b[2Joops\u009b")
		r := runWith(t, env, "templates")
		assert.Equal(t, 1, r.code)
		assert.Equal(t, "crispwa templates: GET "+strings.TrimPrefix(srv.URL, "http://"+hostOf(srv.URL))+
			"website/"+srv.WebsiteID+"/templates: HTTP 400 Bad Request: ?[2Joops?\n", r.stderr, "server text sanitized")
	})
	t.Run("website not found, with --all", func(t *testing.T) {
		srv.FailNext(http.StatusNotFound, "not_found")
		r := runWith(t, env, "templates", "--all")
		assert.Equal(t, 2, r.code)
		assert.Equal(t, "crispwa templates: website not found (HTTP 404 on its templates list): check CRISP_WEBSITE_ID\n", r.stderr)
	})
	t.Run("wrong key", func(t *testing.T) {
		bad := maps.Clone(env)
		bad[crispwa.EnvKey] = "wrong"
		r := runWith(t, bad, "templates")
		assert.Equal(t, 2, r.code)
		assert.Contains(t, r.stderr, "credentials rejected: check CRISP_WHATSAPP_IDENTIFIER and CRISP_WHATSAPP_KEY")
		assert.NotContains(t, r.stderr, "wrong")
	})
	t.Run("unexpected argument", func(t *testing.T) {
		r := runWith(t, env, "templates", "extra")
		assert.Equal(t, 2, r.code)
		assert.Contains(t, r.stderr, `unexpected argument "extra"`)
	})
}

func hostOf(u string) string {
	h := strings.TrimPrefix(u, "http://")
	return h[:strings.Index(h, "/")]
}
