package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/nodeoptest"
	"github.com/gatehouse/gatehouse/internal/testutil"
)

// nodeOPTokenTTL is the lifetime of the provider's access and ID tokens.
const nodeOPTokenTTL = 10 * time.Minute

var nodeOPAccounts = map[string]map[string]any{
	"alice": {"email": "alice@example.com", "email_verified": true, "name": "Alice Liddell",
		"preferred_username": "alice", "groups": []string{"staff", "wonderland"}},
	"bob": {"email": "bob@example.com", "name": "Bob", "preferred_username": "bob", "groups": []string{"builders"}},
}

// startNodeOPGate runs oidc-provider with gatehouse registered as a client
// (back-channel logout and its default post-logout URI included) and a
// gatehouse that logs in through it. client changes the registration
// (private_key_jwt); the env sets gatehouse's side.
func startNodeOPGate(t *testing.T, client func(c *nodeoptest.Client), opts ...option) (*gate, *nodeoptest.OP) {
	t.Helper()
	ln := testutil.Listen(t)
	base := "http://" + ln.Addr().String()
	c := nodeoptest.Client{
		ID: "gatehouse-node", Secret: "node-client-secret-for-tests-0123456789",
		RedirectURIs:           []string{base + "/oauth2/callback"},
		PostLogoutRedirectURIs: []string{base + "/"},
		BackchannelLogoutURI:   base + "/oauth2/backchannel-logout",
	}
	if client != nil {
		client(&c)
	}
	op := nodeoptest.Start(t, nodeoptest.Options{Clients: []nodeoptest.Client{c}, Accounts: nodeOPAccounts, AccessTokenTTL: nodeOPTokenTTL})
	opts = append([]option{withListener(ln), withProvider(op.Issuer, c.ID, c.Secret),
		withEnv("GATEHOUSE_OIDC_SCOPES=openid offline_access email profile groups")}, opts...)
	return startGate(t, opts...), op
}

// nodeOPLogin logs b in to g through oidc-provider's forms as user and
// returns the callback URL the provider sent the browser to.
func nodeOPLogin(t *testing.T, b *browser, g *gate, op *nodeoptest.OP, user string) *url.URL {
	t.Helper()
	resp := b.navigate(g.URL + "/oauth2/start?rd=" + url.QueryEscape("/app"))
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), op.Issuer+"/") {
		t.Fatalf("start: status %d, Location %q; want oidc-provider", resp.StatusCode, resp.Header.Get("Location"))
	}
	callback := op.Login(t, b.Client, resp.Header.Get("Location"), user)
	if !strings.HasPrefix(callback, g.URL+"/oauth2/callback?") {
		t.Fatalf("oidc-provider sent the browser to %q, not to the callback", callback)
	}
	resp = b.navigate(callback)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/app" {
		t.Fatalf("callback: status %d, Location %q: %s", resp.StatusCode, resp.Header.Get("Location"), readAll(t, resp))
	}
	u, _ := url.Parse(callback)
	return u
}

