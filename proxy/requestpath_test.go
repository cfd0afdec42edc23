package proxy

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/oidcclient"
	"github.com/gatehouse/gatehouse/internal/session"
)

// TestRequestPathDecisions runs the request path on fakes: who is sent to
// log in, who gets 401, 403 or 503, and who reaches the upstream.
func TestRequestPathDecisions(t *testing.T) {
	u := newUnit(t, "GATEHOUSE_AUTHORIZATION_ALLOWED_GROUPS=admins")
	_, alice := u.addSession(t, "alice", []string{"admins"})
	_, bob := u.addSession(t, "bob", []string{"staff"})
	tests := []struct {
		name     string
		method   string
		path     string
		header   []string
		status   int
		location string // prefix of Location
		body     string // substring of the body
	}{
		{"browser without session is sent to log in", "GET", "/app?x=1", []string{"Accept", html},
			http.StatusFound, "http://gate.test/oauth2/start?rd=%2Fapp%3Fx%3D1", ""},
		{"XHR without session gets 401", "GET", "/app", []string{"Accept", html, "X-Requested-With", "XMLHttpRequest"},
			http.StatusUnauthorized, "", `"error":"unauthorized"`},
		{"POST without session gets 401", "POST", "/app", []string{"Accept", html},
			http.StatusUnauthorized, "", "login required"},
		{"broken cookie is not logged in", "GET", "/app", []string{"Accept", api, "Cookie", "gatehouse=garbage"},
			http.StatusUnauthorized, "", "login required"},
		{"allowed user reaches the upstream", "GET", "/app", []string{"Accept", html, "Cookie", alice},
			http.StatusOK, "", "upstream"},
		{"denied user gets the page", "GET", "/app", []string{"Accept", html, "Cookie", bob},
			http.StatusForbidden, "", "Sign in as someone else"},
		{"denied API client gets JSON", "GET", "/app", []string{"Accept", api, "Cookie", bob},
			http.StatusForbidden, "", `"error":"forbidden"`},
		{"encoded slash is refused", "GET", "/a%2Fb", []string{"Accept", api, "Cookie", alice},
			http.StatusBadRequest, "", "encoded slash"},
		{"h2c upgrade is refused", "GET", "/app", []string{"Cookie", alice, "Connection", "Upgrade", "Upgrade", "h2c"},
			http.StatusBadRequest, "", "h2c is never forwarded"},
		{"userinfo without session", "GET", "/oauth2/userinfo", []string{"Accept", html},
			http.StatusUnauthorized, "", "login required"},
		{"userinfo", "GET", "/oauth2/userinfo", []string{"Cookie", alice},
			http.StatusOK, "", `"sub":"alice"`},
		{"userinfo by POST", "POST", "/oauth2/userinfo", nil,
			http.StatusMethodNotAllowed, "", "use GET"},
		{"forward-auth is off", "GET", "/oauth2/auth", []string{"Accept", html},
			http.StatusNotFound, "", "no such page"},
		{"jwks by POST", "POST", "/oauth2/jwks.json", nil,
			http.StatusMethodNotAllowed, "", "method not allowed"},
		{"jwks", "GET", "/oauth2/jwks.json", nil, http.StatusOK, "", `"keys"`},
		{"another host is misdirected", "GET", "http://evil.test/app", nil,
			http.StatusMisdirectedRequest, "", "does not answer for that host"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := u.do(tc.method, tc.path, tc.header...)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d; body %s", w.Code, tc.status, w.Body)
			}
			if !strings.HasPrefix(w.Header().Get("Location"), tc.location) {
				t.Errorf("Location %q, want prefix %q", w.Header().Get("Location"), tc.location)
			}
			contains(t, "body", w.Body.String(), tc.body)
		})
	}
}

