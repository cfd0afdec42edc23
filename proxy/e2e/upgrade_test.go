package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/h2c" //nolint:staticcheck // deprecated for prior knowledge, but still the Go server that does the h2c Upgrade dance; net/http's Protocols does not
	"golang.org/x/net/http2/hpack"

	redisstore "github.com/gatehouse/gatehouse/internal/session/redis"
	"github.com/gatehouse/gatehouse/internal/sessionadmin"
	"github.com/gatehouse/gatehouse/internal/testidp"
	"github.com/gatehouse/gatehouse/proxy"
)

// withProxyOptions hands options to proxy.New (injected clocks).
func withProxyOptions(opts ...proxy.Option) option {
	return func(o *options) { o.proxyOpts = append(o.proxyOpts, opts...) }
}

// manualTicks makes the tickers of upgraded connections' session checks,
// which fire only when the test says so: no test waits for the clock.
type manualTicks struct {
	mu      sync.Mutex
	tickers []*manualTicker
}

type manualTicker struct {
	c       chan time.Time
	stopped chan struct{}
	once    sync.Once
}

func newManualTicks() *manualTicks { return &manualTicks{} }

func proxyTicker(m *manualTicks) proxy.Option { return proxy.WithUpgradeTicker(m.newTicker) }

func (m *manualTicks) newTicker(time.Duration) proxy.Ticker {
	t := &manualTicker{c: make(chan time.Time), stopped: make(chan struct{})}
	m.mu.Lock()
	m.tickers = append(m.tickers, t)
	m.mu.Unlock()
	return t
}

func (t *manualTicker) C() <-chan time.Time { return t.c }
func (t *manualTicker) Stop()               { t.once.Do(func() { close(t.stopped) }) }

// tick fires every live ticker once and returns when each has been received
// (or stopped), so the checks it starts are under way.
func (m *manualTicks) tick(t *testing.T) {
	t.Helper()
	m.mu.Lock()
	tickers := append([]*manualTicker(nil), m.tickers...)
	m.mu.Unlock()
	for _, tk := range tickers {
		select {
		case tk.c <- time.Now():
		case <-tk.stopped:
		case <-time.After(5 * time.Second):
			t.Fatal("an upgraded connection's session check did not take its tick within 5s")
		}
	}
}

// closedAfterTicks fires checks until the connection closes: a session
// deleted through another Redis client reaches this replica's client-side
// cache by invalidation within about a millisecond, so the first check may
// still read it. It gives up after 5s.
func (c *wsConn) closedAfterTicks(t *testing.T, ticks *manualTicks) bool {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		ticks.tick(t)
		if c.closedWithin(t, 100*time.Millisecond) {
			return true
		}
	}
	return false
}

// TestWebSocketClosedWhenSessionEndsElsewhere: sessions ended where this
// replica does not hear of it (an operator's revoke through the store, a
// logout or back-channel logout at another replica) close the open
// WebSocket at its next session check; a check of a live session keeps it.
func TestWebSocketClosedWhenSessionEndsElsewhere(t *testing.T) {
	ws := newWSEcho()
	ticks := newManualTicks()
	a, b := startPair(t, withUpstream(ws), withProxyOptions(proxyTicker(ticks)))

	open := func(t *testing.T) (*browser, *wsConn) {
		t.Helper()
		br := newBrowser(t)
		br.loginAlice(a)
		c := wsOpen(t, a, "/ws", br.sessionCookie(a), "Origin: "+a.URL)
		c.echo(t, "hello")
		ticks.tick(t) // a check of the live session keeps the connection
		c.echo(t, "still open")
		return br, c
	}

	t.Run("operator revoke through the store", func(t *testing.T) {
		_, c := open(t)
		st, err := redisstore.New(redisstore.Options{Addresses: []string{a.Redis.Addr()}, KeyPrefix: "gatehouse:"}, zaptest.NewLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = st.Close() })
		if _, err := sessionadmin.Revoke(t.Context(), st, sessionadmin.Target{Subject: testidp.Alice.ID}); err != nil {
			t.Fatal(err)
		}
		if !c.closedAfterTicks(t, ticks) {
			t.Fatal("the WebSocket of a revoked session is still open after its session checks")
		}
		ws.waitEnded(t)
	})

	t.Run("logout at another replica", func(t *testing.T) {
		br, c := open(t)
		if resp := br.navigate(b.URL + "/oauth2/logout"); resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusFound {
			t.Fatalf("logout at the other replica: status %d", resp.StatusCode)
		}
		if !c.closedAfterTicks(t, ticks) {
			t.Fatal("the WebSocket is still open after a logout at another replica and its session checks")
		}
		ws.waitEnded(t)
	})

	t.Run("back-channel logout at this replica", func(t *testing.T) {
		br := newBrowser(t)
		br.loginAlice(a)
		issued := a.IDP.IssuedTokens()
		sid := testidp.SessionID(t, issued[len(issued)-1].IDToken)
		c := wsOpen(t, a, "/ws", br.sessionCookie(a), "Origin: "+a.URL)
		c.echo(t, "hello")
		m := newLogoutMinter(t, a)
		if status, body, _ := postLogoutToken(t, a, logoutForm(m.token("", sid, nil))); status != http.StatusOK {
			t.Fatalf("back-channel logout: status %d %s", status, body)
		}
		// Handled here: closed at once, without a session check.
		if !c.closedWithin(t, 5*time.Second) {
			t.Fatal("the WebSocket is still open 5s after a back-channel logout handled by its replica")
		}
		ws.waitEnded(t)
	})
}

