package proxy

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/oidcclient"
	"github.com/gatehouse/gatehouse/internal/session"
)

// startLogin runs /start and returns the state and the login cookie line.
func (u *unit) startLogin(t *testing.T, rd string) (state, cookie string) {
	t.Helper()
	w := u.do("GET", "/oauth2/start?rd="+url.QueryEscape(rd), "Accept", html)
	if w.Code != http.StatusFound {
		t.Fatalf("start: %d %s", w.Code, w.Body)
	}
	loc, err := url.Parse(w.Header().Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, c := range w.Result().Cookies() {
		if c.MaxAge >= 0 && c.Value != "" {
			lines = append(lines, c.Name+"="+c.Value)
		}
	}
	return loc.Query().Get("state"), strings.Join(lines, "; ")
}

func aliceLogin(string) (*oidcclient.Result, error) {
	return &oidcclient.Result{
		IDToken:              "e30.e30.c2ln", // a compact JWS with an empty payload: acr and auth_time are read from it AccessToken: "at", RefreshToken: "rt",
		AccessTokenExpiresAt: time.Now().Add(time.Hour), SessionID: "sid-1",
		Claims: map[string]any{"sub": "alice", "email": "alice@example.com", "groups": []any{"admins"}},
	}, nil
}

// TestLoginFlow: start and callback on a fake provider create a session and
// return to rd; the same callback again is refused.
func TestLoginFlow(t *testing.T) {
	u := newUnit(t)
	u.idp.exchange = aliceLogin
	state, cookie := u.startLogin(t, "/after")
	callback := "/oauth2/callback?state=" + state + "&code=c1"
	w := u.do("GET", callback, "Accept", html, "Cookie", cookie)
	if w.Code != http.StatusFound || w.Header().Get("Location") != "/after" {
		t.Fatalf("callback: %d to %q; %s", w.Code, w.Header().Get("Location"), w.Body)
	}
	var sessionLine string
	for _, c := range w.Result().Cookies() {
		if c.Name == u.h.cookies.sessionName {
			sessionLine = c.Name + "=" + c.Value
		}
	}
	if w := u.do("GET", "/oauth2/userinfo", "Cookie", sessionLine); !strings.Contains(w.Body.String(), `"email":"alice@example.com"`) {
		t.Errorf("userinfo after login: %d %s", w.Code, w.Body)
	}
	if w := u.do("GET", callback, "Accept", html, "Cookie", cookie); w.Code != http.StatusBadRequest ||
		!strings.Contains(w.Body.String(), "already used") {
		t.Errorf("replayed callback: %d %s", w.Code, w.Body)
	}
}

// TestCallbackRefusals: each way a callback can fail, with its status and
// the words the page says.
func TestCallbackRefusals(t *testing.T) {
	tests := []struct {
		name   string
		query  string // after state=<state>
		setup  func(*unit)
		status int
		body   string
	}{
		{"provider denied", "&error=access_denied", nil, http.StatusForbidden, "denied access"},
		{"provider needs login", "&error=login_required", nil, http.StatusUnauthorized, "requires you to sign in"},
		{"provider down", "&error=server_error", nil, http.StatusServiceUnavailable, "temporarily unavailable"},
		{"other provider error", "&error=%3Cscript%3E", nil, http.StatusBadRequest, "reported an error"},
		{"no code", "", nil, http.StatusBadRequest, "missing or repeated code"},
		{"exchange fails", "&code=c", func(u *unit) {
			u.idp.exchange = func(string) (*oidcclient.Result, error) { return nil, errors.New("bad signature") }
		}, http.StatusBadRequest, "could not be verified"},
		{"provider not ready", "&code=c", func(u *unit) {
			u.idp.exchange = func(string) (*oidcclient.Result, error) { return nil, oidcclient.ErrNotReady }
		}, http.StatusServiceUnavailable, "cannot be reached"},
		{"no subject", "&code=c", func(u *unit) {
			u.idp.exchange = func(string) (*oidcclient.Result, error) {
				return &oidcclient.Result{Claims: map[string]any{"email": "x@example.com"}}, nil
			}
		}, http.StatusBadRequest, "could not be verified"},
		{"issuer of another provider", "&code=c", func(u *unit) {
			u.idp.issuerErr = errors.New("iss mismatch")
		}, http.StatusBadRequest, "could not be verified"},
		{"issuer mismatch at discovery", "&code=c", func(u *unit) {
			u.idp.issuerErr = errors.Join(oidcclient.ErrNotReady, oidcclient.ErrIssuerMismatch)
		}, http.StatusServiceUnavailable, "misconfigured"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := newUnit(t)
			state, cookie := u.startLogin(t, "/")
			if tc.setup != nil {
				tc.setup(u)
			}
			w := u.do("GET", "/oauth2/callback?state="+state+tc.query, "Accept", html, "Cookie", cookie)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d; %s", w.Code, tc.status, w.Body)
			}
			contains(t, "page", w.Body.String(), tc.body)
		})
	}
}

