package sessionadmin_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/gatehouse/gatehouse/internal/redistest"
	"github.com/gatehouse/gatehouse/internal/session"
	"github.com/gatehouse/gatehouse/internal/session/memory"
	redisstore "github.com/gatehouse/gatehouse/internal/session/redis"
	"github.com/gatehouse/gatehouse/internal/sessionadmin"
)

func stores(t *testing.T, fn func(t *testing.T, st session.Backend)) {
	t.Run("memory", func(t *testing.T) {
		st := memory.New()
		t.Cleanup(func() { _ = st.Close() })
		fn(t, st)
	})
	t.Run("redis", func(t *testing.T) {
		srv := redistest.Start(t)
		st, err := redisstore.New(redisstore.Options{Addresses: []string{srv.Addr()}, KeyPrefix: "gatehouse:"}, zaptest.NewLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		fn(t, st)
	})
}

// seed saves sessions for alice (2) and bob (1), created a minute apart.
func seed(t *testing.T, st session.Backend) map[string][]*session.Session {
	t.Helper()
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	out := map[string][]*session.Session{}
	for i, sub := range []string{"alice", "bob", "alice"} {
		s := &session.Session{
			ID: session.NewID(), Subject: sub, Email: sub + "@example.com",
			CreatedAt: base.Add(time.Duration(i) * time.Minute), LastSeenAt: base.Add(30 * time.Minute),
			ExpiresAt: base.Add(24 * time.Hour),
		}
		if err := st.Save(t.Context(), s, time.Hour); err != nil {
			t.Fatal(err)
		}
		out[sub] = append(out[sub], s)
	}
	return out
}

func TestList(t *testing.T) {
	stores(t, func(t *testing.T, st session.Backend) {
		seeded := seed(t, st)
		all, err := sessionadmin.List(t.Context(), st, "", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 3 || all[0].Subject != "alice" || all[1].Subject != "bob" {
			t.Fatalf("List all = %+v, want 3 rows, oldest first", all)
		}
		alice, err := sessionadmin.List(t.Context(), st, "alice", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if len(alice) != 2 || alice[0].Session != session.HashID(seeded["alice"][0].ID) {
			t.Fatalf("List alice = %+v", alice)
		}
		// Idle timeout one hour after last seen comes before the absolute end.
		if want := seeded["alice"][0].LastSeenAt.Add(time.Hour); !alice[0].Expires.Equal(want) {
			t.Errorf("Expires = %v, want %v", alice[0].Expires, want)
		}
		var out bytes.Buffer
		if err := sessionadmin.WriteTable(&out, all); err != nil {
			t.Fatal(err)
		}
		text := out.String()
		for _, s := range append(seeded["alice"], seeded["bob"]...) {
			if strings.Contains(text, s.ID) {
				t.Error("the table shows a raw session id")
			}
			if !strings.Contains(text, session.HashID(s.ID)) {
				t.Errorf("the table lacks session %s", session.HashID(s.ID))
			}
		}
		if !strings.HasPrefix(text, "SESSION") || strings.Count(text, "\n") != 4 {
			t.Errorf("table:\n%s", text)
		}
	})
}

func TestRevoke(t *testing.T) {
	for _, tc := range []struct {
		name      string
		target    func(map[string][]*session.Session) sessionadmin.Target
		revoked   int
		remaining []string // subjects left, sorted by creation
		err       error
	}{
		{"user", func(map[string][]*session.Session) sessionadmin.Target { return sessionadmin.Target{Subject: "alice"} }, 2, []string{"bob"}, nil},
		{"unknown user", func(map[string][]*session.Session) sessionadmin.Target { return sessionadmin.Target{Subject: "carol"} }, 0, []string{"alice", "bob", "alice"}, nil},
		{"session", func(s map[string][]*session.Session) sessionadmin.Target {
			return sessionadmin.Target{Session: session.HashID(s["alice"][1].ID)}
		}, 1, []string{"alice", "bob"}, nil},
		{"raw id is not accepted", func(s map[string][]*session.Session) sessionadmin.Target {
			return sessionadmin.Target{Session: s["bob"][0].ID}
		}, 0, []string{"alice", "bob", "alice"}, sessionadmin.ErrNoSuchSession},
		{"all", func(map[string][]*session.Session) sessionadmin.Target { return sessionadmin.Target{All: true} }, 3, nil, nil},
		{"nothing", func(map[string][]*session.Session) sessionadmin.Target { return sessionadmin.Target{} }, 0, []string{"alice", "bob", "alice"}, sessionadmin.ErrTarget},
		{"two", func(map[string][]*session.Session) sessionadmin.Target {
			return sessionadmin.Target{Subject: "bob", All: true}
		}, 0, []string{"alice", "bob", "alice"}, sessionadmin.ErrTarget},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stores(t, func(t *testing.T, st session.Backend) {
				seeded := seed(t, st)
				revoked, err := sessionadmin.Revoke(t.Context(), st, tc.target(seeded))
				if !errors.Is(err, tc.err) {
					t.Fatalf("Revoke error = %v, want %v", err, tc.err)
				}
				if len(revoked) != tc.revoked {
					t.Fatalf("revoked %q, want %d sessions", revoked, tc.revoked)
				}
				rows, err := sessionadmin.List(t.Context(), st, "", time.Hour)
				if err != nil {
					t.Fatal(err)
				}
				var left []string
				for _, r := range rows {
					left = append(left, r.Subject)
				}
				if strings.Join(left, ",") != strings.Join(tc.remaining, ",") {
					t.Fatalf("sessions left: %q, want %q", left, tc.remaining)
				}
			})
		})
	}
}
