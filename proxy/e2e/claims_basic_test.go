package e2e

import (
	"encoding/base64"
	"net/http"
	"testing"
)

// TestBasicAuthWithBearerTokens: with upstream.basic_auth on, a
// bearer-authenticated request reaches the upstream with gatehouse's Basic
// credentials instead of its token, unless bearer.pass_authorization_header
// keeps the token (then no Basic credentials: one Authorization per
// request); a token whose user claim is empty or holds ":" is refused.
func TestBasicAuthWithBearerTokens(t *testing.T) {
	const password = "bearer-basic-password"
	basic := func(user string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
	}
	env := []string{
		"GATEHOUSE_BEARER_ENABLED=true", "GATEHOUSE_BEARER_AUDIENCES=api",
		"GATEHOUSE_UPSTREAM_BASIC_AUTH_ENABLED=true", "GATEHOUSE_UPSTREAM_BASIC_AUTH_PASSWORD=" + password,
		"GATEHOUSE_UPSTREAM_BASIC_AUTH_USER_CLAIM=preferred_username",
	}

	t.Run("the token is replaced by Basic credentials", func(t *testing.T) {
		g := startGate(t, withEnv(env...))
		m := newTokenMinter(t, g)
		if resp := rawGet(t, g, "/app", "Authorization", "Bearer "+m.valid("svc", nil)); resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if got := headerValues(g.Upstream.last(t).Header, "Authorization"); len(got) != 1 || got[0] != basic("svc") {
			t.Errorf("the upstream got Authorization %d value(s), gatehouse's Basic: %v", len(got), len(got) == 1 && got[0] == basic("svc"))
		}
		for _, user := range []string{"svc:admin", ""} {
			tok := m.valid("svc", func(c map[string]any) { c["preferred_username"] = user })
			before := g.Upstream.count()
			if resp := rawGet(t, g, "/app", "Authorization", "Bearer "+tok, "Accept", "application/json"); resp.StatusCode != http.StatusForbidden {
				t.Errorf("user %q: status %d, want 403", user, resp.StatusCode)
			}
			if g.Upstream.count() != before {
				t.Errorf("user %q reached the upstream", user)
			}
		}
	})

	t.Run("pass_authorization_header keeps the token", func(t *testing.T) {
		g := startGate(t, withEnv(append(env, "GATEHOUSE_BEARER_PASS_AUTHORIZATION_HEADER=true")...))
		tok := newTokenMinter(t, g).valid("svc", nil)
		if resp := rawGet(t, g, "/app", "Authorization", "Bearer "+tok); resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
		if got := headerValues(g.Upstream.last(t).Header, "Authorization"); len(got) != 1 || got[0] != "Bearer "+tok {
			t.Errorf("the upstream got %d Authorization value(s), the client's token: %v", len(got), len(got) == 1 && got[0] == "Bearer "+tok)
		}
		// A cookie session still gets Basic credentials, never the client's.
		b := newBrowser(t)
		b.loginAlice(g)
		if resp := rawGet(t, g, "/app", "Cookie", "gatehouse="+b.sessionCookie(g), "Authorization", "Basic Zm9yZ2VkOng="); resp.StatusCode != http.StatusOK {
			t.Fatalf("session: status %d", resp.StatusCode)
		}
		got := headerValues(g.Upstream.last(t).Header, "Authorization")
		if len(got) != 1 || got[0] == "Basic Zm9yZ2VkOng=" {
			t.Errorf("session request: the upstream got %d Authorization value(s), the client's: %v", len(got), len(got) == 1 && got[0] == "Basic Zm9yZ2VkOng=")
		}
	})
}
