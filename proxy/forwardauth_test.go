package proxy

import (
	"net/http"
	"testing"
)

// TestForwardAuthDecisions: forward-auth answers a proxy: 202 with the
// identity, 401 with the login URL, 403 as JSON whatever the browser
// behind it accepts.
func TestForwardAuthDecisions(t *testing.T) {
	u := newUnit(t, "GATEHOUSE_FORWARD_AUTH_ENABLED=true", "GATEHOUSE_TRUSTED_PROXIES=192.0.2.1",
		"GATEHOUSE_AUTHORIZATION_ALLOWED_GROUPS=admins")
	_, alice := u.addSession(t, "alice", []string{"admins"})
	_, bob := u.addSession(t, "bob", []string{"staff"})
	tests := []struct {
		name   string
		header []string
		status int
		check  func(t *testing.T, h http.Header, body string)
	}{
		{"allowed", []string{"Cookie", alice + "; app=1", "X-Original-URI", "/app"}, http.StatusAccepted,
			func(t *testing.T, h http.Header, _ string) {
				if h.Get("Cookie") != "app=1" {
					t.Errorf("Cookie for the app %q, want app=1", h.Get("Cookie"))
				}
			}},
		{"not logged in, API", []string{"X-Original-URI", "/app?x=1"}, http.StatusUnauthorized,
			func(t *testing.T, h http.Header, _ string) {
				if h.Get(loginURLHeader) != "http://gate.test/oauth2/start?rd=%2Fapp%3Fx%3D1" {
					t.Errorf("%s %q", loginURLHeader, h.Get(loginURLHeader))
				}
			}},
		{"not logged in, browser", []string{"Accept", html, "X-Original-URI", "/app"}, http.StatusUnauthorized,
			func(t *testing.T, _ http.Header, body string) { contains(t, "page", body, "Sign-in required") }},
		{"denied", []string{"Accept", html, "Cookie", bob, "X-Original-URI", "/app"}, http.StatusForbidden,
			func(t *testing.T, _ http.Header, body string) { contains(t, "JSON", body, `"error":"forbidden"`) }},
		{"ambiguous original path", []string{"Cookie", alice, "X-Original-URI", "/a%2Fb"}, http.StatusForbidden,
			func(t *testing.T, _ http.Header, body string) { contains(t, "JSON", body, "ambiguous") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := u.do("GET", "/oauth2/auth", tc.header...)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d; %s", w.Code, tc.status, w.Body)
			}
			tc.check(t, w.Header(), w.Body.String())
		})
	}
}
