package e2e

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/session"
	"github.com/gatehouse/gatehouse/internal/testutil"
)

// TestClientGoneDuringRefreshWaitIsNoOutage: a client that hangs up while
// its request waits for another request's token refresh is counted as
// client_gone, not as a session store outage (which pages someone).
func TestClientGoneDuringRefreshWaitIsNoOutage(t *testing.T) {
	clock := newClock()
	g := startGate(t, clockTokens(clock, withStore("redis"))...)
	b := newBrowser(t)
	b.loginAlice(g)
	keys := g.Redis.Keys(t, "gatehouse:s:*")
	if len(keys) != 1 {
		t.Fatalf("sessions in Redis: %v", keys)
	}
	id := strings.TrimPrefix(keys[0], "gatehouse:s:")
	// Another replica holds the session's refresh lock and never finishes;
	// with the access token expired, the request has to wait for it.
	g.Redis.Do("SET", "gatehouse:lock:refresh:"+session.HashID(id), "another-replica", "PX", "60000")
	clock.Advance(untilExpired)

	conn, err := net.Dial("tcp", strings.TrimPrefix(g.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "GET /api/items HTTP/1.1\r\nHost: %s\r\nAccept: application/json\r\nCookie: gatehouse=%s\r\n\r\n",
		strings.TrimPrefix(g.URL, "http://"), b.sessionCookie(g))
	// No answer while the other refresh is under way: the request waits.
	_ = conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if _, err := conn.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read while waiting for the refresh: %v, want a timeout", err)
	}
	_ = conn.Close()

	var got map[string]float64
	testutil.Eventually(t, "the hang-up to be counted", recoveryWait, func() bool {
		got = scrape(t, g)
		return got[`gatehouse_requests_total{outcome="client_gone"}`]+
			got[`gatehouse_requests_total{outcome="store_unavailable"}`] > 0
	})
	for series, want := range map[string]float64{
		`gatehouse_requests_total{outcome="client_gone"}`:       1,
		`gatehouse_requests_total{outcome="store_unavailable"}`: 0,
	} {
		if got[series] != want {
			t.Errorf("%s = %v, want %v", series, got[series], want)
		}
	}
	// The session survives: nobody refreshed it, nobody ended it.
	if keys := g.Redis.Keys(t, "gatehouse:s:*"); len(keys) != 1 {
		t.Errorf("sessions after the hang-up: %v", keys)
	}
}
