// Package testenv lets tests that need a real service (Redis) or a real
// browser (Chromium) find it, and decides what happens when it is missing:
// on a developer's machine the test skips with one line saying how to run
// it; under .ci/run (CRISPWA_REQUIRE_SERVICES=1) a missing service fails the
// test instead, so a green CI always means those tests ran.
package testenv

import (
	"os"
	"testing"
)

// RequireEnv is the variable .ci/run sets to turn a skip into a failure.
const RequireEnv = "CRISPWA_REQUIRE_SERVICES"

// Missing reports that what the test needs is absent: it skips the test
// with how, or fails it when RequireEnv is "1".
func Missing(t testing.TB, what, how string) {
	t.Helper()
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%s is required here (%s=1) but missing: %s", what, RequireEnv, how)
	}
	t.Skipf("needs %s: %s (or run .ci/run)", what, how)
}
