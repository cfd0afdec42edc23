package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testidp"
	"github.com/gatehouse/gatehouse/internal/testutil"
)

// TestLoginCookiesAreCapped: a cross-site page that opens /oauth2/start a
// hundred times must not leave a hundred login cookies (about 40 KB, over
// server.max_header_bytes: every later request of the browser would get 431).
// The jar keeps at most four, and the newest attempt still completes.
func TestLoginCookiesAreCapped(t *testing.T) {
	// The rate limit would stop the hundred starts first; this test is about
	// the cookies alone.
	g := startGate(t, withEnv("GATEHOUSE_SERVER_LOGIN_RATE_LIMIT=0"))
	b := newBrowser(t)
	u, _ := url.Parse(g.URL)
	var last string
	for i := range 100 {
		last = b.startLogin(g, "/attempt/"+strconv.Itoa(i))
		if n := loginCookies(b, u); n > 4 {
			t.Fatalf("after %d starts the jar holds %d login cookies, want at most 4", i+1, n)
		}
	}
	var header int
	for _, c := range b.Jar.Cookies(u) {
		header += len(c.Name) + len(c.Value) + 2
	}
	if header > 4096 {
		t.Errorf("the browser's Cookie header is %d bytes after 100 starts", header)
	}
	callback := b.authorize(g, last, testidp.Alice.Username, testidp.Alice.Password)
	resp := b.navigate(callback)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/attempt/99" {
		t.Fatalf("the newest login: status %d, Location %q; want 302 to /attempt/99", resp.StatusCode, resp.Header.Get("Location"))
	}
	if b.sessionCookie(g) == "" {
		t.Fatal("no session after the newest login")
	}
}

func loginCookies(b *browser, u *url.URL) int {
	n := 0
	for _, c := range b.Jar.Cookies(u) {
		if strings.HasPrefix(c.Name, "gatehouse-login-") {
			n++
		}
	}
	return n
}

