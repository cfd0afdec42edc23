package redistest

import (
	"strings"
	"testing"
)

func TestStartStopRestart(t *testing.T) {
	s := Start(t)
	if err := ping(s.Addr()); err != nil {
		t.Fatalf("ping after Start: %v", err)
	}
	s.Stop()
	if err := ping(s.Addr()); err == nil {
		t.Fatal("ping succeeded after Stop")
	}
	s.Stop() // stopping twice is harmless
	s.Start()
	if err := ping(s.Addr()); err != nil {
		t.Fatalf("ping after restart: %v", err)
	}
}

func TestParallelServers(t *testing.T) {
	a, b := Start(t), Start(t)
	if a.Addr() == b.Addr() {
		t.Fatalf("two servers share %s", a.Addr())
	}
	for _, s := range []*Server{a, b} {
		if err := ping(s.Addr()); err != nil {
			t.Fatalf("ping %s: %v", s.Addr(), err)
		}
	}
}

func TestTLSServer(t *testing.T) {
	s, files := StartTLS(t)
	if err := ping(s.Addr()); err == nil {
		t.Fatal("plain-text PING succeeded on a TLS-only server")
	}
	if got := s.Do("PING"); got != "PONG" {
		t.Fatalf("PING over TLS = %q", got)
	}
	if files.CAFile == "" || files.CertFile == "" || files.KeyFile == "" {
		t.Fatalf("files = %+v", files)
	}
}

func TestAddUser(t *testing.T) {
	s := Start(t)
	s.AddUser("app", "app-password", "~app:*", "+@all")
	if got := s.Do("ACL", "WHOAMI"); got != "default" {
		t.Fatalf("WHOAMI = %q", got)
	}
	if users := s.Do("ACL", "USERS"); !strings.Contains(users, "app") {
		t.Fatalf("ACL USERS = %s", users)
	}
}

// StartCluster and StartSentinelGroup are exercised by the session store and
// end-to-end tests, which need them anyway (each takes seconds).
