package proxy

import (
	"net/http"
	"net/netip"
	"testing"
	"time"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestLoginLimiterBucket(t *testing.T) {
	a := netip.MustParseAddr("192.0.2.1")
	steps := []struct {
		name    string
		advance time.Duration
		takes   int // requests at this moment
		allowed int // how many of them pass
		wait    time.Duration
	}{
		{"burst passes", 0, 3, 3, 0},
		{"then refused", 0, 2, 0, 500 * time.Millisecond},
		{"half a token later", 250 * time.Millisecond, 1, 0, 250 * time.Millisecond},
		{"one token later", 250 * time.Millisecond, 2, 1, 500 * time.Millisecond},
		{"refill caps at burst", time.Hour, 4, 3, 500 * time.Millisecond},
	}
	clock := &fakeClock{t: time.Unix(1e9, 0)}
	l := newLoginLimiter(2, 3, clock.now)
	for _, s := range steps {
		clock.advance(s.advance)
		passed, lastWait := 0, time.Duration(0)
		for range s.takes {
			ok, wait := l.allow(a)
			if ok {
				passed++
			} else {
				lastWait = wait
			}
		}
		if passed != s.allowed || lastWait != s.wait {
			t.Errorf("%s: %d of %d passed (wait %v), want %d (wait %v)", s.name, passed, s.takes, lastWait, s.allowed, s.wait)
		}
	}
	if ok, _ := l.allow(netip.MustParseAddr("192.0.2.2")); !ok {
		t.Error("another address shares the first one's bucket")
	}
}

func TestLoginLimiterKeys(t *testing.T) {
	cases := []struct {
		a, b string
		same bool
	}{
		{"192.0.2.1", "192.0.2.2", false},
		{"192.0.2.1", "::ffff:192.0.2.1", true},
		{"2001:db8:1:2::1", "2001:db8:1:2:ffff::9", true}, // one /64
		{"2001:db8:1:2::1", "2001:db8:1:3::1", false},
	}
	for _, tc := range cases {
		same := limiterKey(netip.MustParseAddr(tc.a)) == limiterKey(netip.MustParseAddr(tc.b))
		if same != tc.same {
			t.Errorf("%s and %s share a bucket: %v, want %v", tc.a, tc.b, same, tc.same)
		}
	}
}

func TestLoginLimiterMemoryBounded(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1e9, 0)}
	l := newLoginLimiter(1, 1, clock.now)
	l.max = 100
	for i := range 1000 {
		l.allow(netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}))
		if len(l.buckets) > l.max {
			t.Fatalf("%d buckets after %d addresses, max %d", len(l.buckets), i+1, l.max)
		}
	}
	// An address that was just refused is not forgotten by a sweep that finds
	// refilled buckets to drop (under a flood of fresh addresses with none
	// refilled, half are dropped at random: bounded memory wins).
	clock.advance(time.Hour)
	hot := netip.MustParseAddr("192.0.2.7")
	l.allow(hot)
	if ok, _ := l.allow(hot); ok {
		t.Fatal("second request within the second passed")
	}
	for i := range 20 {
		l.allow(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}))
	}
	if len(l.buckets) > 25 {
		t.Errorf("%d buckets kept; the refilled ones should have been dropped", len(l.buckets))
	}
	if ok, _ := l.allow(hot); ok {
		t.Error("the refused address got a fresh bucket after a sweep")
	}
}

func TestLoginLimiterOff(t *testing.T) {
	if l := newLoginLimiter(0, 20, time.Now); l != nil {
		t.Fatal("rate 0 built a limiter")
	}
}

func TestClientAddr(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	cases := []struct {
		name    string
		peer    string
		trusted bool
		xff     []string
		want    string
	}{
		{"untrusted peer: its own address", "192.0.2.1:5000", false, []string{"198.51.100.9"}, "192.0.2.1"},
		{"trusted peer: last untrusted hop", "10.0.0.1:5000", true, []string{"203.0.113.5, 198.51.100.9"}, "198.51.100.9"},
		{"trusted chain skipped", "10.0.0.1:5000", true, []string{"198.51.100.9, 10.0.0.2"}, "198.51.100.9"},
		{"several lines", "10.0.0.1:5000", true, []string{"203.0.113.5", "198.51.100.9"}, "198.51.100.9"},
		{"all trusted: leftmost", "10.0.0.1:5000", true, []string{"10.0.0.3, 10.0.0.2"}, "10.0.0.3"},
		{"garbage hop: last readable", "10.0.0.1:5000", true, []string{"evil, 10.0.0.2"}, "10.0.0.2"},
		{"no header: the proxy", "10.0.0.1:5000", true, nil, "10.0.0.1"},
	}
	for _, tc := range cases {
		r := &http.Request{RemoteAddr: tc.peer, Header: http.Header{}}
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		got, ok := clientAddr(r, tc.trusted, trusted)
		if !ok || got.String() != tc.want {
			t.Errorf("%s: %v (%v), want %s", tc.name, got, ok, tc.want)
		}
	}
}
