package main

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
)

// sendArgs is a valid send of the sample "order_update" template.
var sendArgs = []string{"send", "--to", "+33612345678", "--from", "+33100000000",
	"--template", "order_update", "--language", "en_US",
	"--param", "Alice", "--param", "#1042", "--button", "0=1042"}

func args(extra ...string) []string { return append(append([]string(nil), sendArgs...), extra...) }

func TestSendChecked(t *testing.T) {
	srv, env := fakeEnv(t)
	r := runWith(t, env, args("--type", "text", "--new-session", "--auto-resolve")...)
	require.Equal(t, 0, r.code, r.stderr)
	require.Len(t, srv.RequestIDs(), 1)
	assert.Equal(t, "request_id: "+srv.RequestIDs()[0]+"\n", r.stdout)
	assert.Empty(t, r.stderr)

	got := srv.Sends()[0]
	assert.Equal(t, "+33612345678", got.To)
	assert.Equal(t, "+33100000000", got.From)
	assert.Equal(t, &crispwa.CrispOptions{Type: "text", NewSession: true, AutoResolve: true}, got.Options)
	require.GreaterOrEqual(t, len(got.Template.Components), 2) // then the text-only HEADER and FOOTER Build adds
	assert.Equal(t, "BODY", got.Template.Components[0].Type)
	assert.Equal(t, "Alice", got.Template.Components[0].Parameters[0].Text)
	assert.Equal(t, "#1042", got.Template.Components[0].Parameters[1].Text)
	assert.Equal(t, "url", got.Template.Components[1].SubType)
	assert.Equal(t, "1042", got.Template.Components[1].Parameters[0].Text)
}

func TestSendNamed(t *testing.T) {
	srv, env := fakeEnv(t)
	base := []string{"send", "--to", "+33612345678", "--from", "+33100000000",
		"--template", "appointment_reminder", "--language", "en_US"}
	r := runWith(t, env, append(base, "--param", "name=Alice", "--param", "date=May 4", "--param", "place=12 High Street")...)
	require.Equal(t, 0, r.code, r.stderr)
	require.Equal(t, 1, srv.SendCount())
	ps := srv.Sends()[0].Template.Components[0].Parameters
	require.Len(t, ps, 3)
	assert.Equal(t, "name", ps[0].ParameterName)
	assert.Equal(t, "Alice", ps[0].Text)

	r = runWith(t, env, append(base, "--param", "Alice")...)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, `template "appointment_reminder" is NAMED: give its values as name=value, got "Alice"`)
	assert.Equal(t, 1, srv.SendCount(), "nothing sent")
}

func TestSendRefusedBeforeSending(t *testing.T) {
	srv, env := fakeEnv(t)
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"missing value", []string{"send", "--to", "+33612345678", "--from", "+33100000000",
			"--template", "order_update", "--language", "en_US", "--param", "Alice", "--button", "0=1"},
			"body: the template's body has 2 placeholders ({{1}}, {{2}}); got 1 value"},
		{"pending template", []string{"send", "--to", "+33612345678", "--from", "+33100000000",
			"--template", "spring_sale", "--language", "en_US"}, "PENDING"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runWith(t, env, tt.args...)
			assert.Equal(t, 1, r.code)
			assert.Contains(t, r.stderr, tt.wantErr)
			assert.Empty(t, r.stdout)
		})
	}
	assert.Equal(t, 0, srv.SendCount())
}

func TestSendNoCheck(t *testing.T) {
	srv, env := fakeEnv(t)
	r := runWith(t, env, "send", "--no-check", "--to", "+33612345678", "--from", "+33100000000",
		"--template", "spring_sale", "--language", "en_US", "--param", "x")
	require.Equal(t, 0, r.code, r.stderr)
	require.Equal(t, 1, srv.SendCount(), "no check: Crisp accepts it (the callback will say it failed)")
	got := srv.Sends()[0]
	assert.Nil(t, got.Options, "no Crisp option flag: no crisp_options")
	assert.Equal(t, []crispwa.Component{{Type: "BODY", Parameters: []crispwa.Parameter{{Type: "text", Text: "x"}}}}, got.Template.Components)
}

