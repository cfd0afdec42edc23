package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Helpers of the sessions page tests (usersessions_*_test.go).

// The User-Agents the test browsers present.
const (
	uaFirefoxWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
	uaChromeAndroid  = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"
	uaSafariMac      = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15"
)

// listedSession is one entry of GET /oauth2/sessions as JSON.
type listedSession struct {
	ID         string    `json:"id"`
	Current    bool      `json:"current"`
	Device     string    `json:"device"`
	Address    string    `json:"address"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
}

// headerTransport adds fixed headers (a User-Agent, X-Forwarded-For) to
// every request of a test browser, as a real browser sends its own.
type headerTransport struct{ header []string }

func (h headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	for i := 0; i+1 < len(h.header); i += 2 {
		req.Header.Set(h.header[i], h.header[i+1])
	}
	return http.DefaultTransport.RoundTrip(req)
}

// newDevice is a test browser that sends these headers on every request.
func newDevice(t *testing.T, header ...string) *browser {
	b := newBrowser(t)
	b.Transport = headerTransport{header: header}
	return b
}

// mySessions lists the browser's user's sessions as JSON at g.
func (b *browser) mySessions(g *gate) []listedSession {
	b.t.Helper()
	resp := b.api(g.URL + "/oauth2/sessions")
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		b.t.Fatalf("GET /oauth2/sessions at %s: status %d: %s", g.URL, resp.StatusCode, body)
	}
	var list struct {
		Sessions []listedSession `json:"sessions"`
		Total    int             `json:"total"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		b.t.Fatalf("sessions JSON: %v", err)
	}
	if list.Total != len(list.Sessions) {
		b.t.Fatalf("total %d, but %d sessions listed", list.Total, len(list.Sessions))
	}
	return list.Sessions
}

// current returns the listed session marked as this device.
func current(t *testing.T, list []listedSession) listedSession {
	t.Helper()
	var found []listedSession
	for _, s := range list {
		if s.Current {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d sessions marked current, want 1: %+v", len(found), list)
	}
	return found[0]
}

// endSession POSTs end=<what> to g's sessions page as gatehouse's own page
// does (same origin), asking for JSON.
func (b *browser) endSession(g *gate, what string) *http.Response {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, g.URL+"/oauth2/sessions", strings.NewReader(url.Values{"end": {what}}.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", g.URL)
	return b.do(req)
}

// rawPost sends a raw form POST for target to g with the given headers, as
// another site's page (or an attacker's script) would, and returns the
// response with its body read.
func rawPost(t *testing.T, g *gate, target, form string, header ...string) *http.Response {
	t.Helper()
	host := strings.TrimPrefix(g.URL, "http://")
	header = append([]string{"Content-Type", "application/x-www-form-urlencoded", "Content-Length", strconv.Itoa(len(form))}, header...)
	return rawSend(t, host, host, "POST", target, form, header...)
}

// loggedOutWithin asks g with b's cookie until it answers 401: at once on
// the replica that ended the session; another replica learns of the
// deletion from Redis's invalidation push a moment later (see
// TestRevocationReachesOtherReplica), so up to a second is allowed there. It
// returns how many requests were still let through.
func (b *browser) loggedOutWithin(g *gate, limit time.Duration) int {
	b.t.Helper()
	deadline := time.Now().Add(limit)
	for stale := 0; ; stale++ {
		resp := b.api(g.URL + "/app")
		if resp.StatusCode == http.StatusUnauthorized {
			return stale
		}
		if resp.StatusCode != http.StatusOK || time.Now().After(deadline) {
			b.t.Fatalf("ended session at %s: status %d after %d requests, want 401 within %v", g.URL, resp.StatusCode, stale+1, limit)
		}
		time.Sleep(2 * time.Millisecond)
	}
}
