package proxy

import (
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// loginLimiterEntries bounds the addresses the login limiter remembers: about
// 100 bytes each, so at most a few MB whatever a flood of addresses does.
const loginLimiterEntries = 50000

// loginLimiter is a token bucket per client address for /start and the
// callback: each costs a login cookie, a store call or a client-authenticated
// token request, so one address cannot make them in bulk. IPv6 addresses
// count per /64, the block one client usually holds.
type loginLimiter struct {
	rate  float64 // tokens per second
	burst float64
	max   int
	now   func() time.Time

	mu      sync.Mutex
	buckets map[netip.Addr]*tokenBucket
}

type tokenBucket struct {
	tokens float64
	at     time.Time // when tokens was computed
}

// newLoginLimiter returns nil (no limit) when rate is 0.
func newLoginLimiter(rate, burst int, now func() time.Time) *loginLimiter {
	if rate <= 0 {
		return nil
	}
	return &loginLimiter{
		rate: float64(rate), burst: float64(burst), max: loginLimiterEntries, now: now,
		buckets: map[netip.Addr]*tokenBucket{},
	}
}

// allow takes a token for addr. When none is left it returns false and how
// long until the next one.
func (l *loginLimiter) allow(addr netip.Addr) (bool, time.Duration) {
	key := limiterKey(addr)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.max {
			l.sweep(now)
		}
		b = &tokenBucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	if elapsed := now.Sub(b.at); elapsed > 0 {
		b.tokens = math.Min(l.burst, b.tokens+elapsed.Seconds()*l.rate)
	}
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	return false, wait
}

// sweep forgets every address whose bucket has refilled (forgetting it
// changes nothing). When a flood of distinct addresses leaves no such bucket,
// half of them are dropped at random: memory stays bounded, and the dropped
// addresses start again with a full bucket.
func (l *loginLimiter) sweep(now time.Time) {
	full := time.Duration(l.burst / l.rate * float64(time.Second))
	for k, b := range l.buckets {
		if now.Sub(b.at) >= full {
			delete(l.buckets, k)
		}
	}
	for k := range l.buckets {
		if len(l.buckets) < l.max/2 {
			break
		}
		delete(l.buckets, k)
	}
}

// limiterKey is addr itself for IPv4, its /64 for IPv6.
func limiterKey(addr netip.Addr) netip.Addr {
	addr = addr.Unmap()
	if addr.Is4() {
		return addr
	}
	p, _ := addr.Prefix(64)
	return p.Addr()
}

// clientAddr is the address a request comes from: the peer, or, when the
// peer is a trusted proxy, the nearest address in X-Forwarded-For that is
// not itself trusted (entries further left are whatever the client wrote).
func clientAddr(r *http.Request, trustedPeer bool, trusted []netip.Prefix) (netip.Addr, bool) {
	peer, ok := peerAddr(r)
	if !ok || !trustedPeer {
		return peer, ok
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return peer, true // a hop we cannot read: count the last one we could
		}
		a = a.Unmap()
		peer = a
		if !containsAddr(trusted, a) {
			return a, true
		}
	}
	return peer, true
}

func containsAddr(prefixes []netip.Prefix, a netip.Addr) bool {
	for _, p := range prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// checkLoginLimit refuses with 429 a login start or callback over its
// client's rate.
func (h *Handler) checkLoginLimit(r *http.Request) error {
	if h.loginLimit == nil || (r.URL.Path != h.paths.start && r.URL.Path != h.paths.callback) {
		return nil
	}
	addr, ok := clientAddr(r, requestStateFrom(r.Context()).trustedPeer, h.opts.trustedProxies)
	if !ok {
		return nil
	}
	allowed, wait := h.loginLimit.allow(addr)
	if allowed {
		return nil
	}
	h.metrics.LoginRateLimited()
	return &errRequest{status: http.StatusTooManyRequests, title: "Too many sign-in attempts",
		message: "Too many sign-in attempts came from your address. Please wait a moment and try again.",
		header:  [2]string{"Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds())))},
		reason:  "login requests over server.login_rate_limit refused (logged at most every 10s)",
		level:   zapcore.WarnLevel, repeat: true, fields: []zap.Field{zap.String("client", addr.String())}}
}