func TestSendAPIFailures(t *testing.T) {
	srv, env := fakeEnv(t)
	t.Run("ambiguous failure", func(t *testing.T) {
		srv.FailNext(http.StatusBadGateway, "bad_gateway")
		r := runWith(t, env, "send", "--no-check", "--to", "+33612345678", "--from", "+33100000000",
			"--template", "order_update", "--language", "en_US")
		assert.Equal(t, 3, r.code, "outcome unknown")
		assert.Contains(t, r.stderr, "HTTP 502 Bad Gateway: bad_gateway")
		assert.Contains(t, r.stderr, "check the conversation in Crisp before sending again")
		assert.Empty(t, r.stdout)
	})
	t.Run("dropped connection after acceptance", func(t *testing.T) {
		srv.DropNextSends(1, true)
		r := runWith(t, env, args()...)
		assert.Equal(t, 3, r.code)
		assert.Contains(t, r.stderr, "send outcome unknown")
	})
	t.Run("refused", func(t *testing.T) {
		srv.FailNext(http.StatusBadRequest, "invalid_data")
		r := runWith(t, env, "send", "--no-check", "--to", "+33612345678", "--from", "+33100000000",
			"--template", "order_update", "--language", "en_US")
		assert.Equal(t, 1, r.code)
		assert.Contains(t, r.stderr, "HTTP 400 Bad Request: invalid_data")
		assert.NotContains(t, r.stderr, "check the conversation")
	})
	t.Run("template lookup fails", func(t *testing.T) {
		srv.FailNext(http.StatusUnauthorized, "unauthorized")
		r := runWith(t, env, args()...)
		assert.Equal(t, 2, r.code, "configuration")
		assert.Equal(t, "crispwa send: credentials rejected: check CRISP_WHATSAPP_IDENTIFIER and CRISP_WHATSAPP_KEY (Crisp answered HTTP 401 unauthorized)\n", r.stderr)
	})
	t.Run("invalid phone number", func(t *testing.T) {
		r := runWith(t, env, "send", "--no-check", "--to", "call me", "--from", "+33100000000",
			"--template", "order_update", "--language", "en_US")
		assert.Equal(t, 1, r.code)
		assert.Contains(t, r.stderr, `crispwa send: --to "call me" is not a phone number`)
		assert.NotContains(t, r.stderr, "to_number", "the command's words")
	})
}

func TestSendUsage(t *testing.T) {
	_, env := fakeEnv(t)
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"no flags", []string{"send"}, "--to, --from, --template and --language are required"},
		{"no from", []string{"send", "--to", "+33612345678"}, "--from, --template and --language are required"},
		{"no template", []string{"send", "--to", "1", "--from", "2"}, "--template and --language are required"},
		{"no language", []string{"send", "--to", "1", "--from", "2", "--template", "x"}, "--language is required"},
		{"bad type", args("--type", "sms"), `--type must be note or text, got "sms"`},
		{"wait without listen", args("--wait"), "--wait needs --listen ADDR"},
		{"listen without wait", args("--listen", ":0"), "only used with --wait"},
		{"bad button", args("--button", "first=1"), "want INDEX=VALUE"},
		{"negative button", args("--button", "-1=x"), "want INDEX=VALUE"},
		{"button with no-check", args("--no-check"), "--header, --button and the location flags need the template check"},
		{"bad timeout", args("--timeout", "soon"), `invalid value "soon" for flag -timeout`},
		{"zero timeout", args("--timeout", "0s"), "--timeout must be positive"},
		{"positional argument", args("Alice"), `unexpected argument "Alice"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runWith(t, env, tt.args...)
			assert.Equal(t, 2, r.code)
			assert.Contains(t, r.stderr, tt.wantErr)
			assert.Contains(t, r.stderr, "crispwa send --help")
			assert.Empty(t, r.stdout)
		})
	}
}

func TestSendDryRunPrintsTheMessage(t *testing.T) {
	srv, env := fakeEnv(t)
	r := runWith(t, env, args("--dry-run")...)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "dry run: nothing sent. To +33612345678, from +33100000000, template \"order_update\" (en_US):\n\n")
	assert.Contains(t, r.stdout, "Hi Alice, your order #1042 has shipped.")
	assert.Zero(t, srv.SendCount())
	r = runWith(t, env, args("--dry-run", "--no-check")...)
	assert.Equal(t, 2, r.code)
	r = runWith(t, env, "send", "--to", "+33612345678", "--from", "+33100000000", "--template", "order_update",
		"--language", "en_US", "--param", "Alice", "--dry-run")
	assert.Equal(t, 1, r.code, "the same checks as a send")
	assert.Zero(t, srv.SendCount())
}
