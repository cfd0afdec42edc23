package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testidp"
	"github.com/gatehouse/gatehouse/internal/testutil"
)

// startLogoutGate starts a gate whose post-logout URI (postLogoutPath on the
// gate, "" for the default <public_url>/) is registered at the provider.
func startLogoutGate(t *testing.T, postLogoutPath string, opts ...option) (*gate, string) {
	t.Helper()
	ln := testutil.Listen(t)
	base := "http://" + ln.Addr().String()
	postLogout := base + "/"
	if postLogoutPath != "" {
		postLogout = base + postLogoutPath
		opts = append(opts, withEnv("GATEHOUSE_OIDC_POST_LOGOUT_REDIRECT_URI="+postLogout))
	}
	opts = append(opts, withListener(ln), withIDP(testidp.WithPostLogoutRedirectURIs(postLogout)))
	return startGate(t, opts...), postLogout
}

// logoutRequest sends method to the logout endpoint with the given headers
// (and, for POST, the form body).
func (b *browser) logoutRequest(g *gate, method, query, form string, header ...string) *http.Response {
	b.t.Helper()
	var body *strings.Reader
	if method == http.MethodPost {
		body = strings.NewReader(form)
	} else {
		body = strings.NewReader("")
	}
	req, err := http.NewRequest(method, g.URL+"/oauth2/logout"+query, body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return b.do(req)
}

// TestRPInitiatedLogout: the session is deleted before the browser is sent to
// the provider's end_session_endpoint with id_token_hint, the configured
// post_logout_redirect_uri and state; a post-logout URI or rd in the request
// changes nothing; the provider sends the browser back, and the page there
// says "signed out" instead of starting a new login.
func TestRPInitiatedLogout(t *testing.T) {
	bothStores(t, func(t *testing.T, store string) {
		g, postLogout := startLogoutGate(t, "/goodbye", withStore(store))
		b := newBrowser(t)
		b.loginAlice(g)
		idToken := g.IDP.IssuedTokens()[0].IDToken
		stolen := b.sessionCookie(g)

		resp := b.logoutRequest(g, http.MethodGet,
			"?rd="+url.QueryEscape("https://evil.example/")+"&post_logout_redirect_uri="+url.QueryEscape("https://evil.example/"), "")
		loc, err := location(resp)
		if resp.StatusCode != http.StatusFound || err != nil {
			t.Fatalf("logout: status %d, Location %v", resp.StatusCode, err)
		}
		if got := loc.Scheme + "://" + loc.Host + loc.Path; got != g.IDP.BaseURL+testidp.EndSessionPath {
			t.Fatalf("logout redirected to %q, want the provider's end_session_endpoint", got)
		}
		q := loc.Query()
		if q.Get("id_token_hint") != idToken {
			t.Error("id_token_hint is not the session's ID token")
		}
		if q.Get("post_logout_redirect_uri") != postLogout {
			t.Errorf("post_logout_redirect_uri = %q, want the configured %q", q.Get("post_logout_redirect_uri"), postLogout)
		}
		if q.Get("state") == "" || q.Get("client_id") != g.IDP.ClientID {
			t.Errorf("state %q, client_id %q", q.Get("state"), q.Get("client_id"))
		}
		if resp.Header.Get("Cache-Control") != "no-store" {
			t.Error("logout redirect is cacheable")
		}
		if b.sessionCookie(g) != "" {
			t.Error("the session cookie was not expired")
		}
		// Deleted before the redirect: the old cookie is dead already.
		if newBrowser(t).api(g.URL+"/x", "Cookie", "gatehouse="+stolen).StatusCode != http.StatusUnauthorized {
			t.Fatal("the old cookie still works after the logout redirect")
		}

		// The provider ends its session and sends the browser back.
		resp = b.navigate(loc.String())
		back, err := location(resp)
		if resp.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(back.String(), postLogout+"?") {
			t.Fatalf("provider end_session: status %d, Location %v", resp.StatusCode, back)
		}
		if back.Query().Get("state") != q.Get("state") {
			t.Fatal("the provider did not return our state")
		}
		resp = b.navigate(back.String())
		if resp.StatusCode != http.StatusOK || !strings.Contains(readAll(t, resp), "Signed out") {
			t.Fatalf("post-logout page: status %d, want 200 'Signed out' (no new login)", resp.StatusCode)
		}
		// Only once: later visits log in as usual.
		if resp := b.navigate(back.String()); resp.StatusCode != http.StatusFound {
			t.Fatalf("second visit of the post-logout page: status %d, want 302 to log in", resp.StatusCode)
		}
	})
}

// TestLogoutDefaultPostLogoutURI: without configuration the post-logout URI
// is <public_url>/, and landing there after logout shows "signed out".
func TestLogoutDefaultPostLogoutURI(t *testing.T) {
	g, postLogout := startLogoutGate(t, "")
	b := newBrowser(t)
	b.loginAlice(g)
	loc, err := location(b.logoutRequest(g, http.MethodGet, "", ""))
	if err != nil || loc.Query().Get("post_logout_redirect_uri") != g.URL+"/" || postLogout != g.URL+"/" {
		t.Fatalf("logout redirect %v %v", loc, err)
	}
	back, err := location(b.navigate(loc.String()))
	if err != nil {
		t.Fatal(err)
	}
	resp := b.navigate(back.String())
	if resp.StatusCode != http.StatusOK || !strings.Contains(readAll(t, resp), "Signed out") {
		t.Fatalf("landing on / after logout: status %d, want the signed-out page", resp.StatusCode)
	}
}

// TestLogoutSameOriginRule: only gatehouse's own origin (or a typed URL, or
// a client that says nothing, for GET) logs out at once; another site's GET
// gets a confirmation page whose button works, its POST is refused.
func TestLogoutSameOriginRule(t *testing.T) {
	g, _ := startLogoutGate(t, "")
	const evil = "https://evil.example"
	cases := []struct {
		name   string
		method string
		header []string
		want   int // 302 logout, 200 confirmation page, 403 refused
	}{
		{"GET typed (Sec-Fetch-Site none)", http.MethodGet, []string{"Sec-Fetch-Site", "none"}, http.StatusFound},
		{"GET same-origin", http.MethodGet, []string{"Sec-Fetch-Site", "same-origin"}, http.StatusFound},
		{"GET same-origin Referer", http.MethodGet, []string{"Referer", g.URL + "/app/page"}, http.StatusFound},
		{"GET same Origin", http.MethodGet, []string{"Origin", g.URL}, http.StatusFound},
		{"GET without any (curl)", http.MethodGet, nil, http.StatusFound},
		{"GET cross-site", http.MethodGet, []string{"Sec-Fetch-Site", "cross-site"}, http.StatusOK},
		{"GET same-site (another origin)", http.MethodGet, []string{"Sec-Fetch-Site", "same-site"}, http.StatusOK},
		{"GET foreign Referer", http.MethodGet, []string{"Referer", evil + "/x"}, http.StatusOK},
		{"GET foreign Origin", http.MethodGet, []string{"Origin", evil}, http.StatusOK},
		{"GET Sec-Fetch-Site wins over Referer", http.MethodGet, []string{"Sec-Fetch-Site", "cross-site", "Referer", g.URL + "/"}, http.StatusOK},
		{"POST same-origin", http.MethodPost, []string{"Sec-Fetch-Site", "same-origin", "Origin", g.URL}, http.StatusFound},
		{"POST same Origin (no fetch metadata)", http.MethodPost, []string{"Origin", g.URL}, http.StatusFound},
		{"POST cross-site", http.MethodPost, []string{"Sec-Fetch-Site", "cross-site", "Origin", evil}, http.StatusForbidden},
		{"POST foreign Origin", http.MethodPost, []string{"Origin", evil}, http.StatusForbidden},
		{"POST Origin null", http.MethodPost, []string{"Origin", "null"}, http.StatusForbidden},
		{"POST without any header", http.MethodPost, nil, http.StatusForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newBrowser(t)
			b.loginAlice(g)
			resp := b.logoutRequest(g, tc.method, "?rd=/after", "", tc.header...)
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
			}
			if got := b.loggedIn(g); got != (tc.want != http.StatusFound) {
				t.Fatalf("logged in after the request: %v", got)
			}
			if tc.want != http.StatusOK {
				return
			}
			// The confirmation page: a POST form back to the logout endpoint
			// that keeps rd, and a CSP that lets its submission reach the
			// provider only.
			page := readAll(t, resp)
			if !strings.Contains(page, `<form method="post" action="/oauth2/logout">`) ||
				!strings.Contains(page, `name="rd" value="/after"`) {
				t.Fatalf("confirmation page lacks the form: %s", page)
			}
			csp := resp.Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "form-action 'self' "+g.IDP.BaseURL) || strings.Contains(csp, evil) {
				t.Fatalf("confirmation page CSP %q", csp)
			}
			// Pressing the button: the browser POSTs from gatehouse's page.
			resp = b.logoutRequest(g, http.MethodPost, "", "rd=%2Fafter",
				"Sec-Fetch-Site", "same-origin", "Origin", g.URL)
			if loc, err := location(resp); resp.StatusCode != http.StatusFound || err != nil ||
				!strings.HasPrefix(loc.String(), g.IDP.BaseURL+testidp.EndSessionPath) {
				t.Fatalf("confirmed logout: status %d, Location %v", resp.StatusCode, loc)
			}
			if b.loggedIn(g) {
				t.Fatal("still logged in after confirming")
			}
		})
	}
}

