package e2e

import (
	"bufio"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testidp"
)

const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11" // RFC 6455

func wsAccept(key string) string {
	sum := sha1.Sum([]byte(key + wsGUID))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// wsEchoServer is a minimal RFC 6455 server: it completes the handshake,
// reports the identity it was given in a response header, and echoes text
// frames until the connection ends; then it reports the end on ended.
type wsEchoServer struct{ ended chan struct{} }

func newWSEcho() *wsEchoServer { return &wsEchoServer{ended: make(chan struct{}, 16)} }

// wsEcho serves tests that do not watch the connection's end.
var wsEcho = newWSEcho()

func (s *wsEchoServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		http.Error(w, "websocket only", http.StatusBadRequest)
		return
	}
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer func() {
		conn.Close()
		select {
		case s.ended <- struct{}{}:
		default:
		}
	}()
	fmt.Fprintf(rw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Accept: %s\r\nX-Seen-User: %s\r\n\r\n", wsAccept(r.Header.Get("Sec-WebSocket-Key")), r.Header.Get("X-Forwarded-User"))
	_ = rw.Flush()
	for {
		hdr := make([]byte, 2)
		if _, err := io.ReadFull(rw, hdr); err != nil {
			return
		}
		n := int(hdr[1] & 0x7f) // the tests send short frames only
		mask := make([]byte, 4)
		payload := make([]byte, n)
		if _, err := io.ReadFull(rw, mask); err != nil {
			return
		}
		if _, err := io.ReadFull(rw, payload); err != nil {
			return
		}
		for i := range payload {
			payload[i] ^= mask[i%4]
		}
		_, _ = rw.Write(append([]byte{0x81, byte(n)}, payload...)) // server frames are unmasked
		if rw.Flush() != nil {
			return
		}
	}
}

// waitEnded waits for the upstream side of a WebSocket to end.
func (s *wsEchoServer) waitEnded(t *testing.T) {
	t.Helper()
	select {
	case <-s.ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the upstream's side of the WebSocket is still open after 5s")
	}
}

// wsConn is the client side of a WebSocket opened through gatehouse.
type wsConn struct {
	net.Conn
	br *bufio.Reader
}

// wsDial performs the opening handshake of path through gatehouse, with the
// session cookie (if any) and extra header lines ("Name: value"), as raw
// request lines. Every handshake carries a forged X-Forwarded-User.
func wsDial(t *testing.T, g *gate, path, cookie string, header ...string) (*http.Response, *wsConn) {
	t.Helper()
	host := strings.TrimPrefix(g.URL, "http://")
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	k := base64.StdEncoding.EncodeToString(key)
	req := "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + k + "\r\nX-Forwarded-User: admin\r\n"
	if cookie != "" {
		req += "Cookie: gatehouse=" + cookie + "\r\n"
	}
	for _, line := range header {
		req += line + "\r\n"
	}
	fmt.Fprint(conn, req+"\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode == http.StatusSwitchingProtocols && resp.Header.Get("Sec-WebSocket-Accept") != wsAccept(k) {
		t.Fatal("wrong Sec-WebSocket-Accept")
	}
	return resp, &wsConn{Conn: conn, br: br}
}

// wsOpen is wsDial that must succeed with 101.
func wsOpen(t *testing.T, g *gate, path, cookie string, header ...string) *wsConn {
	t.Helper()
	resp, c := wsDial(t, g, path, cookie, header...)
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("handshake: status %d, want 101", resp.StatusCode)
	}
	return c
}

// echo sends a masked text frame and checks the upstream's echo.
func (c *wsConn) echo(t *testing.T, msg string) {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	mask := []byte{1, 2, 3, 4}
	frame := append([]byte{0x81, 0x80 | byte(len(msg))}, mask...)
	for i := range len(msg) {
		frame = append(frame, msg[i]^mask[i%4])
	}
	if _, err := c.Write(frame); err != nil {
		t.Fatalf("send: %v", err)
	}
	reply := make([]byte, 2+len(msg))
	if _, err := io.ReadFull(c.br, reply); err != nil {
		t.Fatalf("echo: %v", err)
	}
	if string(reply[2:]) != msg {
		t.Fatalf("echo %q, want %q", reply[2:], msg)
	}
}