// TestStoreDownIs503: a store that cannot answer is neither "logged in" nor
// "send to log in" (that would loop): 503 on every endpoint that needs it.
func TestStoreDownIs503(t *testing.T) {
	u := newUnit(t)
	_, cookie := u.addSession(t, "alice", nil)
	u.h.store = failingStore{u.store}
	for _, path := range []string{"/app", "/oauth2/userinfo", "/oauth2/start", "/oauth2/logout"} {
		w := u.do("GET", path, "Accept", html, "Cookie", cookie)
		if w.Code != http.StatusServiceUnavailable {
			t.Errorf("%s: status %d, want 503", path, w.Code)
		}
		contains(t, path, w.Body.String(), "session store")
	}
}

// TestRefreshDecisions: a due refresh stores new tokens; a rejected refresh
// token ends the session; a provider that fails while the access token is
// still valid keeps the session, and once it has expired answers 503.
func TestRefreshDecisions(t *testing.T) {
	due := func(s *session.Session) {
		s.AccessTokenExpiresAt = s.CreatedAt.Add(time.Minute)
		s.RefreshAt = s.CreatedAt.Add(30 * time.Second)
	}
	tests := []struct {
		name    string
		advance time.Duration
		refresh func(string) (*oidcclient.Refreshed, error)
		status  int
		kept    bool
	}{
		{"refreshed", 45 * time.Second, func(rt string) (*oidcclient.Refreshed, error) {
			if rt != "rt" {
				return nil, errors.New("wrong refresh token")
			}
			return &oidcclient.Refreshed{AccessToken: "at2", RefreshToken: "rt2", AccessTokenExpiresAt: time.Now().Add(time.Hour)}, nil
		}, http.StatusOK, true},
		{"rejected ends the session", 45 * time.Second, func(string) (*oidcclient.Refreshed, error) {
			return nil, oidcclient.ErrRefreshRejected
		}, http.StatusUnauthorized, false},
		{"provider down, token still valid", 45 * time.Second, func(string) (*oidcclient.Refreshed, error) {
			return nil, errors.New("connection refused")
		}, http.StatusOK, true},
		{"provider down, token expired", 2 * time.Minute, func(string) (*oidcclient.Refreshed, error) {
			return nil, errors.New("connection refused")
		}, http.StatusServiceUnavailable, true},
		{"not due", 10 * time.Second, nil, http.StatusOK, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := newUnit(t)
			s, cookie := u.addSession(t, "alice", nil, due)
			u.idp.refresh = tc.refresh
			u.clock.Advance(tc.advance)
			w := u.do("GET", "/app", "Accept", api, "Cookie", cookie)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d; body %s", w.Code, tc.status, w.Body)
			}
			_, err := u.store.Load(context.Background(), s.ID)
			if kept := err == nil; kept != tc.kept {
				t.Errorf("session kept %v, want %v (%v)", kept, tc.kept, err)
			}
		})
	}
}

