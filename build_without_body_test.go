package crispwa

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBuildTemplateWithoutBody: a template with no BODY component builds
// from its header values alone (no body value is asked for), and its
// message has no BODY component; body values for it are refused.
func TestBuildTemplateWithoutBody(t *testing.T) {
	tpl := &Template{Name: "n", Language: "en", Status: StatusApproved, Components: []TemplateComponent{
		{Type: "HEADER", Format: "TEXT", Text: "Hello {{1}}"},
		{Type: "FOOTER", Text: "Bye"},
	}}
	m, err := tpl.Build(TemplateValues{Header: []string{"Ann"}})
	require.NoError(t, err)
	require.NoError(t, tpl.Check(m))
	var types []string
	for _, c := range m.Components {
		types = append(types, c.Type)
	}
	assert.Equal(t, []string{ComponentHeader, ComponentFooter}, types)
	assert.Equal(t, "Hello Ann", m.Components[0].Text)

	_, err = tpl.Build(TemplateValues{Header: []string{"Ann"}, Body: []string{"x"}})
	assert.ErrorContains(t, err, "body: the template has no BODY component; got 1 body value")
}