// closedWithin reports whether gatehouse closes the connection within d: a
// read then ends with EOF (or a reset) rather than the deadline.
func (c *wsConn) closedWithin(t *testing.T, d time.Duration) bool {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(d))
	_, err := c.br.ReadByte()
	switch {
	case err == nil:
		t.Fatal("unexpected data on the WebSocket")
	case errors.Is(err, os.ErrDeadlineExceeded):
		return false
	}
	return true
}

func TestWebSocketEcho(t *testing.T) {
	g := startGate(t, withUpstream(wsEcho))

	t.Run("with a session", func(t *testing.T) {
		b := newBrowser(t)
		b.loginAlice(g)
		resp, c := wsDial(t, g, "/ws", b.sessionCookie(g), "Origin: "+g.URL)
		if resp.StatusCode != http.StatusSwitchingProtocols {
			t.Fatalf("status %d, want 101", resp.StatusCode)
		}
		if got := resp.Header.Get("X-Seen-User"); got != testidp.Alice.ID {
			t.Fatalf("upstream saw X-Forwarded-User %q, want %q", got, testidp.Alice.ID)
		}
		c.echo(t, "hello")
	})

	t.Run("without a session", func(t *testing.T) {
		before := g.Upstream.count()
		resp, _ := wsDial(t, g, "/ws", "")
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", resp.StatusCode)
		}
		if g.Upstream.count() != before {
			t.Fatal("the upgrade reached the upstream")
		}
	})
}

// TestWebSocketOnPublicPathNeedsSessionAndPolicy: a public path lets
// anonymous requests through, but not an upgrade, which would hold a
// connection to the application open for good; and the upgrade must pass the
// path's rules as if the path were not public.
func TestWebSocketOnPublicPathNeedsSessionAndPolicy(t *testing.T) {
	g := startGate(t, withUpstream(wsEcho), withConfigFile(`authorization:
  public_paths: [/live]
  rules:
    - path: /live/admin
      allowed_groups: [admins]
`))
	t.Run("anonymous", func(t *testing.T) {
		before := g.Upstream.count()
		resp, _ := wsDial(t, g, "/live/feed", "", "Origin: "+g.URL)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", resp.StatusCode)
		}
		if g.Upstream.count() != before {
			t.Fatal("the anonymous upgrade reached the upstream")
		}
		// The public path itself stays public (the WebSocket-only upstream
		// answers a plain GET with 400 of its own).
		_ = newBrowser(t).api(g.URL + "/live/feed")
		if g.Upstream.count() != before+1 {
			t.Fatal("a plain GET of the public path did not reach the upstream")
		}
	})
	t.Run("with a session", func(t *testing.T) {
		b := newBrowser(t)
		b.loginAlice(g)
		resp, c := wsDial(t, g, "/live/admin", b.sessionCookie(g), "Origin: "+g.URL)
		if resp.StatusCode != http.StatusSwitchingProtocols {
			t.Fatalf("status %d, want 101", resp.StatusCode)
		}
		if got := resp.Header.Get("X-Seen-User"); got != testidp.Alice.ID {
			t.Fatalf("upstream saw X-Forwarded-User %q, want %q", got, testidp.Alice.ID)
		}
		c.echo(t, "hi")
	})
	t.Run("denied by the path's rule", func(t *testing.T) {
		b := newBrowser(t)
		b.login(g, "/", testidp.Bob.Username, testidp.BobPassword)
		before := g.Upstream.count()
		resp, _ := wsDial(t, g, "/live/admin", b.sessionCookie(g), "Origin: "+g.URL)
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("Bob (not in admins): status %d, want 403", resp.StatusCode)
		}
		if g.Upstream.count() != before {
			t.Fatal("the denied upgrade reached the upstream")
		}
	})
}

