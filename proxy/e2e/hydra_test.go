package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/hydratest"
	"github.com/gatehouse/gatehouse/internal/testutil"
)

// startHydraGate runs Ory Hydra and a gatehouse that logs in through it, with
// gatehouse registered for back-channel logout and its default post-logout
// URI (<public_url>/).
func startHydraGate(t *testing.T, opts ...option) (*gate, *hydratest.Hydra) {
	t.Helper()
	h := hydratest.Start(t)
	ln := testutil.Listen(t)
	base := "http://" + ln.Addr().String()
	const clientID, secret = "gatehouse-hydra", "hydra-client-secret-for-tests"
	h.CreateClient(t, hydratest.Client{
		ID: clientID, Secret: secret,
		RedirectURIs:           []string{base + "/oauth2/callback"},
		PostLogoutRedirectURIs: []string{base + "/"},
		BackchannelLogoutURI:   base + "/oauth2/backchannel-logout",
	})
	opts = append(opts, withListener(ln), withEnv(
		"GATEHOUSE_OIDC_ISSUER="+h.Issuer,
		"GATEHOUSE_OIDC_CLIENT_ID="+clientID,
		"GATEHOUSE_OIDC_CLIENT_SECRET="+secret,
	))
	return startGate(t, opts...), h
}

// hydraLogin logs b in to g through Hydra as subject.
func hydraLogin(t *testing.T, b *browser, g *gate, h *hydratest.Hydra, subject string) {
	t.Helper()
	resp := b.navigate(g.URL + "/oauth2/start?rd=" + url.QueryEscape("/app"))
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), h.Issuer) {
		t.Fatalf("start: status %d, want 302 to Hydra", resp.StatusCode)
	}
	callback := h.Login(t, b.Client, resp.Header.Get("Location"), subject, subject+"@example.com")
	if !strings.HasPrefix(callback, g.URL+"/oauth2/callback?") {
		t.Fatalf("Hydra sent the browser to %q, not to the callback", callback)
	}
	resp = b.navigate(callback)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/app" {
		t.Fatalf("callback: status %d, Location %q: %s", resp.StatusCode, resp.Header.Get("Location"), readAll(t, resp))
	}
	if got := g.Upstream.count(); !b.loggedIn(g) || g.Upstream.count() != got+1 {
		t.Fatal("not logged in after the Hydra login")
	}
	if u := g.Upstream.last(t).Header.Get("X-Forwarded-User"); u != subject {
		t.Fatalf("X-Forwarded-User = %q, want %q", u, subject)
	}
}

// TestHydraBackchannelLogout: the user's session is ended at Hydra (its
// end_session endpoint, the logout accepted through the admin API), and the
// back-channel logout token Hydra itself signs and delivers (typ JWT, sub and
// sid) ends the gatehouse session; another user's session survives.
func TestHydraBackchannelLogout(t *testing.T) {
	g, h := startHydraGate(t, withStore("redis"))
	alice, bob := newBrowser(t), newBrowser(t)
	hydraLogin(t, alice, g, h, "alice")
	hydraLogin(t, bob, g, h, "bob")

	h.Logout(t, alice.Client, h.EndSessionURL())
	testutil.Eventually(t, "Hydra's back-channel logout", recoveryWait, func() bool { return !alice.loggedIn(g) })
	if !bob.loggedIn(g) {
		t.Fatal("Alice's logout at Hydra ended Bob's session")
	}
	m := scrapeText(t, g)
	for _, want := range []string{
		`gatehouse_logouts_total{kind="backchannel"} 1`,
		`gatehouse_logout_sessions_ended_total{kind="backchannel"} 1`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(m, "gatehouse_logout_requests_rejected_total{") {
		t.Errorf("a logout request was rejected:\n%s", m)
	}
}

// TestHydraRPInitiatedLogout: gatehouse's logout deletes the session and
// sends the browser to Hydra's end_session endpoint with id_token_hint, the
// default post-logout URI and state; Hydra logs out (delivering its logout
// token, which gatehouse accepts) and sends the browser back, where it sees
// "signed out" rather than a new login.
func TestHydraRPInitiatedLogout(t *testing.T) {
	g, h := startHydraGate(t)
	b := newBrowser(t)
	hydraLogin(t, b, g, h, "alice")

	resp := b.logoutRequest(g, http.MethodGet, "", "", "Sec-Fetch-Site", "same-origin")
	loc, err := location(resp)
	if resp.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(loc.String(), h.EndSessionURL()+"?") {
		t.Fatalf("logout: status %d, Location %v; want Hydra's end_session_endpoint", resp.StatusCode, loc)
	}
	q := loc.Query()
	if q.Get("id_token_hint") == "" || q.Get("post_logout_redirect_uri") != g.URL+"/" || q.Get("state") == "" {
		t.Fatalf("end_session parameters: hint %t, post_logout_redirect_uri %q, state %q",
			q.Get("id_token_hint") != "", q.Get("post_logout_redirect_uri"), q.Get("state"))
	}
	if b.loggedIn(g) {
		t.Fatal("session alive after gatehouse's logout redirect")
	}

	back := h.Logout(t, b.Client, loc.String())
	if !strings.HasPrefix(back, g.URL+"/?") {
		t.Fatalf("Hydra sent the browser to %q, want the post-logout URI", back)
	}
	resp = b.navigate(back)
	if resp.StatusCode != http.StatusOK || !strings.Contains(readAll(t, resp), "Signed out") {
		t.Fatalf("post-logout page: status %d, want 200 'Signed out'", resp.StatusCode)
	}
	testutil.Eventually(t, "Hydra's logout token accepted", recoveryWait, func() bool {
		return strings.Contains(scrapeText(t, g), `gatehouse_logouts_total{kind="backchannel"} 1`)
	})
	// Hydra's login session is over too: a new login asks for credentials.
	resp = b.navigate(g.URL + "/oauth2/start?rd=/")
	first, err := location(b.navigate(resp.Header.Get("Location")))
	if err != nil || !strings.Contains(first.String(), "login_challenge=") {
		t.Fatalf("after logout, Hydra did not ask to log in again: %v %v", first, err)
	}
}
