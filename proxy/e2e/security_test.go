package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/demo/idp"
	"github.com/gatehouse/gatehouse/internal/testidp"
)

// spoofed are identity headers as an attacker sends them, in every spelling a
// PHP or CGI upstream would read as the real thing.
var spoofed = [][2]string{
	{"X-Forwarded-User", "admin"},
	{"X-Forwarded_User", "admin"},
	{"x-forwarded-email", "admin@example.com"},
	{"X-FORWARDED-GROUPS", "admins"},
	{"X-Forwarded-Preferred_Username", "admin"},
	{"X-Gatehouse-Assertion", "forged"},
	{"X-Forwarded-Access-Token", "forged"},
	{"X-Forwarded-For", "10.0.0.1"},
	{"X-Forwarded-Host", "evil.example"},
	{"X-Real-Ip", "10.0.0.1"},
	{"Forwarded", "for=10.0.0.1"},
}

func sendSpoofed(t *testing.T, b *browser, method, rawURL string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, rawURL, nil)
	req.Header.Set("Accept", "text/html")
	for _, h := range spoofed {
		req.Header[h[0]] = []string{h[1]} // raw: keep the attacker's spelling
	}
	return b.do(req)
}

func TestClientIdentityHeadersNeverReachUpstream(t *testing.T) {
	bothStores(t, func(t *testing.T, store string) {
		g := startGate(t, withStore(store))

		t.Run("without a session", func(t *testing.T) {
			b := newBrowser(t)
			for _, m := range []string{http.MethodGet, http.MethodOptions, http.MethodPost} {
				resp := sendSpoofed(t, b, m, g.URL+"/admin")
				if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("%s: status %d", m, resp.StatusCode)
				}
			}
			if g.Upstream.count() != 0 {
				t.Fatal("a request without a session reached the upstream")
			}
		})

		t.Run("with a session", func(t *testing.T) {
			b := newBrowser(t)
			b.login(g, "/", "bob", testidp.BobPassword)
			for _, m := range []string{http.MethodGet, http.MethodOptions, http.MethodPost, http.MethodDelete} {
				resp := sendSpoofed(t, b, m, g.URL+"/admin")
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("%s: status %d", m, resp.StatusCode)
				}
				got := g.Upstream.last(t).Header
				for _, h := range spoofed {
					for _, v := range headerValues(got, h[0]) {
						if v == h[1] || strings.Contains(v, h[1]) {
							t.Errorf("%s: client value of %s reached the upstream: %q", m, h[0], v)
						}
					}
				}
				if v := headerValues(got, "X-Forwarded-User"); len(v) != 1 || v[0] != testidp.Bob.ID {
					t.Errorf("%s: X-Forwarded-User = %q", m, v)
				}
				if v := got.Get("X-Forwarded-For"); v != "127.0.0.1" {
					t.Errorf("%s: X-Forwarded-For = %q", m, v)
				}
			}
		})
	})
}

// A header named in Connection is hop-by-hop and removed by proxies; naming
// gatehouse's identity headers there must not remove them.
func TestConnectionHeaderCannotDropIdentity(t *testing.T) {
	g := startGate(t)
	b := newBrowser(t)
	b.loginAlice(g)
	resp := b.navigate(g.URL+"/", "Connection", "X-Forwarded-User, X-Forwarded-Email")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if v := g.Upstream.last(t).Header.Get("X-Forwarded-User"); v != testidp.Alice.ID {
		t.Fatalf("X-Forwarded-User = %q", v)
	}
}

func TestControlCharactersInClaimsNeverReachHeaders(t *testing.T) {
	evil := idp.User{
		ID: "evil-id", Username: "evil\r\nX-Injected: 1", Password: "evil-password",
		Email: "evil@example.com\r\nX-Forwarded-User: admin", GivenName: "Eve\x00\x7f", FamilyName: "Tab\tName",
		Groups: []string{"staff\r\nX-Injected: 2", "ok"},
	}
	g := startGate(t, withIDP(testidp.WithUsers(evil)))
	b := newBrowser(t)
	b.login(g, "/", evil.Username, evil.Password)
	if resp := b.navigate(g.URL + "/"); resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	got := g.Upstream.last(t).Header
	if got.Get("X-Injected") != "" {
		t.Fatal("a claim injected a header")
	}
	for name, values := range got {
		for _, v := range values {
			for i := 0; i < len(v); i++ {
				if v[i] < 0x20 || v[i] == 0x7f {
					t.Fatalf("header %s carries control character %#x: %q", name, v[i], v)
				}
			}
		}
	}
	if v := headerValues(got, "X-Forwarded-User"); len(v) != 1 || v[0] != "evil-id" {
		t.Fatalf("X-Forwarded-User = %q", v)
	}
}