// TestWebSocketOrigin: cross-site WebSocket hijacking. A browser sends the
// user's cookie with a WebSocket opened by any page, also one on a sibling
// subdomain (Sec-Fetch-Site: same-site, SameSite=Lax does not stop it); only
// the Origin tells them apart.
func TestWebSocketOrigin(t *testing.T) {
	g := startGate(t, withUpstream(wsEcho), withEnv("GATEHOUSE_UPSTREAM_WEBSOCKET_ORIGINS=https://chat.example.com"))
	b := newBrowser(t)
	b.loginAlice(g)
	cookie := b.sessionCookie(g)
	otherPort := "http://127.0.0.1:1"
	if strings.HasSuffix(g.URL, ":1") {
		otherPort = "http://127.0.0.1:2"
	}
	cases := []struct {
		name   string
		header []string
		want   int
	}{
		{"public_url's origin", []string{"Origin: " + g.URL}, http.StatusSwitchingProtocols},
		{"public_url's origin, other case", []string{"Origin: " + strings.ToUpper(g.URL)}, http.StatusSwitchingProtocols},
		{"listed origin", []string{"Origin: https://chat.example.com"}, http.StatusSwitchingProtocols},
		{"listed origin with its default port", []string{"Origin: https://chat.example.com:443"}, http.StatusSwitchingProtocols},
		{"no Origin (not a browser)", nil, http.StatusSwitchingProtocols},
		{"sibling subdomain", []string{"Origin: https://evil.example.com", "Sec-Fetch-Site: same-site"}, http.StatusForbidden},
		{"listed host over http", []string{"Origin: http://chat.example.com"}, http.StatusForbidden},
		{"listed host on another port", []string{"Origin: https://chat.example.com:8443"}, http.StatusForbidden},
		{"public_url's host on another port", []string{"Origin: " + otherPort}, http.StatusForbidden},
		{"suffix of the listed host", []string{"Origin: https://chat.example.com.evil.net"}, http.StatusForbidden},
		{"null (sandboxed frame, file://)", []string{"Origin: null"}, http.StatusForbidden},
		{"two Origin lines", []string{"Origin: " + g.URL, "Origin: https://evil.example.com"}, http.StatusForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := g.Upstream.count()
			resp, c := wsDial(t, g, "/ws", cookie, tc.header...)
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
			}
			if tc.want == http.StatusSwitchingProtocols {
				c.echo(t, "ok")
				return
			}
			if g.Upstream.count() != before {
				t.Fatal("the refused handshake reached the upstream")
			}
		})
	}
}

// TestWebSocketClosedOnLogout: an open WebSocket does not outlive the
// session it was opened with; a logout handled by the same gatehouse closes
// it at once (no session check has to run: the ticker never fires here).
func TestWebSocketClosedOnLogout(t *testing.T) {
	ws := newWSEcho()
	ticks := newManualTicks()
	g := startGate(t, withUpstream(ws), withProxyOptions(proxyTicker(ticks)))
	b := newBrowser(t)
	b.loginAlice(g)
	other := newBrowser(t) // another session of the same user stays connected
	other.loginAlice(g)
	c := wsOpen(t, g, "/ws", b.sessionCookie(g), "Origin: "+g.URL)
	c.echo(t, "before logout")
	keep := wsOpen(t, g, "/ws", other.sessionCookie(g), "Origin: "+g.URL)

	if resp := b.navigate(g.URL + "/oauth2/logout"); resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusFound {
		t.Fatalf("logout: status %d", resp.StatusCode)
	}
	if !c.closedWithin(t, 5*time.Second) {
		t.Fatal("the WebSocket is still open 5s after its session was logged out")
	}
	ws.waitEnded(t)
	keep.echo(t, "other session still connected")
}