// TestLogoutWithoutSessionUsesRD: with no live session there is nothing to
// end at the provider, and the validated rd is where the browser goes; the
// next unauthenticated page says "signed out" rather than logging in again.
func TestLogoutWithoutSessionUsesRD(t *testing.T) {
	g := startGate(t)
	b := newBrowser(t)
	for rd, want := range map[string]string{
		"/bye":                  "/bye",
		"//evil.example/":       "/",
		"https://evil.example/": "/",
	} {
		resp := b.navigate(g.URL + "/oauth2/logout?rd=" + url.QueryEscape(rd))
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != want {
			t.Fatalf("rd %q: status %d, Location %q, want %q", rd, resp.StatusCode, resp.Header.Get("Location"), want)
		}
	}
	if resp := b.navigate(g.URL + "/bye"); resp.StatusCode != http.StatusOK {
		t.Fatalf("page after logout: status %d, want the signed-out page", resp.StatusCode)
	}
	if resp := b.navigate(g.URL + "/bye"); resp.StatusCode != http.StatusFound {
		t.Fatalf("page after that: status %d, want 302 to log in", resp.StatusCode)
	}
}

// TestFrontchannelLogout: the provider's iframe ends the sessions of a sid,
// whatever site embeds it; a wrong or missing iss, or no sid, ends nothing.
func TestFrontchannelLogout(t *testing.T) {
	bothStores(t, func(t *testing.T, store string) {
		g := startGate(t, withStore(store))
		aliceB, aliceSID := loginAs(t, g, alice)
		bobB, _ := loginAs(t, g, bob)
		get := func(query string) *http.Response {
			return newBrowser(t).navigate(g.URL+"/oauth2/frontchannel-logout?"+query, "Sec-Fetch-Site", "cross-site", "Sec-Fetch-Dest", "iframe")
		}
		for name, query := range map[string]string{
			"wrong iss":   url.Values{"iss": {g.IDP.Issuer + "/x"}, "sid": {aliceSID}}.Encode(),
			"missing iss": url.Values{"sid": {aliceSID}}.Encode(),
			"missing sid": url.Values{"iss": {g.IDP.Issuer}}.Encode(),
		} {
			if resp := get(query); resp.StatusCode != http.StatusBadRequest {
				t.Errorf("%s: status %d, want 400", name, resp.StatusCode)
			}
			if !aliceB.loggedIn(g) {
				t.Fatalf("%s ended Alice's session", name)
			}
		}
		resp := get(url.Values{"iss": {g.IDP.Issuer}, "sid": {aliceSID}}.Encode())
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "no-store" ||
			resp.Header.Get("X-Frame-Options") != "" {
			t.Fatalf("front-channel logout: status %d, headers %v", resp.StatusCode, resp.Header)
		}
		if aliceB.loggedIn(g) {
			t.Fatal("Alice is still logged in after front-channel logout")
		}
		if !bobB.loggedIn(g) {
			t.Fatal("front-channel logout of Alice's sid ended Bob's session")
		}
		if m := scrapeText(t, g); !strings.Contains(m, `gatehouse_logouts_total{kind="frontchannel"} 1`) ||
			!strings.Contains(m, `gatehouse_logout_requests_rejected_total{kind="frontchannel",reason="issuer"} 2`) {
			t.Errorf("front-channel metrics missing:\n%s", m)
		}
	})
}