func TestLogoutEndsTheSession(t *testing.T) {
	bothStores(t, func(t *testing.T, store string) {
		g := startGate(t, withStore(store))
		b := newBrowser(t)
		b.loginAlice(g)
		stolen := b.sessionCookie(g)
		if stolen == "" {
			t.Fatal("no session cookie after login")
		}
		// The provider has an end_session_endpoint: logout goes there (rd is
		// for providers without one; see logout_test.go).
		resp := b.navigate(g.URL + "/oauth2/logout?rd=/bye")
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), g.IDP.BaseURL+"/end_session?") {
			t.Fatalf("logout: status %d, want 302 to the provider's end_session_endpoint", resp.StatusCode)
		}
		if b.sessionCookie(g) != "" {
			t.Error("logout did not expire the cookie")
		}
		// The old cookie, replayed by someone who copied it, is worthless now.
		replay := newBrowser(t)
		resp = replay.api(g.URL+"/", "Cookie", "gatehouse="+stolen)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("old cookie after logout: status %d, want 401", resp.StatusCode)
		}
		resp = replay.navigate(g.URL+"/", "Cookie", "gatehouse="+stolen)
		if resp.StatusCode != http.StatusFound {
			t.Fatalf("old cookie after logout (browser): status %d, want 302", resp.StatusCode)
		}
	})
}

func TestLogoutRedirectIsValidated(t *testing.T) {
	g := startGate(t)
	b := newBrowser(t) // no session: rd decides where logout goes
	resp := b.navigate(g.URL + "/oauth2/logout?rd=" + url.QueryEscape("//evil.example/"))
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/" {
		t.Fatalf("logout rd: status %d Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestTamperedCookieIsNotLoggedIn(t *testing.T) {
	g := startGate(t)
	b := newBrowser(t)
	b.loginAlice(g)
	valid := b.sessionCookie(g)
	flipped := []byte(valid)
	flipped[len(flipped)/2] ^= 0x01
	cases := map[string]string{
		"bit flipped":     string(flipped),
		"truncated":       valid[:len(valid)/2],
		"garbage":         "not-a-cookie",
		"empty":           "",
		"base64 of json":  "eyJpIjoiYWRtaW4ifQ",
		"oversized":       strings.Repeat("A", 5000),
		"percent-encoded": "%zz%00",
	}
	for name, value := range cases {
		t.Run(name, func(t *testing.T) {
			c := newBrowser(t)
			resp := c.navigate(g.URL+"/", "Cookie", "gatehouse="+value)
			if resp.StatusCode != http.StatusFound {
				t.Fatalf("browser: status %d, want 302 to login", resp.StatusCode)
			}
			resp = c.api(g.URL+"/", "Cookie", "gatehouse="+value)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("api: status %d, want 401", resp.StatusCode)
			}
		})
	}
}

func TestStoreOutageIs503AndRecovers(t *testing.T) {
	// Without the client-side cache, so that the very first request after the
	// stop must reach Redis (with it, a session read just before may still be
	// answered from the cache until the client sees the connection drop;
	// TestOutageUnderLoadFailsClosed covers that case).
	g := startGate(t, withStore("redis"), withEnv("GATEHOUSE_SESSION_REDIS_CLIENT_CACHE=0"))
	b := newBrowser(t)
	b.loginAlice(g)
	if resp := b.navigate(g.URL + "/"); resp.StatusCode != http.StatusOK {
		t.Fatalf("before outage: status %d", resp.StatusCode)
	}
	before := g.Upstream.count()

	g.Redis.Stop()
	for _, resp := range []*http.Response{b.navigate(g.URL + "/"), b.api(g.URL + "/api")} {
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("during outage: status %d, want 503", resp.StatusCode)
		}
	}
	if g.Upstream.count() != before {
		t.Fatal("a request reached the upstream while the store was down")
	}
	if resp, err := http.Get(g.OpsURL + "/readyz"); err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("readyz during outage: %v %v", resp, err)
	}

	// Redis comes back empty (no persistence): the old session is gone, and
	// gatehouse recovers by itself. A new login then works.
	g.Redis.Start()
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp := b.navigate(g.URL + "/")
		if resp.StatusCode == http.StatusFound {
			break
		}
		if resp.StatusCode != http.StatusServiceUnavailable || time.Now().After(deadline) {
			t.Fatalf("after restart: status %d", resp.StatusCode)
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.loginAlice(g)
	if resp := b.navigate(g.URL + "/"); resp.StatusCode != http.StatusOK {
		t.Fatalf("after recovery: status %d", resp.StatusCode)
	}
}

