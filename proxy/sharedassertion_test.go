package proxy

import (
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/session"
)

// TestKeptAssertionSeal: a kept assertion opens only with the session's key,
// for the same session id and the same record, except for its last-seen time.
func TestKeptAssertionSeal(t *testing.T) {
	now := time.Now()
	base := session.Session{ID: session.NewID(), Subject: "alice", Email: "alice@example.com", Groups: []string{"staff"},
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour), Sealed: []byte("tokens")}
	key := session.NewKey()
	fp, err := recordFingerprint("iss\x00aud", &base)
	if err != nil {
		t.Fatal(err)
	}
	until := now.Add(150 * time.Second).Truncate(time.Millisecond)
	sealed, err := sealAssertion(key, base.ID, fp, until, "header.payload.signature")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		key    []byte
		change func(s *session.Session)
		sealed func([]byte) []byte
		scope  string
		opens  bool
	}{
		{name: "other issuer or audience", scope: "iss\x00aud2"},
		{name: "same record", opens: true},
		{name: "only last seen later", change: func(s *session.Session) { s.LastSeenAt = s.LastSeenAt.Add(time.Minute) }, opens: true},
		{name: "groups changed", change: func(s *session.Session) { s.Groups = []string{"staff", "admins"} }},
		{name: "email changed", change: func(s *session.Session) { s.Email = "mallory@example.com" }},
		{name: "tokens refreshed", change: func(s *session.Session) { s.Sealed = []byte("tokens2") }},
		{name: "absolute end moved", change: func(s *session.Session) { s.ExpiresAt = s.ExpiresAt.Add(time.Second) }},
		{name: "extra claim", change: func(s *session.Session) { s.Extra = map[string]any{"dept": "x"} }},
		{name: "other session id", change: func(s *session.Session) { s.ID = session.NewID() }},
		{name: "other key", key: session.NewKey()},
		{name: "short key", key: key[:16]},
		{name: "damaged", sealed: func(b []byte) []byte { c := append([]byte(nil), b...); c[len(c)-1] ^= 1; return c }},
		{name: "truncated", sealed: func(b []byte) []byte { return b[:10] }},
		{name: "nothing kept", sealed: func([]byte) []byte { return nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := base
			s.Groups = append([]string(nil), base.Groups...)
			if tc.change != nil {
				tc.change(&s)
			}
			k, v := key, sealed
			if tc.key != nil {
				k = tc.key
			}
			if tc.sealed != nil {
				v = tc.sealed(sealed)
			}
			scope := "iss\x00aud"
			if tc.scope != "" {
				scope = tc.scope
			}
			fp, err := recordFingerprint(scope, &s)
			if err != nil {
				t.Fatal(err)
			}
			token, gotUntil, ok := openAssertion(k, s.ID, fp, v)
			if ok != tc.opens {
				t.Fatalf("opens = %v, want %v", ok, tc.opens)
			}
			if ok && (token != "header.payload.signature" || !gotUntil.Equal(until)) {
				t.Fatalf("opened %q until %v, want the token until %v", token, gotUntil, until)
			}
		})
	}
}