// getFrom sends a raw GET to g from the local address ip (any 127.0.0.0/8
// address reaches a loopback listener on Linux).
func getFrom(t *testing.T, ip string, g *gate, target string, header ...string) *http.Response {
	t.Helper()
	host := strings.TrimPrefix(g.URL, "http://")
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	conn, err := d.Dial("tcp", host)
	if err != nil {
		t.Fatalf("dial from %s: %v", ip, err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	var req strings.Builder
	fmt.Fprintf(&req, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n", target, host)
	for i := 0; i+1 < len(header); i += 2 {
		fmt.Fprintf(&req, "%s: %s\r\n", header[i], header[i+1])
	}
	req.WriteString("\r\n")
	if _, err := io.WriteString(conn, req.String()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("GET %s from %s: %v", target, ip, err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(strings.NewReader(string(body)))
	return resp
}

// TestLoginRateLimitPerClient: one address that hammers /start and the
// callback gets 429 with Retry-After (counted in
// gatehouse_login_rate_limited_total); another address is not affected, and
// X-Forwarded-For is believed only from a trusted proxy.
func TestLoginRateLimitPerClient(t *testing.T) {
	const burst = 4
	g := startGate(t, withEnv("GATEHOUSE_SERVER_LOGIN_RATE_LIMIT=1",
		"GATEHOUSE_SERVER_LOGIN_RATE_BURST="+strconv.Itoa(burst), "GATEHOUSE_TRUSTED_PROXIES=127.0.0.4"))

	// hammer sends n requests from ip alternating /start and a bogus
	// callback and returns how many passed and the last 429.
	hammer := func(ip string, n int, header ...string) (passed int, refused *http.Response, took time.Duration) {
		started := time.Now()
		for i := range n {
			target := "/oauth2/start?rd=%2F"
			if i%2 == 1 {
				target = "/oauth2/callback?state=bogus&code=bogus"
			}
			resp := getFrom(t, ip, g, target, append([]string{"Accept", "application/json"}, header...)...)
			switch resp.StatusCode {
			case http.StatusTooManyRequests:
				refused = resp
			case http.StatusFound, http.StatusBadRequest:
				passed++
			default:
				t.Fatalf("%s %s from %s: status %d", "GET", target, ip, resp.StatusCode)
			}
		}
		return passed, refused, time.Since(started)
	}
	// At most the burst plus what one token per second refills meanwhile.
	allowed := func(took time.Duration) int { return burst + int(took.Seconds()) + 1 }

	passed, refused, took := hammer("127.0.0.2", 12)
	hammered := time.Now()
	if refused == nil || passed > allowed(took) {
		t.Fatalf("127.0.0.2: %d of 12 passed in %v, want at most %d and a 429", passed, took, allowed(took))
	}
	// A spoofed X-Forwarded-For from an untrusted peer is not a new client.
	// (The bucket refills one token a second: only a request within that
	// second must still be refused.)
	resp := getFrom(t, "127.0.0.2", g, "/oauth2/start?rd=%2F", "X-Forwarded-For", "192.0.2.99")
	if resp.StatusCode != http.StatusTooManyRequests && time.Since(hammered) < 900*time.Millisecond {
		t.Errorf("127.0.0.2 with a spoofed X-Forwarded-For: status %d, want 429", resp.StatusCode)
	}
	if ra, err := strconv.Atoi(refused.Header.Get("Retry-After")); err != nil || ra != 1 {
		t.Errorf("Retry-After %q, want 1 (second)", refused.Header.Get("Retry-After"))
	}
	if got := scrape(t, g)["gatehouse_login_rate_limited_total"]; got < 1 {
		t.Errorf("gatehouse_login_rate_limited_total = %v, want > 0", got)
	}
	// Another client is not limited by the first one's requests.
	if resp := getFrom(t, "127.0.0.3", g, "/oauth2/start?rd=%2F"); resp.StatusCode != http.StatusFound {
		t.Errorf("127.0.0.3: status %d, want 302", resp.StatusCode)
	}
	// Behind a trusted proxy each client named in X-Forwarded-For has its
	// own bucket; the proxy's own address is not the client.
	passed, refused, took = hammer("127.0.0.4", 12, "X-Forwarded-For", "198.51.100.1")
	if refused == nil || passed > allowed(took) {
		t.Fatalf("198.51.100.1 via the proxy: %d of 12 passed, want at most %d and a 429", passed, allowed(took))
	}
	if resp := getFrom(t, "127.0.0.4", g, "/oauth2/start?rd=%2F", "X-Forwarded-For", "198.51.100.2"); resp.StatusCode != http.StatusFound {
		t.Errorf("198.51.100.2 via the proxy: status %d, want 302", resp.StatusCode)
	}
	// Other paths are not limited.
	if resp := getFrom(t, "127.0.0.2", g, "/app", "Accept", "application/json"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("/app from the limited client: status %d, want 401", resp.StatusCode)
	}
}

// TestStartWhileStoreDownIs503: with Redis stopped, /oauth2/start answers
// 503 at once instead of sending the user to sign in at the provider for a
// callback that could not create the session.
func TestStartWhileStoreDownIs503(t *testing.T) {
	g := startGate(t, withStore("redis"))
	b := newBrowser(t)
	b.startLogin(g, "/") // works while Redis is up
	g.Redis.Stop()
	for _, resp := range []*http.Response{
		b.navigate(g.URL + "/oauth2/start?rd=%2Fx"),
		b.api(g.URL + "/oauth2/start?rd=%2Fx"),
	} {
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("start during the outage: status %d (Location %q), want 503", resp.StatusCode, resp.Header.Get("Location"))
		}
		if loc := resp.Header.Get("Location"); loc != "" {
			t.Errorf("start during the outage redirected to %q", loc)
		}
		for _, c := range resp.Cookies() {
			if strings.Contains(c.Name, "-login-") && c.MaxAge >= 0 {
				t.Errorf("start during the outage set login cookie %s", c.Name)
			}
		}
	}
	if got := scrape(t, g)[`gatehouse_logins_failed_total{reason="store_unavailable"}`]; got != 2 {
		t.Errorf(`logins_failed_total{reason="store_unavailable"} = %v, want 2`, got)
	}
	g.Redis.Start()
	testutil.Eventually(t, "start after Redis is back", recoveryWait, func() bool {
		return b.api(g.URL+"/oauth2/start").StatusCode == http.StatusFound
	})
	b.loginAlice(g)
}
