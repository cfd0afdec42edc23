package proxy

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/config"
)

func TestRefuseProtocols(t *testing.T) {
	p := newUpgradePolicy(&config.Config{PublicURL: "https://app.example.com",
		Upstream: config.Upstream{AllowedUpgrades: []string{"websocket", "tls"}}})
	cases := []struct {
		name    string
		method  string
		upgrade []string
		want    string // "-": names no protocol
	}{
		{"websocket", http.MethodGet, []string{"websocket"}, ""},
		{"case-insensitive", http.MethodGet, []string{"WebSocket"}, ""},
		{"listed with a version", http.MethodGet, []string{"TLS/1.2"}, ""},
		{"two allowed", http.MethodGet, []string{"websocket, tls"}, ""},
		{"empty elements skipped", http.MethodGet, []string{" , websocket ,"}, ""},
		{"h2c", http.MethodGet, []string{"h2c"}, "h2c is never forwarded"},
		{"H2C", http.MethodGet, []string{"H2C"}, "h2c is never forwarded"},
		{"h2c with a version", http.MethodGet, []string{"h2c/1"}, "h2c is never forwarded"},
		{"h2c after an allowed one", http.MethodGet, []string{"websocket, h2c"}, "h2c is never forwarded"},
		{"h2c on a second line", http.MethodGet, []string{"websocket", "h2c"}, "h2c is never forwarded"},
		{"not listed", http.MethodGet, []string{"irc"}, "the protocol is not in upstream.allowed_upgrades"},
		{"prefix of a listed one", http.MethodGet, []string{"websock"}, "the protocol is not in upstream.allowed_upgrades"},
		{"websocket by POST", http.MethodPost, []string{"websocket"}, "a WebSocket handshake is a GET"},
		{"empty", http.MethodGet, []string{""}, "-"},
		{"only commas", http.MethodGet, []string{", ,"}, "-"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := &http.Request{Method: tc.method, Header: http.Header{"Upgrade": tc.upgrade}}
			named, got := p.refuseProtocols(r)
			if !named {
				got = "-"
			}
			if got != tc.want {
				t.Errorf("refuseProtocols(%q) = %q, want %q", tc.upgrade, got, tc.want)
			}
		})
	}
}

func TestNewUpgradePolicyNeverAllowsH2C(t *testing.T) {
	// Config validation refuses h2c; the proxy does not rely on it alone.
	p := newUpgradePolicy(&config.Config{Upstream: config.Upstream{AllowedUpgrades: []string{"H2C", "websocket"}}})
	if p.protocols["h2c"] || !p.protocols["websocket"] {
		t.Errorf("protocols = %v", p.protocols)
	}
}

func TestOriginAllowed(t *testing.T) {
	p := newUpgradePolicy(&config.Config{PublicURL: "https://app.example.com",
		Upstream: config.Upstream{WebSocketOrigins: []string{"https://chat.example.com:8443", "http://LOCALHOST:80"}}})
	cases := []struct {
		name   string
		origin []string
		want   bool
	}{
		{"none: not a browser", nil, true},
		{"public_url", []string{"https://app.example.com"}, true},
		{"public_url with its default port", []string{"https://app.example.com:443"}, true},
		{"public_url in upper case", []string{"HTTPS://APP.EXAMPLE.COM"}, true},
		{"listed with its port", []string{"https://chat.example.com:8443"}, true},
		{"listed, normalised", []string{"http://localhost"}, true},
		{"listed host without its port", []string{"https://chat.example.com"}, false},
		{"sibling subdomain", []string{"https://evil.example.com"}, false},
		{"other scheme", []string{"http://app.example.com"}, false},
		{"suffix", []string{"https://app.example.com.evil.net"}, false},
		{"userinfo", []string{"https://app.example.com@evil.net"}, false},
		{"path", []string{"https://app.example.com/x"}, false},
		{"null", []string{"null"}, false},
		{"empty", []string{""}, false},
		{"websocket scheme", []string{"wss://app.example.com"}, false},
		{"two lines", []string{"https://app.example.com", "https://app.example.com"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := p.originAllowed(tc.origin); got != tc.want {
				t.Errorf("originAllowed(%q) = %v, want %v", tc.origin, got, tc.want)
			}
		})
	}
}

func TestOpenUpgradesEndSessions(t *testing.T) {
	o := newOpenUpgrades(time.Minute)
	ended := map[string]int{}
	end := func(name string) context.CancelFunc { return func() { ended[name]++ } }
	o.track("s1", end("a"))
	o.track("s1", end("b"))
	untrackC := o.track("s2", end("c"))
	o.track("s3", end("d"))

	if n := o.endSessions("s1", "unknown"); n != 2 || ended["a"] != 1 || ended["b"] != 1 {
		t.Fatalf("endSessions(s1) = %d, ended %v", n, ended)
	}
	untrackC() // the connection closed on its own
	if n := o.endSessions("s2"); n != 0 || ended["c"] != 0 {
		t.Fatalf("endSessions of an untracked connection = %d, ended %v", n, ended)
	}
	if len(o.conns) != 2 { // s1 (still tracked until its handlers return) and s3
		t.Errorf("tracked sessions = %d, want 2", len(o.conns))
	}
	var nilRegistry *openUpgrades
	if n := nilRegistry.endSessions("s3"); n != 0 {
		t.Errorf("nil registry ended %d", n)
	}
}