func TestStreamingAndUpgradePassThrough(t *testing.T) {
	upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/stream":
			w.Header().Set("Content-Type", "text/event-stream")
			for i := range 3 {
				fmt.Fprintf(w, "data: %d\n\n", i)
				http.NewResponseController(w).Flush()
				time.Sleep(100 * time.Millisecond)
			}
		case "/echo":
			if r.Header.Get("Upgrade") != "echo" {
				http.Error(w, "want upgrade", http.StatusBadRequest)
				return
			}
			conn, rw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				return
			}
			defer conn.Close()
			fmt.Fprintf(rw, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\nX-Seen-User: %s\r\n\r\n", r.Header.Get("X-Forwarded-User"))
			_ = rw.Flush()
			_, _ = io.Copy(conn, rw)
		}
	})
	// "echo" is no WebSocket: it has to be allowed (upstream.allowed_upgrades).
	g := startGate(t, withUpstream(upstream), withEnv("GATEHOUSE_UPSTREAM_ALLOWED_UPGRADES=echo"))
	b := newBrowser(t)
	b.loginAlice(g)

	t.Run("stream arrives before the response ends", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, g.URL+"/stream", nil)
		req.Header.Set("Accept", "text/event-stream")
		resp, err := b.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		started := time.Now()
		line, err := bufio.NewReader(resp.Body).ReadString('\n')
		if err != nil || line != "data: 0\n" {
			t.Fatalf("first event %q, %v", line, err)
		}
		if time.Since(started) > 150*time.Millisecond {
			t.Fatal("the first event was held back until the end of the stream")
		}
	})

	t.Run("upgrade", func(t *testing.T) {
		conn, err := net.Dial("tcp", strings.TrimPrefix(g.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(conn, "GET /echo HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: echo\r\nCookie: gatehouse=%s\r\n\r\n",
			strings.TrimPrefix(g.URL, "http://"), b.sessionCookie(g))
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusSwitchingProtocols || resp.Header.Get("X-Seen-User") != testidp.Alice.ID {
			t.Fatalf("upgrade: status %d, upstream saw user %q", resp.StatusCode, resp.Header.Get("X-Seen-User"))
		}
		fmt.Fprint(conn, "ping\n")
		if line, err := br.ReadString('\n'); err != nil || line != "ping\n" {
			t.Fatalf("echo %q, %v", line, err)
		}
	})

	t.Run("upgrade without a session is refused", func(t *testing.T) {
		before := g.Upstream.count()
		req, _ := http.NewRequest(http.MethodGet, g.URL+"/echo", nil)
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Upgrade", "echo")
		resp := newBrowser(t).do(req)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", resp.StatusCode)
		}
		if g.Upstream.count() != before {
			t.Fatal("the upgrade reached the upstream")
		}
	})
}

// TestTrustedProxyHeaders: from a peer in trusted_proxies the forwarding
// chain, scheme and request id are kept (the chain extended by the peer), but
// identity headers are still replaced; from a peer outside the list the same
// headers are gatehouse's own.
func TestTrustedProxyHeaders(t *testing.T) {
	for _, tc := range []struct {
		trusted                string
		wantFor, wantProto, id string
	}{
		{"127.0.0.1", "203.0.113.7, 127.0.0.1", "https", "edge-abc-123"},
		{"10.0.0.0/8", "127.0.0.1", "http", ""},
	} {
		t.Run(tc.trusted, func(t *testing.T) {
			g := startGate(t, withEnv("GATEHOUSE_TRUSTED_PROXIES="+tc.trusted))
			b := newBrowser(t)
			b.loginAlice(g)
			resp := b.navigate(g.URL+"/", "X-Forwarded-For", "203.0.113.7", "X-Forwarded-Proto", "https",
				"X-Request-Id", "edge-abc-123", "X-Forwarded-User", "admin")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			got := g.Upstream.last(t).Header
			if v := got.Get("X-Forwarded-For"); v != tc.wantFor {
				t.Errorf("X-Forwarded-For = %q, want %q", v, tc.wantFor)
			}
			if v := got.Get("X-Forwarded-Proto"); v != tc.wantProto {
				t.Errorf("X-Forwarded-Proto = %q, want %q", v, tc.wantProto)
			}
			if id := got.Get("X-Request-Id"); (tc.id != "" && id != tc.id) || (tc.id == "" && id == "edge-abc-123") {
				t.Errorf("X-Request-Id = %q", id)
			}
			if v := headerValues(got, "X-Forwarded-User"); len(v) != 1 || v[0] != testidp.Alice.ID {
				t.Errorf("X-Forwarded-User = %q: a trusted proxy must not set identity", v)
			}
		})
	}
}
