package authz

import (
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/session"
)

// TestPolicyDoesNotAllocate: every request asks Public, Allows and StepUp;
// with script prefixes and conditioned rules they still allocate nothing.
func TestPolicyDoesNotAllocate(t *testing.T) {
	p, err := New(config.Authorization{
		ScriptPrefixes: []string{"/index.php"},
		PublicPaths:    []config.PublicPath{{Path: "/feed", Methods: []string{"GET"}, SourceIPs: []string{"10.0.0.0/8"}}},
		Rules: []config.Rule{
			{Path: "/admin", Methods: []string{"POST"}, AllowedGroups: []string{"admins"}},
			{Path: "/admin", ACRValues: []string{"mfa"}, MaxAge: "15m"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	s := &session.Session{Subject: "u", Groups: []string{"admins"}, ACR: "mfa", AuthTime: time.Now()}
	req := call("PURGE", "/INDEX.PHP/admin/x", "10.1.2.3")
	now := time.Now()
	if n := testing.AllocsPerRun(100, func() {
		_ = p.Public(req)
		_ = p.Allows(req, s)
		_, _ = p.StepUp(req, s, now, time.Second)
	}); n != 0 {
		t.Errorf("%v allocations per request", n)
	}
}
