package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testidp"
)

// rawRequest sends req (a whole HTTP/1.1 request) on a new connection and
// returns the status code of the answer (0 when the connection was closed
// without one).
func rawRequest(t *testing.T, g *gate, req string) int {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(g.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatalf("write: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// TestHostileRequestsAreRefusedCheaply sends oversized and malformed
// requests: each gets a 4xx without a single store command, and gatehouse
// keeps serving.
func TestHostileRequestsAreRefusedCheaply(t *testing.T) {
	g := startGate(t, withStore("redis"))
	host := strings.TrimPrefix(g.URL, "http://")
	junkSession := "gatehouse=" + strings.Repeat("A", 60)
	cases := []struct {
		name   string
		req    func() *http.Request
		raw    string // sent as is on a connection, instead of req
		status int
	}{
		{name: "64 KiB Cookie header", status: http.StatusRequestHeaderFieldsTooLarge, req: func() *http.Request {
			return navReq(g.URL+"/app", "Cookie", "big="+strings.Repeat("x", 64<<10))
		}},
		{name: "300 cookies", status: http.StatusFound, req: func() *http.Request {
			var parts []string
			for i := range 300 {
				if i%3 == 0 {
					parts = append(parts, junkSession) // a hundred session cookies that do not decode
				} else {
					parts = append(parts, fmt.Sprintf("c%d=v%d", i, i))
				}
			}
			return navReq(g.URL+"/app", "Cookie", strings.Join(parts, "; "))
		}},
		{name: "10 KiB session cookie", status: http.StatusFound, req: func() *http.Request {
			return navReq(g.URL+"/app", "Cookie", "gatehouse="+strings.Repeat("A", 10<<10))
		}},
		{name: "100 KiB state", status: http.StatusRequestHeaderFieldsTooLarge, req: func() *http.Request {
			return navReq(g.URL + "/oauth2/callback?code=c&state=" + strings.Repeat("s", 100<<10))
		}},
		{name: "20 KiB state", status: http.StatusBadRequest, req: func() *http.Request {
			return navReq(g.URL + "/oauth2/callback?code=c&state=" + strings.Repeat("s", 20<<10))
		}},
		{name: "%zz in state", status: http.StatusBadRequest, req: func() *http.Request {
			return navReq(g.URL + "/oauth2/callback?code=c&state=%zz")
		}},
		{name: "%00 in state", status: http.StatusBadRequest, req: func() *http.Request {
			return navReq(g.URL + "/oauth2/callback?code=c&state=a%00b")
		}},
		{name: "%zz in code", status: http.StatusBadRequest, req: func() *http.Request {
			return navReq(g.URL + "/oauth2/callback?code=%zz&state=s")
		}},
		{name: "%zz in the path", status: http.StatusBadRequest, raw: "GET /a%zz HTTP/1.1\r\nHost: " + host + "\r\nAccept: text/html\r\n\r\n"},
		{name: "raw NUL in the query", status: http.StatusBadRequest,
			raw: "GET /oauth2/callback?state=a\x00b HTTP/1.1\r\nHost: " + host + "\r\n\r\n"},
		{name: "raw NUL in a header", status: http.StatusBadRequest,
			raw: "GET /app HTTP/1.1\r\nHost: " + host + "\r\nCookie: gatehouse=a\x00b\r\n\r\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := g.Redis.DataCalls(t)
			var status int
			if tc.raw != "" {
				status = rawRequest(t, g, tc.raw)
			} else {
				resp, err := http.DefaultTransport.RoundTrip(tc.req())
				if err != nil {
					t.Fatal(err)
				}
				_ = resp.Body.Close()
				status = resp.StatusCode
			}
			if status != tc.status {
				t.Errorf("status %d, want %d", status, tc.status)
			}
			if n := g.Redis.DataCalls(t) - before; n != 0 {
				t.Errorf("%d store commands for a request that carries no usable session or state", n)
			}
		})
	}
	if g.Upstream.count() != 0 {
		t.Errorf("upstream got %d requests", g.Upstream.count())
	}
	// Still up, and still logging people in.
	b := newBrowser(t)
	b.loginAlice(g)
	if resp := b.navigate(g.URL + "/app"); resp.StatusCode != http.StatusOK {
		t.Fatalf("after the hostile requests a login does not work: status %d", resp.StatusCode)
	}
}

func navReq(target string, header ...string) *http.Request {
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		panic(err)
	}
	req.Header.Set("Accept", "text/html")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return req
}

// TestTwoSessionCookiesNeverMixIdentities: a request carrying the session
// cookies of two users is served as exactly one of them — the first cookie
// that names a live session — in either order.
func TestTwoSessionCookiesNeverMixIdentities(t *testing.T) {
	bothStores(t, func(t *testing.T, store string) {
		g := startGate(t, withStore(store))
		alice, bob := newBrowser(t), newBrowser(t)
		alice.loginAlice(g)
		bob.login(g, "/", testidp.Bob.Username, testidp.Bob.Password)
		a, b := "gatehouse="+alice.sessionCookie(g), "gatehouse="+bob.sessionCookie(g)
		stale := "gatehouse=" + strings.Repeat("A", 300)
		for _, tc := range []struct {
			cookie string
			want   string
		}{
			{a + "; " + b, testidp.Alice.ID},
			{b + "; " + a, testidp.Bob.ID},
			{stale + "; " + b + "; " + a, testidp.Bob.ID},
		} {
			for range 3 { // the same answer every time
				resp, err := http.DefaultTransport.RoundTrip(navReq(g.URL+"/app", "Cookie", tc.cookie))
				if err != nil {
					t.Fatal(err)
				}
				_ = resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("status %d, want 200", resp.StatusCode)
				}
				got := g.Upstream.last(t).Header
				user, email := got.Get("X-Forwarded-User"), got.Get("X-Forwarded-Email")
				wantEmail := testidp.Alice.Email
				if tc.want == testidp.Bob.ID {
					wantEmail = testidp.Bob.Email
				}
				if user != tc.want || email != wantEmail {
					t.Fatalf("cookies %.40s...: upstream saw user %q email %q, want %q %q", tc.cookie, user, email, tc.want, wantEmail)
				}
			}
		}
	})
}