func TestLoginRequestRefusals(t *testing.T) {
	u := newUnit(t)
	tests := []struct {
		name, method, path string
		status             int
		body               string
	}{
		{"start by POST", "POST", "/oauth2/start", http.StatusMethodNotAllowed, "Use GET"},
		{"callback by POST", "POST", "/oauth2/callback", http.StatusMethodNotAllowed, "GET only"},
		{"callback without state", "GET", "/oauth2/callback?code=c", http.StatusBadRequest, "missing or repeated state"},
		{"callback of another browser", "GET", "/oauth2/callback?state=s&code=c", http.StatusBadRequest, "another browser"},
	}
	for _, tc := range tests {
		w := u.do(tc.method, tc.path, "Accept", html)
		if w.Code != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, w.Code, tc.status)
		}
		contains(t, tc.name, w.Body.String(), tc.body)
	}
	u.idp.notReady = true
	if w := u.do("GET", "/oauth2/start", "Accept", api); w.Code != http.StatusServiceUnavailable {
		t.Errorf("start, provider not ready: %d", w.Code)
	}
}

// TestLogoutOriginRules: same-origin or unknown GETs log out at once;
// another site's GET gets a confirmation page, its POST is refused.
func TestLogoutOriginRules(t *testing.T) {
	tests := []struct {
		name   string
		method string
		header []string
		status int
		ended  bool
		body   string
	}{
		{"typed URL", "GET", []string{"Sec-Fetch-Site", "none"}, http.StatusFound, true, ""},
		{"no origin at all", "GET", nil, http.StatusFound, true, ""},
		{"same-origin POST", "POST", []string{"Origin", "http://gate.test"}, http.StatusFound, true, ""},
		{"cross-site GET asks first", "GET", []string{"Referer", "https://evil.test/page"}, http.StatusOK, false, "<form"},
		{"cross-site POST", "POST", []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden, false, "another site"},
		{"POST without origin", "POST", nil, http.StatusForbidden, false, "another site"},
		{"PUT", "PUT", nil, http.StatusMethodNotAllowed, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := newUnit(t)
			s, cookie := u.addSession(t, "alice", nil)
			w := u.do(tc.method, "/oauth2/logout", append([]string{"Accept", html, "Cookie", cookie}, tc.header...)...)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d; %s", w.Code, tc.status, w.Body)
			}
			_, err := u.store.Load(context.Background(), s.ID)
			if ended := errors.Is(err, session.ErrNotFound); ended != tc.ended {
				t.Errorf("session ended %v, want %v", ended, tc.ended)
			}
			if tc.ended && !strings.HasPrefix(w.Header().Get("Location"), "https://idp.test/logout?") {
				t.Errorf("Location %q, want the end-session endpoint", w.Header().Get("Location"))
			}
			contains(t, "body", w.Body.String(), tc.body)
		})
	}
}

// TestProviderLogout: back-channel by sid and by sub, replay and refusals;
// front-channel by sid with the right iss only.
func TestProviderLogout(t *testing.T) {
	u := newUnit(t)
	alice, _ := u.addSession(t, "alice", nil)
	bob, _ := u.addSession(t, "bob", nil)
	carol, _ := u.addSession(t, "carol", nil)
	iat := u.clock.Now()
	u.idp.logoutToken = func(token string) (*oidcclient.LogoutToken, error) {
		switch token {
		case "alice-sid":
			return &oidcclient.LogoutToken{SessionID: alice.IDPSessionID, JWTID: "j1", IssuedAt: iat}, nil
		case "bob-sub":
			return &oidcclient.LogoutToken{Subject: "bob", JWTID: "j2", IssuedAt: iat}, nil
		case "bob-with-alices-sid":
			return &oidcclient.LogoutToken{Subject: "bob", SessionID: alice.IDPSessionID, JWTID: "j3", IssuedAt: iat}, nil
		}
		return nil, &oidcclient.LogoutTokenError{Reason: "signature"}
	}
	post := func(token string) int {
		w := u.doForm("/oauth2/backchannel-logout", "logout_token="+token)
		return w.Code
	}
	if c := post("bad"); c != http.StatusBadRequest {
		t.Errorf("bad token: %d", c)
	}
	if c := post("bob-with-alices-sid"); c != http.StatusOK {
		t.Errorf("sid of another user: %d", c)
	}
	if !u.exists(alice.ID) {
		t.Error("a sid of another user ended alice's session")
	}
	if c := post("alice-sid"); c != http.StatusOK || u.exists(alice.ID) {
		t.Errorf("by sid: %d, session left %v", c, u.exists(alice.ID))
	}
	if c := post("alice-sid"); c != http.StatusBadRequest {
		t.Errorf("replayed jti: %d", c)
	}
	if c := post("bob-sub"); c != http.StatusOK || u.exists(bob.ID) {
		t.Errorf("by sub: %d, session left %v", c, u.exists(bob.ID))
	}
	if w := u.do("GET", "/oauth2/backchannel-logout"); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET back-channel: %d", w.Code)
	}

	front := "/oauth2/frontchannel-logout?sid=" + carol.IDPSessionID + "&iss="
	if w := u.do("GET", front+url.QueryEscape("https://other.test")); w.Code != http.StatusBadRequest || !u.exists(carol.ID) {
		t.Errorf("front-channel, other iss: %d", w.Code)
	}
	if w := u.do("GET", front+url.QueryEscape("https://idp.test")); w.Code != http.StatusOK || u.exists(carol.ID) {
		t.Errorf("front-channel: %d, session left %v", w.Code, u.exists(carol.ID))
	}
	if w := u.do("POST", front); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("front-channel POST: %d", w.Code)
	}
}

func (u *unit) exists(id string) bool {
	_, err := u.store.Load(context.Background(), id)
	return err == nil
}

func (u *unit) doForm(target, body string) *httptest.ResponseRecorder {
	return u.doBody("POST", target, "application/x-www-form-urlencoded", body)
}
