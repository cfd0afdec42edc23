package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testidp"
)

// TestUserSessionsEndOtherOnEveryReplica: Alice logs in on a laptop at
// replica A and on a phone at replica B (real Redis). Each sees both
// sessions, with device, masked network and "this device" on its own. The
// laptop ends the phone's session on A: the phone is logged out at its next
// request on A and on B, the laptop is not. Then "all others".
func TestUserSessionsEndOtherOnEveryReplica(t *testing.T) {
	a, b := startPair(t)
	laptop := newDevice(t, "User-Agent", uaFirefoxWindows)
	phone := newDevice(t, "User-Agent", uaChromeAndroid)
	laptop.loginAlice(a)
	phone.loginAlice(b)

	byLaptop := laptop.mySessions(a)
	if len(byLaptop) != 2 {
		t.Fatalf("the laptop sees %d sessions, want 2: %+v", len(byLaptop), byLaptop)
	}
	mine := current(t, byLaptop)
	if mine.Device != "Firefox on Windows" || mine.Address != "127.0.0.0/24" {
		t.Errorf("the laptop's own session shows %q from %q, want Firefox on Windows from 127.0.0.0/24", mine.Device, mine.Address)
	}
	byPhone := phone.mySessions(b) // the other replica lists the same sessions
	phoneOwn := current(t, byPhone)
	if phoneOwn.Device != "Chrome on Android" || phoneOwn.ID == mine.ID {
		t.Fatalf("the phone's own session is %+v (laptop's %s)", phoneOwn, mine.ID)
	}
	for _, s := range byLaptop {
		if !s.Current && s.ID != phoneOwn.ID {
			t.Fatalf("the laptop lists %s as the other session, the phone calls itself %s", s.ID, phoneOwn.ID)
		}
		if s.CreatedAt.IsZero() || s.LastSeenAt.IsZero() {
			t.Errorf("session %s without created or last seen time", s.ID)
		}
	}
	// Nothing listed can act as a session: no session id, no cookie.
	assertNoSecrets(t, a, laptop.api(a.URL+"/oauth2/sessions"), laptop, phone)

	// Warm both replicas' caches with the phone's session.
	for range 3 {
		for _, g := range []*gate{a, b} {
			if resp := phone.api(g.URL + "/app"); resp.StatusCode != http.StatusOK {
				t.Fatalf("phone before: status %d at %s", resp.StatusCode, g.URL)
			}
		}
	}
	resp := laptop.endSession(a, phoneOwn.ID)
	var result struct {
		Ended     int  `json:"ended"`
		SignedOut bool `json:"signed_out"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&result) != nil || result.Ended != 1 || result.SignedOut {
		t.Fatalf("ending the phone's session: status %d, %+v; want 200 {ended:1, signed_out:false}", resp.StatusCode, result)
	}
	phone.loggedOutWithin(a, 0)
	if stale := phone.loggedOutWithin(b, time.Second); stale > 0 {
		t.Logf("replica B let %d request(s) of the ended session through before Redis's invalidation arrived", stale)
	}
	for _, g := range []*gate{a, b} {
		if resp := laptop.api(g.URL + "/app"); resp.StatusCode != http.StatusOK {
			t.Fatalf("the laptop lost its own session at %s: status %d", g.URL, resp.StatusCode)
		}
	}
	if list := laptop.mySessions(b); len(list) != 1 || !list[0].Current {
		t.Fatalf("after ending the phone, the laptop sees %+v, want only itself", list)
	}

	// End all others: two more devices go, the laptop stays.
	tablet := newDevice(t, "User-Agent", uaSafariMac)
	phone.loginAlice(b)
	tablet.loginAlice(a)
	if n := len(laptop.mySessions(a)); n != 3 {
		t.Fatalf("the laptop sees %d sessions, want 3", n)
	}
	resp = laptop.endSession(b, "all_others")
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&result) != nil || result.Ended != 2 {
		t.Fatalf("all_others: status %d, %+v; want 200 {ended:2}", resp.StatusCode, result)
	}
	for _, dev := range []*browser{phone, tablet} {
		dev.loggedOutWithin(b, 0)
		dev.loggedOutWithin(a, time.Second)
	}
	if list := laptop.mySessions(a); len(list) != 1 || !list[0].Current {
		t.Fatalf("after all_others, the laptop sees %+v, want only itself", list)
	}
}

// assertNoSecrets fails when the sessions page's answer holds a session id
// (the Redis key) or a cookie value of the browsers.
func assertNoSecrets(t *testing.T, g *gate, resp *http.Response, browsers ...*browser) {
	t.Helper()
	body, _ := io.ReadAll(resp.Body)
	rc := g.Redis.Client()
	keys, err := rc.Do(context.Background(), rc.B().Keys().Pattern("gatehouse:s:*").Build()).AsStrSlice()
	if err != nil || len(keys) == 0 {
		t.Fatalf("session keys: %q, %v", keys, err)
	}
	for _, k := range keys {
		if id := strings.TrimPrefix(k, "gatehouse:s:"); strings.Contains(string(body), id) {
			t.Errorf("the sessions answer holds the session id %s", id)
		}
	}
	for _, br := range browsers {
		if c := br.sessionCookie(g); c == "" || strings.Contains(string(body), c) {
			t.Errorf("the sessions answer holds a session cookie (or the browser has none)")
		}
	}
}

// TestUserSessionsOtherUsersHash: a user who names another user's session
// (whose hash leaks, e.g. through the assertion's sid) gets 404, and that
// session lives on.
func TestUserSessionsOtherUsersHash(t *testing.T) {
	g := startGate(t, withStore("redis"))
	alice, bob := newBrowser(t), newBrowser(t)
	alice.loginAlice(g)
	bob.login(g, "/", testidp.Bob.Username, testidp.BobPassword)
	bobs := current(t, bob.mySessions(g))
	for _, what := range []string{bobs.ID, "not-a-session", strings.Repeat("A", 22)} {
		if resp := alice.endSession(g, what); resp.StatusCode != http.StatusNotFound {
			t.Errorf("Alice ending %q: status %d, want 404", what, resp.StatusCode)
		}
	}
	if resp := bob.api(g.URL + "/app"); resp.StatusCode != http.StatusOK {
		t.Fatalf("Bob's session after Alice named it: status %d, want 200", resp.StatusCode)
	}
	if list := alice.mySessions(g); len(list) != 1 {
		t.Fatalf("Alice sees %d sessions, want only her own (not Bob's)", len(list))
	}
	// all_others ends only Alice's other sessions, never Bob's.
	if resp := alice.endSession(g, "all_others"); resp.StatusCode != http.StatusOK {
		t.Fatalf("all_others: status %d", resp.StatusCode)
	}
	if resp := bob.api(g.URL + "/app"); resp.StatusCode != http.StatusOK {
		t.Fatalf("Bob's session after Alice's all_others: status %d, want 200", resp.StatusCode)
	}
}

// TestUserSessionsCrossSitePostRefused: a POST that another site's page
// makes (the browser attaches the victim's cookie) is refused with 403 and
// ends nothing, whichever header tells it: Sec-Fetch-Site, Origin, Referer,
// or none at all (the rule of logout POSTs).
func TestUserSessionsCrossSitePostRefused(t *testing.T) {
	g := startGate(t)
	victim, other := newBrowser(t), newBrowser(t)
	victim.loginAlice(g)
	other.loginAlice(g)
	target := current(t, other.mySessions(g)).ID
	cookie := "gatehouse=" + victim.sessionCookie(g)
	evil := "https://evil.example"
	for _, tc := range []struct {
		name   string
		header []string
	}{
		{"Sec-Fetch-Site cross-site", []string{"Sec-Fetch-Site", "cross-site", "Origin", evil}},
		{"Sec-Fetch-Site same-site", []string{"Sec-Fetch-Site", "same-site", "Origin", "http://sub." + strings.TrimPrefix(g.URL, "http://")}},
		{"Sec-Fetch-Site wins over a same-origin Origin", []string{"Sec-Fetch-Site", "cross-site", "Origin", g.URL}},
		{"Origin of another site", []string{"Origin", evil}},
		{"Origin null", []string{"Origin", "null"}},
		{"Referer of another site", []string{"Referer", evil + "/page"}},
		{"no origin at all", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, form := range []string{"end=" + target, "end=all_others"} {
				resp := rawPost(t, g, "/oauth2/sessions", form, append([]string{"Cookie", cookie, "Accept", "application/json"}, tc.header...)...)
				if resp.StatusCode != http.StatusForbidden {
					t.Errorf("%s: status %d, want 403", form, resp.StatusCode)
				}
			}
		})
	}
	if resp := other.api(g.URL + "/app"); resp.StatusCode != http.StatusOK {
		t.Fatalf("the targeted session after cross-site POSTs: status %d, want 200", resp.StatusCode)
	}
	// The same request from gatehouse's own origin ends it.
	resp := rawPost(t, g, "/oauth2/sessions", "end="+target, "Cookie", cookie, "Accept", "application/json", "Origin", g.URL)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("same-origin POST: status %d, want 200", resp.StatusCode)
	}
	if resp := other.api(g.URL + "/app"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("the ended session: status %d, want 401", resp.StatusCode)
	}
}

// TestUserSessionsOldRecord: a session stored before gatehouse recorded
// devices (its Redis record without the device and address fields) is listed
// as "Unknown device" without a network, and still works.
func TestUserSessionsOldRecord(t *testing.T) {
	g := startGate(t, withStore("redis"))
	b := newDevice(t, "User-Agent", uaFirefoxWindows)
	b.loginAlice(g)
	rc := g.Redis.Client()
	ctx := context.Background()
	keys, err := rc.Do(ctx, rc.B().Keys().Pattern("gatehouse:s:*").Build()).AsStrSlice()
	if err != nil || len(keys) != 1 {
		t.Fatalf("session keys = %q, %v; want one", keys, err)
	}
	record, err := rc.Do(ctx, rc.B().Get().Key(keys[0]).Build()).ToString()
	if err != nil {
		t.Fatal(err)
	}
	old := oldFields.ReplaceAllString(record, "")
	if old == record {
		t.Fatalf("the record holds no device or address field: %.200q", record)
	}
	if err := rc.Do(ctx, rc.B().Set().Key(keys[0]).Value(old).Keepttl().Build()).Error(); err != nil {
		t.Fatal(err)
	}
	s := current(t, b.mySessions(g))
	if s.Device != "Unknown device" || s.Address != "" {
		t.Errorf("old record listed as %q from %q, want Unknown device without a network", s.Device, s.Address)
	}
}

// oldFields are the JSON fields of a session record that records from before
// the sessions page lack.
var oldFields = regexp.MustCompile(`,"(dev|addr)":"[^"]*"`)
