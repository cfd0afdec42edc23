package e2e

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/gatehouse/gatehouse/internal/badidp"
)

// TestUserinfoOfAnotherSubjectIsIgnored: a userinfo response whose sub
// differs from the ID token's, or that has none, is not about this user
// (OpenID Connect Core 5.3.4). It is ignored: the login succeeds with the ID
// token's identity, and none of the response's claims reaches the upstream.
func TestUserinfoOfAnotherSubjectIsIgnored(t *testing.T) {
	for name, body := range map[string]map[string]any{
		"another subject": {"sub": "someone-else", "email": "boss@example.com", "groups": []string{"admin"}},
		"no subject":      {"email": "boss@example.com", "groups": []string{"admin"}},
		"numeric subject": {"sub": 42, "email": "boss@example.com", "groups": []string{"admin"}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			g := startBadGate(t)
			g.idp.Set(func(b *badidp.Behaviour) {
				b.Userinfo = func(w http.ResponseWriter, _ *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					_ = json.NewEncoder(w).Encode(body)
				}
			})
			b := newBrowser(t)
			resp := g.attemptLogin(b)
			if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/app" {
				t.Fatalf("callback: status %d, Location %q; want the login to succeed: %s",
					resp.StatusCode, resp.Header.Get("Location"), readAll(t, resp))
			}
			if n := g.idp.Count(badidp.UserinfoPath); n != 1 {
				t.Fatalf("userinfo called %d times, want 1", n)
			}
			if r := b.api(g.URL + "/app"); r.StatusCode != http.StatusOK {
				t.Fatalf("GET /app: status %d", r.StatusCode)
			}
			up := g.Upstream.last(t)
			if got := up.Header.Get("X-Forwarded-Email"); got != "mallory@example.com" {
				t.Errorf("X-Forwarded-Email = %q, want the ID token's mallory@example.com", got)
			}
			if got := up.Header.Get("X-Forwarded-Groups"); got != "" {
				t.Errorf("X-Forwarded-Groups = %q: taken from the ignored userinfo response", got)
			}
		})
	}
}

// TestUserinfoModes: oidc.userinfo never skips userinfo, always calls it even
// when the ID token has every claim, and auto calls it only when the ID token
// lacks a claim that the headers, the assertion or the policy read.
func TestUserinfoModes(t *testing.T) {
	complete := func(c map[string]any) {
		c["name"], c["preferred_username"], c["groups"] = "Mallory", "mallory", []string{"staff"}
	}
	cases := []struct {
		mode     string
		complete bool
		want     int
	}{
		{mode: "never", want: 0},
		{mode: "auto", want: 1},
		{mode: "auto", complete: true, want: 0},
		{mode: "always", complete: true, want: 1},
	}
	for _, tc := range cases {
		name := tc.mode
		if tc.complete {
			name += " with a complete ID token"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			g := startBadGate(t, withEnv("GATEHOUSE_OIDC_USERINFO="+tc.mode))
			if tc.complete {
				g.idp.Set(func(b *badidp.Behaviour) { b.Claims = complete })
			}
			b := newBrowser(t)
			if resp := g.attemptLogin(b); resp.StatusCode != http.StatusFound {
				t.Fatalf("callback: status %d: %s", resp.StatusCode, readAll(t, resp))
			}
			if n := g.idp.Count(badidp.UserinfoPath); n != tc.want {
				t.Errorf("userinfo called %d times, want %d", n, tc.want)
			}
		})
	}
}