// TestUpgradeEnded: what a session check of an open connection decides.
func TestUpgradeEnded(t *testing.T) {
	p := newHotPath(t, "http://127.0.0.1:1", nil)
	h := p.h
	cases := []struct {
		name  string
		setup func(t *testing.T) *authenticated
		want  string
	}{
		{"live session", func(t *testing.T) *authenticated {
			s, _ := p.addSession(t, providerSizedTokens())
			return &authenticated{session: s}
		}, ""},
		{"deleted", func(t *testing.T) *authenticated {
			s, _ := p.addSession(t, providerSizedTokens())
			if err := p.store.Delete(t.Context(), s.ID); err != nil {
				t.Fatal(err)
			}
			return &authenticated{session: s}
		}, "session ended"},
		{"past its absolute timeout", func(t *testing.T) *authenticated {
			s, _ := p.addSession(t, providerSizedTokens())
			h.now = func() time.Time { return s.ExpiresAt.Add(time.Second) }
			return &authenticated{session: s}
		}, "session expired"},
		{"idle too long", func(t *testing.T) *authenticated {
			s, _ := p.addSession(t, providerSizedTokens())
			h.now = func() time.Time { return s.LastSeenAt.Add(h.opts.idleTimeout) }
			return &authenticated{session: s}
		}, "session expired"},
		{"policy changed", func(t *testing.T) *authenticated {
			s, _ := p.addSession(t, providerSizedTokens())
			pol, err := authz.New(config.Authorization{AllowedGroups: []string{"nobody"}})
			if err != nil {
				t.Fatal(err)
			}
			h.policy = pol
			return &authenticated{session: s}
		}, "policy no longer allows the path"},
		{"bearer token valid", func(t *testing.T) *authenticated {
			s, _ := p.addSession(t, providerSizedTokens())
			return &authenticated{session: s, bearer: "token"}
		}, ""},
		{"bearer token expired", func(t *testing.T) *authenticated {
			s, _ := p.addSession(t, providerSizedTokens())
			h.now = func() time.Time { return s.ExpiresAt }
			return &authenticated{session: s, bearer: "token"}
		}, "bearer token expired"},
	}
	policy := h.policy
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h.now, h.policy = time.Now, policy
			auth := tc.setup(t)
			if got := h.upgradeEnded(t.Context(), authz.Request{Path: "/ws", Method: "GET", MethodKnown: true}, auth); got != tc.want {
				t.Errorf("upgradeEnded = %q, want %q", got, tc.want)
			}
		})
	}
}

type stepTicker struct{ c chan time.Time }

func (s stepTicker) C() <-chan time.Time { return s.c }
func (s stepTicker) Stop()               {}

// TestWatchUpgrade: the connection stays through checks of a live session
// and ends at the first check after the session is gone.
func TestWatchUpgrade(t *testing.T) {
	p := newHotPath(t, "http://127.0.0.1:1", nil)
	tick := stepTicker{c: make(chan time.Time)}
	var interval time.Duration
	p.h.upgrades.newTicker = func(d time.Duration) Ticker { interval = d; return tick }
	s, _ := p.addSession(t, providerSizedTokens())

	ctx, end := context.WithCancel(t.Context())
	defer end()
	done := make(chan struct{})
	go func() {
		p.h.watchUpgrade(ctx, end, authz.Request{Path: "/ws", Method: "GET", MethodKnown: true}, &authenticated{session: s})
		close(done)
	}()
	send := func() {
		t.Helper()
		select {
		case tick.c <- time.Now():
		case <-done:
			t.Fatal("watchUpgrade returned while its session was live")
		}
	}
	send()
	send() // taken only once the first check has kept the connection
	if ctx.Err() != nil {
		t.Fatal("a live session's connection was ended")
	}
	if err := p.store.Delete(t.Context(), s.ID); err != nil {
		t.Fatal(err)
	}
	// The check that the second tick started may already see the deletion.
	select {
	case tick.c <- time.Now():
	case <-done:
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("watchUpgrade did not return after the session was deleted")
	}
	if ctx.Err() == nil {
		t.Error("the connection of a deleted session was not ended")
	}
	if interval != p.cfg.Upstream.UpgradeSessionCheck {
		t.Errorf("ticker interval %s, want upstream.upgrade_session_check %s", interval, p.cfg.Upstream.UpgradeSessionCheck)
	}
}

// BenchmarkAdmitUpgrade is what every ordinary request pays for the upgrade
// rules: a browser request with Connection: keep-alive and no Upgrade.
func BenchmarkAdmitUpgrade(b *testing.B) {
	p := newHotPath(b, "http://127.0.0.1:1", nil)
	r := p.request()
	r.Header.Set("Connection", "keep-alive")
	b.ReportAllocs()
	for b.Loop() {
		if upgrade, err := p.h.admitUpgrade(r); upgrade || err != nil {
			b.Fatal("an ordinary request counted as an upgrade")
		}
	}
}
