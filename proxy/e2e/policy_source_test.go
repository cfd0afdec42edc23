package e2e

import (
	"net/http"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testidp"
)

const sourcePolicy = `
authorization:
  public_paths:
    - path: /api/hooks
      methods: [POST]
      source_ips: [127.0.0.2, "10.20.0.0/16"]
  rules:
    - path: /internal
      source_ips: [127.0.0.3]
      allowed_groups: [admins]
`

// TestPolicyWebhookBySourceAddress: the webhook is public for POSTs from
// 127.0.0.2 only. Clients are bound to 127.0.0.2 and 127.0.0.3 (a dialer
// with a local address). Behind a trusted proxy (127.0.0.4) the client
// address is read from its X-Forwarded-For; a client that is not a trusted
// proxy cannot name one.
func TestPolicyWebhookBySourceAddress(t *testing.T) {
	g := startGate(t, withConfigFile(sourcePolicy), withEnv("GATEHOUSE_TRUSTED_PROXIES=127.0.0.4"))
	hook := func(from string, lines ...string) int {
		t.Helper()
		before := g.Upstream.count()
		resp := policyCall(t, g, from, "POST", "/api/hooks/build", `{"ref":"main"}`,
			append([]string{"Accept: application/json", "Content-Type: application/json"}, lines...)...)
		if reached := g.Upstream.count() - before; (resp.StatusCode == http.StatusOK) != (reached == 1) {
			t.Errorf("from %s %v: status %d, but the upstream got %d requests", from, lines, resp.StatusCode, reached)
		}
		return resp.StatusCode
	}
	for _, tc := range []struct {
		name, from string
		lines      []string
		want       int
	}{
		{"listed client", "127.0.0.2", nil, http.StatusOK},
		{"other client", "127.0.0.3", nil, http.StatusUnauthorized},
		{"other client naming the listed one", "127.0.0.3", []string{"X-Forwarded-For: 127.0.0.2", "X-Real-IP: 127.0.0.2", "Forwarded: for=127.0.0.2"}, http.StatusUnauthorized},
		{"trusted proxy for the listed client", "127.0.0.4", []string{"X-Forwarded-For: 127.0.0.2"}, http.StatusOK},
		{"trusted proxy for a listed network", "127.0.0.4", []string{"X-Forwarded-For: 10.20.3.4"}, http.StatusOK},
		{"trusted proxy for another client", "127.0.0.4", []string{"X-Forwarded-For: 127.0.0.3"}, http.StatusUnauthorized},
		{"client-written hop left of the trusted proxy's", "127.0.0.4", []string{"X-Forwarded-For: 127.0.0.2, 192.0.2.9"}, http.StatusUnauthorized},
		{"trusted proxy without X-Forwarded-For", "127.0.0.4", nil, http.StatusUnauthorized},
	} {
		if got := hook(tc.from, tc.lines...); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}

// TestPolicyRuleBySourceAddress: a rule limited to a source address governs
// requests from there only; behind a trusted proxy, the forwarded client
// address decides.
func TestPolicyRuleBySourceAddress(t *testing.T) {
	g := startGate(t, withConfigFile(sourcePolicy), withEnv("GATEHOUSE_TRUSTED_PROXIES=127.0.0.4"),
		withIDP(testidp.WithUsers(policyUsers...)))
	staff := newBrowser(t)
	staff.login(g, "/", "staff", "staff-password")
	cookie := "Cookie: gatehouse=" + staff.sessionCookie(g)
	for _, tc := range []struct {
		name, from string
		lines      []string
		want       int
	}{
		{"from the governed address", "127.0.0.3", nil, http.StatusForbidden},
		{"from elsewhere", "127.0.0.2", nil, http.StatusOK},
		{"through the trusted proxy, for the governed address", "127.0.0.4", []string{"X-Forwarded-For: 127.0.0.3"}, http.StatusForbidden},
		{"through the trusted proxy, for elsewhere", "127.0.0.4", []string{"X-Forwarded-For: 127.0.0.2"}, http.StatusOK},
		{"from the governed address, naming another", "127.0.0.3", []string{"X-Forwarded-For: 127.0.0.2"}, http.StatusForbidden},
	} {
		resp := policyCall(t, g, tc.from, "GET", "/internal/x", "", append([]string{"Accept: application/json", cookie}, tc.lines...)...)
		if resp.StatusCode != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, resp.StatusCode, tc.want)
		}
	}
}