// TestOIDCProviderLoginRefreshLogout runs the whole life of a session
// against the certified oidc-provider: a login through its forms whose
// callback carries iss (RFC 9207, advertised), the identity from its
// userinfo (its ID token holds only sub), a refresh after the access
// token's lifetime (injected clock), and an RP-initiated logout that comes
// back to the "signed out" page, with the provider's back-channel logout
// token accepted.
func TestOIDCProviderLoginRefreshLogout(t *testing.T) {
	clock := newClock()
	g, op := startNodeOPGate(t, nil, withClock(clock), withEnv("GATEHOUSE_UPSTREAM_PASS_ACCESS_TOKEN=true"))
	b := newBrowser(t)
	callback := nodeOPLogin(t, b, g, op, "alice")
	if got := callback.Query().Get("iss"); got != op.Issuer {
		t.Errorf("callback iss = %q, want %q (RFC 9207)", got, op.Issuer)
	}

	identity := func(when string) string {
		t.Helper()
		if resp := b.api(g.URL + "/app"); resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: GET /app: status %d", when, resp.StatusCode)
		}
		up := g.Upstream.last(t)
		for header, want := range map[string]string{
			"X-Forwarded-User":   "alice",
			"X-Forwarded-Email":  "alice@example.com",
			"X-Forwarded-Groups": "staff,wonderland",
		} {
			if got := up.Header.Get(header); got != want {
				t.Errorf("%s: %s = %q, want %q", when, header, got, want)
			}
		}
		return up.Header.Get("X-Forwarded-Access-Token")
	}
	first := identity("after login")
	clock.Advance(nodeOPTokenTTL)
	if second := identity("after the token lifetime"); second == first || second == "" {
		t.Fatal("the access token was not refreshed through oidc-provider")
	}

	resp := b.logoutRequest(g, http.MethodGet, "", "", "Sec-Fetch-Site", "same-origin")
	loc, err := location(resp)
	if resp.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(loc.String(), op.EndSessionURL()+"?") {
		t.Fatalf("logout: status %d, Location %v; want oidc-provider's end_session_endpoint", resp.StatusCode, loc)
	}
	if b.loggedIn(g) {
		t.Fatal("session alive after gatehouse's logout redirect")
	}
	back := op.Logout(t, b.Client, loc.String())
	if !strings.HasPrefix(back, g.URL+"/") {
		t.Fatalf("oidc-provider sent the browser to %q, want the post-logout URI", back)
	}
	resp = b.navigate(back)
	if resp.StatusCode != http.StatusOK || !strings.Contains(readAll(t, resp), "Signed out") {
		t.Fatalf("post-logout page: status %d, want 200 'Signed out'", resp.StatusCode)
	}
	testutil.Eventually(t, "oidc-provider's logout token accepted", recoveryWait, func() bool {
		return strings.Contains(scrapeText(t, g), `gatehouse_logouts_total{kind="backchannel"} 1`)
	})
}

// TestOIDCProviderBackchannelLogout: Alice ends her session at
// oidc-provider itself; the back-channel logout token it signs and sends
// ends her gatehouse session, and Bob's survives.
func TestOIDCProviderBackchannelLogout(t *testing.T) {
	g, op := startNodeOPGate(t, nil, withStore("redis"))
	alice, bob := newBrowser(t), newBrowser(t)
	nodeOPLogin(t, alice, g, op, "alice")
	nodeOPLogin(t, bob, g, op, "bob")
	if !alice.loggedIn(g) || !bob.loggedIn(g) {
		t.Fatal("not logged in")
	}
	op.Logout(t, alice.Client, op.EndSessionURL())
	testutil.Eventually(t, "oidc-provider's back-channel logout", recoveryWait, func() bool { return !alice.loggedIn(g) })
	if !bob.loggedIn(g) {
		t.Fatal("Alice's logout at oidc-provider ended Bob's session")
	}
	if m := scrapeText(t, g); strings.Contains(m, "gatehouse_logout_requests_rejected_total{") {
		t.Errorf("a logout request was rejected:\n%s", m)
	}
}

// TestOIDCProviderGroupRemovedAtRefresh: the certified oidc-provider takes
// alice out of staff; at the refresh after the access token's lifetime
// gatehouse reads her identity again (userinfo), the staff rule answers
// 403 and the upstream sees her new groups.
func TestOIDCProviderGroupRemovedAtRefresh(t *testing.T) {
	clock := newClock()
	g, op := startNodeOPGate(t, nil, withClock(clock), withConfigFile(staffRule))
	b := newBrowser(t)
	nodeOPLogin(t, b, g, op, "alice")
	if resp := b.api(g.URL + "/staff"); resp.StatusCode != http.StatusOK {
		t.Fatalf("staff member on /staff: status %d", resp.StatusCode)
	}

	alice := map[string]any{}
	for k, v := range nodeOPAccounts["alice"] {
		alice[k] = v
	}
	alice["groups"] = []string{"wonderland"}
	op.SetAccount(t, "alice", alice)
	if resp := b.api(g.URL + "/staff"); resp.StatusCode != http.StatusOK {
		t.Fatalf("before the refresh the session's identity stands: status %d", resp.StatusCode)
	}
	clock.Advance(nodeOPTokenTTL)
	if resp := b.api(g.URL + "/staff"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("after the refresh, no longer in staff: status %d, want 403", resp.StatusCode)
	}
	if resp := b.api(g.URL + "/app"); resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /app: status %d", resp.StatusCode)
	}
	if got := g.Upstream.last(t).Header.Get("X-Forwarded-Groups"); got != "wonderland" {
		t.Errorf("upstream X-Forwarded-Groups = %q, want the provider's new groups", got)
	}
}
