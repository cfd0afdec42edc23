package config

import (
	"slices"
	"strings"
	"testing"
)

func TestBearerAllowedClientIDs(t *testing.T) {
	if got := mustLoad(t, "", baseEnv()).Bearer.AllowedClientIDs; len(got) != 0 {
		t.Errorf("default bearer.allowed_client_ids = %q, want empty", got)
	}
	env := baseEnv()
	env["GATEHOUSE_BEARER_ALLOWED_CLIENT_IDS"] = "job cli"
	if got := mustLoad(t, "", env).Bearer.AllowedClientIDs; !slices.Equal(got, []string{"job", "cli"}) {
		t.Errorf("bearer.allowed_client_ids from the environment = %q", got)
	}
	_, err := load(t, "bearer:\n  allowed_client_ids: [ok, \"\", \"a b\"]\n", baseEnv())
	want := []string{
		`bearer.allowed_client_ids[1]: "" is not a client id (empty, or with spaces or control characters)`,
		`bearer.allowed_client_ids[2]: "a b" is not a client id (empty, or with spaces or control characters)`,
	}
	if got := errLines(err); !slices.Equal(got, want) {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
