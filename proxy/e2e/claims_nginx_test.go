package e2e

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/hydratest"
	"github.com/gatehouse/gatehouse/internal/testutil"
)

// TestClaimsNginxForwardAuthWithHydra: the /admin decision on a role from
// the nested realm_access.roles claim (identity.groups_claims), made through
// a real nginx configured from examples/nginx, with Ory Hydra as provider.
func TestClaimsNginxForwardAuthWithHydra(t *testing.T) {
	nginxBinary(t)
	h := hydratest.Start(t)
	app := newRecorder(t, nil)
	gateLn := testutil.Listen(t)
	port := testutil.FreePort(t)
	public := "http://127.0.0.1:" + strconv.Itoa(port)
	const clientID, secret = "gatehouse-nginx-claims", "hydra-nginx-claims-secret"
	h.CreateClient(t, hydratest.Client{ID: clientID, Secret: secret, RedirectURIs: []string{public + "/oauth2/callback"}})
	startNginx(t, port, gateLn.Addr().String(), strings.TrimPrefix(app.URL, "http://"))
	g := startGate(t, withFront(gateLn, public), withProvider(h.Issuer, clientID, secret),
		withConfigFile(`
identity:
  groups_claims: [groups, realm_access.roles]
authorization:
  rules:
    - path: /admin
      allowed_groups: [admin]
`), withEnv("GATEHOUSE_TRUSTED_PROXIES=127.0.0.1", forwardAuthOn))

	login := func(subject string) *browser {
		t.Helper()
		b := newBrowser(t)
		resp := b.navigate(public + "/app")
		start := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusFound || start != public+"/oauth2/start?rd="+url.QueryEscape("/app") {
			t.Fatalf("nginx: status %d, Location %q; want 302 to gatehouse's start", resp.StatusCode, start)
		}
		resp = b.navigate(start)
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), h.Issuer) {
			t.Fatalf("start: status %d, want 302 to Hydra", resp.StatusCode)
		}
		callback := h.LoginWithClaims(t, b.Client, resp.Header.Get("Location"), subject, hydraUsers[subject])
		if !strings.HasPrefix(callback, public+"/oauth2/callback?") {
			t.Fatalf("Hydra sent the browser to %q, not to the callback", callback)
		}
		if resp = b.navigate(callback); resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/app" {
			t.Fatalf("callback through nginx: status %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		return b
	}
	alice, bob := login("alice"), login("bob")

	if resp := alice.api(public + "/admin/users"); resp.StatusCode != http.StatusOK {
		t.Fatalf("alice (realm role admin) on /admin through nginx: status %d", resp.StatusCode)
	}
	got := app.last(t).Header
	if v := headerValues(got, "X-Forwarded-Groups"); len(v) != 1 || v[0] != "staff,admin,user" {
		t.Errorf("X-Forwarded-Groups at the app = %q, want [staff,admin,user]", v)
	}
	if v := headerValues(got, "X-Forwarded-User"); len(v) != 1 || v[0] != "alice" {
		t.Errorf("X-Forwarded-User at the app = %q", v)
	}

	before := app.count()
	if resp := bob.api(public + "/admin/users"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("bob (realm role user) on /admin through nginx: status %d, want 403", resp.StatusCode)
	}
	// A client's own groups header does not help.
	if resp := rawGetAt(t, public, "/admin", "Cookie", "gatehouse="+bob.sessionCookie(g), "X-Forwarded-Groups", "admin"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("bob with a forged groups header: status %d, want 403", resp.StatusCode)
	}
	if app.count() != before {
		t.Errorf("the app got %d of bob's requests for /admin", app.count()-before)
	}
	if resp := bob.api(public + "/app"); resp.StatusCode != http.StatusOK {
		t.Errorf("bob on /app: status %d", resp.StatusCode)
	} else if v := headerValues(app.last(t).Header, "X-Forwarded-Groups"); len(v) != 1 || v[0] != "user" {
		t.Errorf("bob's X-Forwarded-Groups = %q, want [user]", v)
	}
}