func TestRefreshAt(t *testing.T) {
	u := newUnit(t, "GATEHOUSE_SESSION_REFRESH_BEFORE=1m")
	now := time.Unix(1_000_000, 0)
	tests := []struct {
		name    string
		exp     time.Time
		hasRT   bool
		want    time.Time
		wantNil bool
	}{
		{"no refresh token", now.Add(time.Hour), false, time.Time{}, true},
		{"no expiry", time.Time{}, true, time.Time{}, true},
		{"refresh_before ahead", now.Add(time.Hour), true, now.Add(59 * time.Minute), false},
		{"short token: half its life", now.Add(40 * time.Second), true, now.Add(20 * time.Second), false},
		{"already expired", now.Add(-time.Second), true, now.Add(-time.Second), false},
	}
	for _, tc := range tests {
		got := u.h.refreshAt(now, tc.exp, tc.hasRT)
		if tc.wantNil != got.IsZero() || (!tc.wantNil && !got.Equal(tc.want)) {
			t.Errorf("%s: refreshAt = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestTimeouts: idle and absolute timeouts end a session (and delete it).
func TestTimeouts(t *testing.T) {
	tests := []struct {
		name    string
		advance time.Duration
		status  int
	}{
		{"fresh", time.Minute, http.StatusOK},
		{"idle", 9 * time.Hour, http.StatusUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := newUnit(t, "GATEHOUSE_SESSION_IDLE_TIMEOUT=8h", "GATEHOUSE_SESSION_ABSOLUTE_TIMEOUT=24h")
			s, cookie := u.addSession(t, "alice", nil, func(s *session.Session) { s.ExpiresAt = s.CreatedAt.Add(24 * time.Hour) })
			u.clock.Advance(tc.advance)
			if w := u.do("GET", "/app", "Cookie", cookie); w.Code != tc.status {
				t.Fatalf("status %d, want %d", w.Code, tc.status)
			}
			if _, err := u.store.Load(context.Background(), s.ID); (err == nil) != (tc.status == http.StatusOK) {
				t.Errorf("session after the request: %v", err)
			}
		})
	}
}

// TestBearer: a bearer token the provider accepts is a session for this
// request; one it refuses is 401 invalid_token, never a cookie fallback.
func TestBearer(t *testing.T) {
	u := newUnit(t, "GATEHOUSE_BEARER_ENABLED=true", "GATEHOUSE_BEARER_AUDIENCES=api")
	_, cookie := u.addSession(t, "alice", nil)
	u.idp.bearer = func(token string) (map[string]any, error) {
		if token == "good" {
			return map[string]any{"sub": "svc", "exp": float64(time.Now().Add(time.Hour).Unix())}, nil
		}
		return nil, errors.New("signature")
	}
	if w := u.do("GET", "/app", "Authorization", "Bearer good"); w.Code != http.StatusOK {
		t.Errorf("good token: %d", w.Code)
	}
	w := u.do("GET", "/app", "Authorization", "Bearer bad", "Cookie", cookie)
	if w.Code != http.StatusUnauthorized || !strings.Contains(w.Header().Get("WWW-Authenticate"), "invalid_token") {
		t.Errorf("bad token: %d %q", w.Code, w.Header().Get("WWW-Authenticate"))
	}
	u.idp.bearer = func(string) (map[string]any, error) { return nil, oidcclient.ErrNotReady }
	if w := u.do("GET", "/app", "Authorization", "Bearer good"); w.Code != http.StatusServiceUnavailable {
		t.Errorf("provider not ready: %d", w.Code)
	}
}

// TestIdleSlideInterval: a session in use writes its idle timeout back once
// per 1/64 of it, within a minute and five (a quarter of a short one), and
// not on the requests in between.
func TestIdleSlideInterval(t *testing.T) {
	for _, tc := range []struct {
		idle, every time.Duration
	}{
		{8 * time.Hour, 5 * time.Minute},
		{2 * time.Hour, 2 * time.Hour / 64},
		{30 * time.Minute, time.Minute},
		{2 * time.Minute, 30 * time.Second},
	} {
		t.Run(tc.idle.String(), func(t *testing.T) {
			if got := touchEvery(tc.idle); got != tc.every {
				t.Fatalf("touchEvery(%v) = %v, want %v", tc.idle, got, tc.every)
			}
			u := newUnit(t, "GATEHOUSE_SESSION_IDLE_TIMEOUT="+tc.idle.String(), "GATEHOUSE_SESSION_ABSOLUTE_TIMEOUT=24h")
			s, cookie := u.addSession(t, "alice", nil, func(s *session.Session) { s.ExpiresAt = s.CreatedAt.Add(24 * time.Hour) })
			seen := func() time.Time {
				t.Helper()
				got, err := u.store.Load(context.Background(), s.ID)
				if err != nil {
					t.Fatal(err)
				}
				return got.LastSeenAt
			}
			login := seen()
			u.clock.Advance(tc.every - time.Second)
			if w := u.do("GET", "/app", "Cookie", cookie); w.Code != http.StatusOK {
				t.Fatalf("status %d", w.Code)
			}
			if got := seen(); !got.Equal(login) {
				t.Fatalf("written back %v after login, before the interval of %v", got.Sub(login), tc.every)
			}
			u.clock.Advance(time.Second)
			if w := u.do("GET", "/app", "Cookie", cookie); w.Code != http.StatusOK {
				t.Fatalf("status %d", w.Code)
			}
			if got := seen(); !got.Equal(u.clock.Now()) {
				t.Fatalf("last seen %v after the interval, want now (%v)", got, u.clock.Now())
			}
		})
	}
}