// h2cUpstream is a real HTTP/2 cleartext server (x/net/http2/h2c) whose
// /admin/secret tells who it thinks is asking. It takes the upgrade on
// "Upgrade: h2c" alone, filling in the HTTP2-Settings header and Connection
// token that Go's h2c requires and that a proxy's hop-by-hop handling drops:
// other servers (hypercorn in the issue) are that lenient, and Go's own is
// not, so this adapter stands for them.
func h2cUpstream() http.Handler {
	app := http.NewServeMux()
	app.HandleFunc("/admin/secret", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "secret for user=%q groups=%q proto=%s", r.Header.Get("X-Forwarded-User"), r.Header.Get("X-Forwarded-Groups"), r.Proto)
	})
	app.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "public page") })
	h := h2c.NewHandler(app, &http2.Server{}) //nolint:staticcheck // see the import
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if headerHasH2C(r.Header) {
			if len(r.Header["Http2-Settings"]) == 0 {
				r.Header.Set("Http2-Settings", "")
			}
			r.Header.Add("Connection", "HTTP2-Settings")
		}
		h.ServeHTTP(w, r)
	})
}

func headerHasH2C(h http.Header) bool {
	for _, v := range h.Values("Upgrade") {
		if strings.Contains(strings.ToLower(v), "h2c") {
			return true
		}
	}
	return false
}

// http2Settings is a client's HTTP2-Settings value (base64url SETTINGS
// payload), as curl --http2 sends it.
const http2Settings = "AAMAAABkAAQCAAAAAAIAAAAA"

// rawExchange sends request lines to addr and reads the response head.
func rawExchange(t *testing.T, addr string, lines ...string) (*http.Response, net.Conn, *bufio.Reader) {
	t.Helper()
	return rawExchangeBody(t, addr, lines, "")
}

// rawExchangeBody is rawExchange with a body after the head.
func rawExchangeBody(t *testing.T, addr string, lines []string, body string) (*http.Response, net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprint(conn, strings.Join(lines, "\r\n")+"\r\n\r\n"+body)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	return resp, conn, br
}

// h2cTunnel speaks HTTP/2 on a connection that answered 101 to an h2c
// upgrade: it asks for /admin/secret with forged identity headers, as an
// attacker would, and returns the body.
func h2cTunnel(conn net.Conn, br *bufio.Reader, authority string) (string, error) {
	if _, err := io.WriteString(conn, http2.ClientPreface); err != nil {
		return "", err
	}
	fr := http2.NewFramer(conn, br)
	if err := fr.WriteSettings(); err != nil {
		return "", err
	}
	var hb bytes.Buffer
	enc := hpack.NewEncoder(&hb)
	for _, f := range [][2]string{{":method", "GET"}, {":scheme", "http"}, {":authority", authority},
		{":path", "/admin/secret"}, {"x-forwarded-user", "admin"}, {"x-forwarded-groups", "admins"}} {
		_ = enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
	}
	// Stream 1 is the upgrade request itself; the client's next is 3.
	if err := fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 3, BlockFragment: hb.Bytes(), EndStream: true, EndHeaders: true}); err != nil {
		return "", err
	}
	var body bytes.Buffer
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			return body.String(), err
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				_ = fr.WriteSettingsAck()
			}
		case *http2.DataFrame:
			if f.StreamID == 3 {
				body.Write(f.Data())
				if f.StreamEnded() {
					return body.String(), nil
				}
			}
		case *http2.GoAwayFrame:
			return body.String(), fmt.Errorf("GOAWAY %v", f.ErrCode)
		}
	}
}

