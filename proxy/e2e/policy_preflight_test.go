package e2e

import (
	"net/http"
	"testing"
)

// TestPolicyPublicPreflight: with authorization.public_preflight a CORS
// preflight (OPTIONS with Origin and Access-Control-Request-Method) reaches
// the upstream without a session, and never with an identity, not even a
// client's forged one or the session's the browser might send; an OPTIONS
// that is not a preflight, and any preflight with the key off, needs a
// login.
func TestPolicyPublicPreflight(t *testing.T) {
	preflight := []string{"Origin: https://spa.example", "Access-Control-Request-Method: PUT", "Access-Control-Request-Headers: content-type"}
	forged := []string{"X-Forwarded-User: admin", "X-Forwarded_Email: admin@example.gov", "X-Gatehouse-Assertion: forged"}
	for _, on := range []bool{true, false} {
		g := startGate(t, withConfigFile("authorization:\n  public_preflight: "+map[bool]string{true: "true", false: "false"}[on]+"\n"))
		b := newBrowser(t)
		b.loginAlice(g)
		want := http.StatusUnauthorized
		if on {
			want = http.StatusOK
		}
		for _, tc := range []struct {
			name  string
			lines []string
			want  int
		}{
			{"preflight", preflight, want},
			{"preflight with forged identity", append(append([]string{"Accept: application/json"}, preflight...), forged...), want},
			{"OPTIONS without Access-Control-Request-Method", []string{"Origin: https://spa.example", "Accept: application/json"}, http.StatusUnauthorized},
			{"OPTIONS without Origin", []string{"Access-Control-Request-Method: PUT", "Accept: application/json"}, http.StatusUnauthorized},
		} {
			before := g.Upstream.count()
			resp := policyCall(t, g, "", "OPTIONS", "/api/items/1", "", tc.lines...)
			if resp.StatusCode != tc.want {
				t.Errorf("public_preflight %v, %s: %d, want %d", on, tc.name, resp.StatusCode, tc.want)
				continue
			}
			if tc.want != http.StatusOK {
				if g.Upstream.count() != before {
					t.Errorf("public_preflight %v, %s: reached the upstream", on, tc.name)
				}
				continue
			}
			got := g.Upstream.last(t).Header
			for _, name := range []string{"X-Forwarded-User", "X-Forwarded-Email", "X-Forwarded-Groups", "X-Gatehouse-Assertion", "X-Forwarded_Email"} {
				if v := headerValues(got, name); len(v) != 0 {
					t.Errorf("public_preflight %v, %s: the upstream got %s %q", on, tc.name, name, v)
				}
			}
		}
		// With a session the preflight goes upstream either way; with the
		// key on it carries no identity (a preflight has no credentials).
		resp := policyCall(t, g, "", "OPTIONS", "/api/items/1", "", append([]string{"Cookie: gatehouse=" + b.sessionCookie(g)}, preflight...)...)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("public_preflight %v, preflight with a session: %d", on, resp.StatusCode)
		} else if user := g.Upstream.last(t).Header.Get("X-Forwarded-User"); on == (user != "") {
			t.Errorf("public_preflight %v, preflight with a session: X-Forwarded-User %q", on, user)
		}
		// A preflight is not a way around the policy for the real request.
		if resp := policyCall(t, g, "", "PUT", "/api/items/1", "", append([]string{"Accept: application/json"}, preflight[:1]...)...); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("public_preflight %v: PUT without a session = %d, want 401", on, resp.StatusCode)
		}
	}
}
