package e2e

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testutil"
)

// TestBackchannelLogoutRejects sends every kind of bad logout request, each
// naming Alice's login by sid and sub: each gets 400 {"error":"invalid_request"}
// with no-store, and Alice stays logged in.
func TestBackchannelLogoutRejects(t *testing.T) {
	bothStores(t, func(t *testing.T, store string) {
		g := startGate(t, withStore(store))
		m := newLogoutMinter(t, g)
		br, sid := loginAs(t, g, alice)
		idToken := g.IDP.IssuedTokens()[0].IDToken

		attacker, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		pubDER, _ := x509.MarshalPKIXPublicKey(&m.key.PublicKey)
		pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
		valid := func(edit func(map[string]any)) []byte { return m.claims(alice.ID, sid, edit) }
		signed := func(edit func(map[string]any)) string { return m.signRS256(m.key, m.header("JWT"), valid(edit)) }
		now := time.Now()

		// A valid token for a user without sessions, accepted once: its
		// second delivery is a replay.
		replayed := m.token("nobody", "", nil)
		if status, body, _ := postLogoutToken(t, g, logoutForm(replayed)); status != http.StatusOK {
			t.Fatalf("first delivery of a valid token: status %d %s", status, body)
		}

		cases := map[string]string{
			"bad signature": logoutForm(m.signRS256(attacker, m.header("JWT"), valid(nil))),
			"alg none":      logoutForm(handMade(map[string]any{"alg": "none", "typ": "JWT"}, valid(nil), nil)),
			"HS256 keyed with the public key": logoutForm(handMade(map[string]any{"alg": "HS256", "kid": m.kid}, valid(nil), func(in []byte) []byte {
				mac := hmac.New(sha256.New, pubPEM)
				mac.Write(in)
				return mac.Sum(nil)
			})),
			"wrong iss":      logoutForm(signed(func(c map[string]any) { c["iss"] = m.issuer + "/other" })),
			"wrong aud":      logoutForm(signed(func(c map[string]any) { c["aud"] = "another-client" })),
			"missing events": logoutForm(signed(func(c map[string]any) { delete(c, "events") })),
			"wrong event URI": logoutForm(signed(func(c map[string]any) {
				c["events"] = map[string]any{"http://schemas.openid.net/event/other": map[string]any{}}
			})),
			"events member not object": logoutForm(signed(func(c map[string]any) { c["events"] = map[string]any{backchannelEvent: "yes"} })),
			"has nonce":                logoutForm(signed(func(c map[string]any) { c["nonce"] = "n-1" })),
			"neither sub nor sid":      logoutForm(signed(func(c map[string]any) { delete(c, "sub"); delete(c, "sid") })),
			"iat far in the future":    logoutForm(signed(func(c map[string]any) { c["iat"] = now.Add(time.Hour).Unix() })),
			"iat too old":              logoutForm(signed(func(c map[string]any) { c["iat"] = now.Add(-10 * time.Minute).Unix() })),
			"missing iat":              logoutForm(signed(func(c map[string]any) { delete(c, "iat") })),
			"expired":                  logoutForm(signed(func(c map[string]any) { c["exp"] = now.Add(-time.Minute).Unix() })),
			"missing jti":              logoutForm(signed(func(c map[string]any) { delete(c, "jti") })),
			"replayed jti":             logoutForm(replayed),
			"typ at+jwt":               logoutForm(m.signRS256(m.key, m.header("at+jwt"), valid(nil))),
			"an ID token":              logoutForm(idToken),
			"malformed JWT":            logoutForm("not.a.jwt"),
			"two parts":                logoutForm("eyJhbGciOiJSUzI1NiJ9.e30"),
			"empty body":               "",
			"empty logout_token":       "logout_token=",
			"logout_token twice":       logoutForm(m.token(alice.ID, sid, nil)) + "&" + logoutForm(m.token(alice.ID, sid, nil)),
			"a 1 MB body":              logoutForm(m.token(alice.ID, sid, nil)) + "&pad=" + strings.Repeat("x", 1<<20),
		}
		for name, body := range cases {
			status, resp, h := postLogoutToken(t, g, body)
			if status != http.StatusBadRequest || strings.TrimSpace(resp) != `{"error":"invalid_request"}` ||
				h.Get("Cache-Control") != "no-store" {
				t.Errorf("%s: status %d, body %q, Cache-Control %q; want 400 invalid_request no-store",
					name, status, resp, h.Get("Cache-Control"))
			}
			if !br.loggedIn(g) {
				t.Fatalf("%s: Alice's session was ended", name)
			}
		}

		// The token in the query string instead of the body is no logout.
		resp, err := http.Post(g.URL+"/oauth2/backchannel-logout?"+logoutForm(m.token(alice.ID, sid, nil)), "application/x-www-form-urlencoded", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !br.loggedIn(g) {
			t.Fatalf("token in the query: status %d", resp.StatusCode)
		}
		resp, err = http.Get(g.URL + "/oauth2/backchannel-logout?" + logoutForm(m.token(alice.ID, sid, nil)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || !br.loggedIn(g) {
			t.Fatalf("GET: status %d", resp.StatusCode)
		}

		metrics := scrapeText(t, g)
		for _, reason := range []string{"signature", "issuer", "audience", "events", "nonce", "no_sub_sid", "iat_future",
			"iat_too_old", "iat_missing", "expired", "jti_missing", "replayed", "typ", "malformed", "body"} {
			if !strings.Contains(metrics, `gatehouse_logout_requests_rejected_total{kind="backchannel",reason="`+reason+`"}`) {
				t.Errorf("no rejection counted for reason %s", reason)
			}
		}
	})
}

// TestBackchannelLogoutStoreDown: while Redis does not answer (CLIENT PAUSE
// keeps its data, unlike a restart of the test server) the answer is 503,
// never 200 while the session lives; the provider's retry of the same token
// then ends the session.
func TestBackchannelLogoutStoreDown(t *testing.T) {
	g := startGate(t, withStore("redis"))
	m := newLogoutMinter(t, g)
	br, sid := loginAs(t, g, alice)
	token := logoutForm(m.token("", sid, nil))
	// Writes are paused until the logout has been answered (the gate's Redis
	// timeout is 500ms), not for a fixed time that a slow machine could
	// outlast before the logout arrives. Only writes: an UNPAUSE on a new
	// connection would itself wait behind a pause of ALL.
	g.Redis.Do("CLIENT", "PAUSE", "60000", "WRITE")
	status, body, _ := postLogoutToken(t, g, token)
	g.Redis.Do("CLIENT", "UNPAUSE")
	if status != http.StatusServiceUnavailable {
		t.Fatalf("store down: status %d %s, want 503", status, body)
	}
	testutil.Eventually(t, "store back", recoveryWait, func() bool {
		return br.api(g.URL+"/x").StatusCode != http.StatusServiceUnavailable
	})
	if !br.loggedIn(g) {
		t.Fatal("the session ended although the logout was answered 503")
	}
	if status, body, _ := postLogoutToken(t, g, token); status != http.StatusOK {
		t.Fatalf("retry after recovery: status %d %s, want 200", status, body)
	}
	if br.loggedIn(g) {
		t.Fatal("session survived the retried logout")
	}
}

// TestBackchannelLogoutSlowStore: a Redis that is slow, not down, runs the
// commands of a logout that was answered 503 after the answer. The
// provider's retry must still end the session: before, the jti mark written
// first ran late and the retry was refused as a replay, the session living
// on. The server is frozen with SIGSTOP, which only a real process shows.
func TestBackchannelLogoutSlowStore(t *testing.T) {
	g := startGate(t, withStore("redis"))
	m := newLogoutMinter(t, g)
	br, sid := loginAs(t, g, alice)
	token := logoutForm(m.token("", sid, nil))

	g.Redis.Freeze()
	status, body, _ := postLogoutToken(t, g, token)
	g.Redis.Thaw()
	if status != http.StatusServiceUnavailable {
		t.Fatalf("frozen store: status %d %s, want 503", status, body)
	}
	if status, body, _ := postLogoutToken(t, g, token); status != http.StatusOK {
		t.Fatalf("retry after the store caught up: status %d %s, want 200", status, body)
	}
	if br.loggedIn(g) {
		t.Fatal("session survived the retried logout")
	}
	// The retry took the jti: the same token once more is a replay.
	if status, body, _ := postLogoutToken(t, g, token); status != http.StatusBadRequest {
		t.Fatalf("replay: status %d %s, want 400", status, body)
	}
}

// TestBackchannelLogoutSparesLaterLogins: a logout token ends only the
// sessions created before it was issued (within oidc.clock_skew), so a
// replayed or late token never ends a login that came after it.
func TestBackchannelLogoutSparesLaterLogins(t *testing.T) {
	g := startGate(t)
	m := newLogoutMinter(t, g)
	br, _ := loginAs(t, g, alice)
	// Issued three minutes ago: within logout_token_max_age (5m), before
	// the login by more than the clock skew (30s).
	early := m.token(alice.ID, "", func(c map[string]any) { c["iat"] = time.Now().Add(-3 * time.Minute).Unix() })
	if status, body, _ := postLogoutToken(t, g, logoutForm(early)); status != http.StatusOK {
		t.Fatalf("early token: status %d %s, want 200", status, body)
	}
	if !br.loggedIn(g) {
		t.Fatal("a logout token issued before the login ended it")
	}
	if status, body, _ := postLogoutToken(t, g, logoutForm(m.token(alice.ID, "", nil))); status != http.StatusOK {
		t.Fatalf("current token: status %d %s, want 200", status, body)
	}
	if br.loggedIn(g) {
		t.Fatal("a logout token issued after the login did not end it")
	}
}