// TestH2CUpgradeRefused: an h2c upgrade would turn the client's connection
// into an HTTP/2 connection to the application on which every later stream
// skips authentication, policy and header stripping. gatehouse refuses it
// with 400, anonymous or logged in, in every spelling, and it never reaches
// the upstream.
func TestH2CUpgradeRefused(t *testing.T) {
	g := startGate(t, withUpstream(h2cUpstream()), withEnv("GATEHOUSE_AUTHORIZATION_PUBLIC_PATHS=/public"))
	upstreamAddr := strings.TrimPrefix(g.Upstream.URL, "http://")
	host := strings.TrimPrefix(g.URL, "http://")

	// The upstream really is h2c-capable: addressed directly, the upgrade
	// gives an HTTP/2 connection that believes forged identity headers.
	resp, conn, br := rawExchange(t, upstreamAddr, "GET /public HTTP/1.1", "Host: "+upstreamAddr,
		"Connection: Upgrade, HTTP2-Settings", "Upgrade: h2c", "HTTP2-Settings: "+http2Settings)
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("direct h2c upgrade at the upstream: status %d, want 101 (the test upstream is not h2c-capable)", resp.StatusCode)
	}
	if body, err := h2cTunnel(conn, br, upstreamAddr); !strings.Contains(body, `user="admin"`) {
		t.Fatalf("direct h2c tunnel: %q, %v", body, err)
	}

	b := newBrowser(t)
	b.loginAlice(g)
	cookie := "Cookie: gatehouse=" + b.sessionCookie(g)
	cases := []struct {
		name  string
		lines []string
	}{
		{"anonymous on a public path", []string{"GET /public HTTP/1.1",
			"Connection: Upgrade, HTTP2-Settings", "Upgrade: h2c", "HTTP2-Settings: " + http2Settings}},
		{"anonymous, HTTP2-Settings not named in Connection", []string{"GET /public HTTP/1.1",
			"Connection: Upgrade", "Upgrade: h2c", "HTTP2-Settings: " + http2Settings}},
		{"anonymous, no Connection token", []string{"GET /public HTTP/1.1", "Upgrade: h2c", "HTTP2-Settings: " + http2Settings}},
		{"with a session", []string{"GET /admin/secret HTTP/1.1", cookie,
			"Connection: Upgrade, HTTP2-Settings", "Upgrade: h2c", "HTTP2-Settings: " + http2Settings}},
		{"upper case", []string{"GET /public HTTP/1.1", "Connection: upgrade", "Upgrade: H2C"}},
		{"with a version", []string{"GET /public HTTP/1.1", "Connection: Upgrade", "Upgrade: h2c/1"}},
		{"listed after websocket", []string{"GET /admin/secret HTTP/1.1", cookie, "Origin: " + g.URL,
			"Connection: Upgrade", "Upgrade: websocket, h2c", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="}},
		{"second Upgrade line", []string{"GET /admin/secret HTTP/1.1", cookie, "Origin: " + g.URL,
			"Connection: Upgrade", "Upgrade: websocket", "Upgrade: h2c", "Sec-WebSocket-Version: 13", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="}},
		{"POST with a body", []string{"POST /public HTTP/1.1", "Content-Length: 2",
			"Connection: Upgrade, HTTP2-Settings", "Upgrade: h2c", "HTTP2-Settings: " + http2Settings}},
		{"a protocol not listed", []string{"GET /admin/secret HTTP/1.1", cookie, "Connection: Upgrade", "Upgrade: TLS/1.2"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := g.Upstream.count()
			lines := append([]string{tc.lines[0], "Host: " + host, "X-Forwarded-User: admin"}, tc.lines[1:]...)
			body := ""
			if strings.HasPrefix(tc.lines[0], "POST") {
				body = "{}"
			}
			resp, conn, br := rawExchangeBody(t, host, lines, body)
			if resp.StatusCode == http.StatusSwitchingProtocols {
				body, err := h2cTunnel(conn, br, host)
				t.Fatalf("gatehouse switched to %q; over the tunnel /admin/secret answered %q (%v)", resp.Header.Get("Upgrade"), body, err)
			}
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("status %d, want 400", resp.StatusCode)
			}
			if n := g.Upstream.count(); n != before {
				got := g.Upstream.last(t)
				t.Fatalf("the upgrade reached the upstream (Upgrade %q, HTTP2-Settings %q)", got.Header.Values("Upgrade"), headerValues(got.Header, "HTTP2-Settings"))
			}
		})
	}
}

// TestHTTP2SettingsNeverForwarded: HTTP2-Settings only ever serves an h2c
// upgrade; on an ordinary request it is removed in every spelling. (The
// empty Upgrade line, as a front proxy copying an absent header may send,
// asks for nothing and does not make the request fail.)
func TestHTTP2SettingsNeverForwarded(t *testing.T) {
	g := startGate(t, withEnv("GATEHOUSE_AUTHORIZATION_PUBLIC_PATHS=/public"))
	host := strings.TrimPrefix(g.URL, "http://")
	b := newBrowser(t)
	b.loginAlice(g)
	for _, tc := range []struct{ name, path, cookie string }{
		{"anonymous on a public path", "/public", ""},
		{"with a session", "/app", "Cookie: gatehouse=" + b.sessionCookie(g)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lines := []string{"GET " + tc.path + " HTTP/1.1", "Host: " + host,
				"HTTP2-Settings: " + http2Settings, "HTTP2_Settings: " + http2Settings, "Connection: keep-alive", "Upgrade: "}
			if tc.cookie != "" {
				lines = append(lines, tc.cookie)
			}
			resp, _, _ := rawExchange(t, host, lines...)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200", resp.StatusCode)
			}
			if got := headerValues(g.Upstream.last(t).Header, "HTTP2-Settings"); len(got) != 0 {
				t.Fatalf("the upstream got HTTP2-Settings %q", got)
			}
		})
	}
}