// TestSessionCookieFoundOnlyByItsName: a valid session cookie value counts
// only under the session cookie's exact name; sent under a lookalike name it
// is not a login. Quoted (RFC 6265) or on a second Cookie line it is.
func TestSessionCookieFoundOnlyByItsName(t *testing.T) {
	g := startGate(t)
	alice := newBrowser(t)
	alice.loginAlice(g)
	v := alice.sessionCookie(g)
	for _, tc := range []struct {
		name     string
		lines    []string
		loggedIn bool
	}{
		{"exact name", []string{"gatehouse=" + v}, true},
		{"quoted value", []string{`gatehouse="` + v + `"`}, true},
		{"among app cookies, no spaces", []string{"a=1;gatehouse=" + v + ";b=2"}, true},
		{"second Cookie line", []string{"a=1", "gatehouse=" + v}, true},
		{"name with a suffix", []string{"gatehousex=" + v}, false},
		{"name with a prefix", []string{"xgatehouse=" + v}, false},
		{"name in upper case", []string{"GATEHOUSE=" + v}, false},
		{"name with a space inside", []string{"gate house=" + v}, false},
		{"value without its name", []string{v}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := navReq(g.URL + "/app")
			req.Header["Cookie"] = tc.lines
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if tc.loggedIn {
				if resp.StatusCode != http.StatusOK || g.Upstream.last(t).Header.Get("X-Forwarded-User") != testidp.Alice.ID {
					t.Fatalf("status %d: want 200 as alice", resp.StatusCode)
				}
				return
			}
			if resp.StatusCode != http.StatusFound || !strings.Contains(resp.Header.Get("Location"), "/oauth2/start") {
				t.Fatalf("status %d, Location %q: want a redirect to log in", resp.StatusCode, resp.Header.Get("Location"))
			}
		})
	}
}

// TestSlowlorisIsCutOff: a client that sends its headers a byte at a time
// slower than server.read_header_timeout loses its connection before it
// finishes.
func TestSlowlorisIsCutOff(t *testing.T) {
	g := startGate(t, withEnv("GATEHOUSE_SERVER_READ_HEADER_TIMEOUT=300ms"))
	conn, err := net.Dial("tcp", strings.TrimPrefix(g.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	request := "GET /app HTTP/1.1\r\nHost: gatehouse\r\nX-Slow: " + strings.Repeat("a", 200) + "\r\n\r\n"
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		_, _ = io.Copy(io.Discard, conn) // returns when gatehouse closes the connection
	}()
	sent := 0
	for ; sent < len(request); sent++ {
		select {
		case <-closed:
		case <-time.After(50 * time.Millisecond):
			if _, err := conn.Write([]byte{request[sent]}); err == nil {
				continue
			}
		}
		break
	}
	if sent == len(request) {
		t.Fatalf("gatehouse read a %d-byte header sent over %s without cutting the client off",
			len(request), time.Duration(len(request))*50*time.Millisecond)
	}
}
