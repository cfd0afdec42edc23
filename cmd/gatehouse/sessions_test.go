package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/gatehouse/gatehouse/internal/redistest"
	"github.com/gatehouse/gatehouse/internal/session"
	redisstore "github.com/gatehouse/gatehouse/internal/session/redis"
)

// TestSessionsCommands runs `gatehouse sessions list|revoke` against a real
// Redis holding sessions written by the store, as a running gatehouse would.
func TestSessionsCommands(t *testing.T) {
	srv := redistest.Start(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "gatehouse.yaml")
	cfgText := `
public_url: https://app.example.com
upstream: {url: "http://127.0.0.1:8080"}
oidc: {issuer: "https://idp.example.com", client_id: gatehouse}
session: {store: redis, redis: {addresses: ["` + srv.Addr() + `"], key_prefix: "gh:"}}
`
	if err := os.WriteFile(cfgPath, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	memPath := filepath.Join(dir, "memory.yaml")
	if err := os.WriteFile(memPath, []byte(strings.Replace(cfgText, "store: redis", "store: memory", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"GATEHOUSE_OIDC_CLIENT_SECRET=s3cr3t-value", "GATEHOUSE_COOKIE_SECRETS=" + strings.Repeat("QUJD", 12)}

	st, err := redisstore.New(redisstore.Options{Addresses: []string{srv.Addr()}, KeyPrefix: "gh:"}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	ids := map[string][]string{}
	now := time.Now()
	for i, sub := range []string{"alice", "bob", "alice", "carol"} {
		s := &session.Session{ID: session.NewID(), Subject: sub, Email: sub + "@example.com",
			CreatedAt: now.Add(time.Duration(i) * time.Second), LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := st.Save(t.Context(), s, time.Hour); err != nil {
			t.Fatal(err)
		}
		ids[sub] = append(ids[sub], s.ID)
	}
	h := session.HashID

	for _, step := range []struct {
		name      string
		args      []string
		code      int
		want      []string // in stdout+stderr
		notWant   []string
		remaining int // sessions in the store afterwards
	}{
		{"list all", []string{"list", "--config", cfgPath}, 0,
			[]string{"SESSION", "alice@example.com", h(ids["bob"][0]), h(ids["carol"][0])}, []string{ids["alice"][0]}, 4},
		{"list one user", []string{"list", "--config", cfgPath, "--user", "alice"}, 0,
			[]string{h(ids["alice"][0]), h(ids["alice"][1])}, []string{"bob"}, 4},
		{"revoke needs a target", []string{"revoke", "--config", cfgPath}, 2, []string{"exactly one of"}, nil, 4},
		{"revoke takes one target", []string{"revoke", "--config", cfgPath, "--user", "bob", "--all"}, 2, []string{"exactly one of"}, nil, 4},
		{"revoke user", []string{"revoke", "--config", cfgPath, "--user", "alice"}, 0,
			[]string{"revoked " + h(ids["alice"][0]), "revoked " + h(ids["alice"][1]), "2 session(s) revoked"}, nil, 2},
		{"revoke unknown session", []string{"revoke", "--config", cfgPath, "--session", "nope"}, 1, []string{"no such session"}, nil, 2},
		{"revoke session", []string{"revoke", "--config", cfgPath, "--session", h(ids["bob"][0])}, 0,
			[]string{"1 session(s) revoked"}, nil, 1},
		{"revoke all", []string{"revoke", "--config", cfgPath, "--all"}, 0, []string{"revoked " + h(ids["carol"][0]), "1 session(s) revoked"}, nil, 0},
		{"list empty", []string{"list", "--config", cfgPath}, 0, []string{"SESSION"}, []string{"example.com"}, 0},
		{"memory store refused", []string{"list", "--config", memPath}, 1, []string{"session.store is memory"}, nil, 0},
		{"unknown subcommand", []string{"purge", "--config", cfgPath}, 2, []string{"want list or revoke"}, nil, 0},
		{"list has no --all", []string{"list", "--config", cfgPath, "--all"}, 2, []string{"-all"}, nil, 0},
	} {
		t.Run(step.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(append([]string{"sessions"}, step.args...), env, &stdout, &stderr)
			all := stdout.String() + stderr.String()
			if code != step.code {
				t.Fatalf("exit %d, want %d; output:\n%s", code, step.code, all)
			}
			for _, w := range step.want {
				if !strings.Contains(all, w) {
					t.Errorf("output lacks %q:\n%s", w, all)
				}
			}
			for _, w := range append(step.notWant, "s3cr3t-value") {
				if strings.Contains(all, w) {
					t.Errorf("output contains %q:\n%s", w, all)
				}
			}
			left, err := st.AllSessions(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if len(left) != step.remaining {
				t.Errorf("%d sessions left, want %d", len(left), step.remaining)
			}
		})
	}
}
