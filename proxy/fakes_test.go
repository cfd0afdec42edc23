package proxy

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/oidcclient"
	"github.com/gatehouse/gatehouse/internal/session"
	"github.com/gatehouse/gatehouse/internal/session/memory"
	"github.com/gatehouse/gatehouse/internal/testclock"
)

// fakeProvider answers what a test sets; a call the test did not expect
// panics on its nil func.
type fakeProvider struct {
	exchange    func(code string) (*oidcclient.Result, error)
	refresh     func(refreshToken string) (*oidcclient.Refreshed, error)
	bearer      func(token string) (map[string]any, error)
	logoutToken func(token string) (*oidcclient.LogoutToken, error)
	issuerErr   error
	notReady    bool
	endSession  string
}

func (f *fakeProvider) AuthURL(state, nonce, _ string, _ url.Values) (string, error) {
	if f.notReady {
		return "", oidcclient.ErrNotReady
	}
	return "https://idp.test/authorize?state=" + state + "&nonce=" + nonce, nil
}
func (f *fakeProvider) CheckResponseIssuer([]string) error { return f.issuerErr }
func (f *fakeProvider) Exchange(_ context.Context, code, _, _ string) (*oidcclient.Result, error) {
	return f.exchange(code)
}
func (f *fakeProvider) Refresh(_ context.Context, refreshToken, _, _ string) (*oidcclient.Refreshed, error) {
	return f.refresh(refreshToken)
}
func (f *fakeProvider) VerifyBearer(_ context.Context, token string, _, _ []string) (map[string]any, error) {
	return f.bearer(token)
}
func (f *fakeProvider) VerifyLogoutToken(_ context.Context, token string, _ time.Duration) (*oidcclient.LogoutToken, error) {
	return f.logoutToken(token)
}
func (f *fakeProvider) EndSessionEndpoint() string { return f.endSession }

// failingStore is a store whose every call fails as an unreachable Redis
// does: a fault the memory store cannot produce.
type failingStore struct{ sessionStore }

func (failingStore) Load(context.Context, string) (*session.Session, error) {
	return nil, session.ErrUnavailable
}
func (failingStore) Ping(context.Context) error { return session.ErrUnavailable }
func (failingStore) Claim(context.Context, string, time.Duration) (bool, error) {
	return false, session.ErrUnavailable
}
func (failingStore) TryLock(context.Context, string, time.Duration) (string, error) {
	return "", session.ErrUnavailable
}

// unit is a handler on fakes: the memory store (or another), a fake
// provider, a stopped clock and an upstream that answers 200 "upstream".
type unit struct {
	h     *Handler
	store sessionStore
	idp   *fakeProvider
	clock *testclock.Clock
}

// newUnit builds a handler from the environment-style config keys env
// (on top of a minimal valid config).
func newUnit(t *testing.T, env ...string) *unit {
	t.Helper()
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("upstream"))
	}))
	t.Cleanup(upstream.Close)
	secret := base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	cfg, err := config.Load("", append([]string{
		"GATEHOUSE_PUBLIC_URL=http://gate.test",
		"GATEHOUSE_UPSTREAM_URL=" + upstream.URL,
		"GATEHOUSE_OIDC_ISSUER=https://idp.test",
		"GATEHOUSE_OIDC_CLIENT_ID=unit",
		"GATEHOUSE_OIDC_CLIENT_SECRET=unit",
		"GATEHOUSE_COOKIE_SECRETS=" + secret,
		"GATEHOUSE_SESSION_STORE=memory",
	}, env...))
	if err != nil {
		t.Fatal(err)
	}
	store := memory.New()
	t.Cleanup(func() { _ = store.Close() })
	u := &unit{store: store, idp: &fakeProvider{endSession: "https://idp.test/logout"}, clock: testclock.New(time.Now())}
	u.h, err = newHandler(cfg, store, u.idp, nil, zap.NewNop(), WithClock(u.clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// addSession stores a session of sub with groups and returns its cookie
// line ("gatehouse=...").
func (u *unit) addSession(t *testing.T, sub string, groups []string, mutate ...func(*session.Session)) (*session.Session, string) {
	t.Helper()
	now := u.clock.Now()
	key := session.NewKey()
	s := &session.Session{
		ID: session.NewID(), Subject: sub, Groups: groups, IDPSessionID: "sid-" + sub,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour),
	}
	for _, m := range mutate {
		m(s)
	}
	var err error
	if s.Sealed, err = session.Seal(key, s.ID, session.Tokens{IDToken: "id-token", AccessToken: "at", RefreshToken: "rt"}); err != nil {
		t.Fatal(err)
	}
	if err := u.store.Save(context.Background(), s, time.Hour); err != nil {
		t.Fatal(err)
	}
	value, err := u.h.cookies.sessions.Encode(u.h.cookies.sessionName, sessionRef{ID: s.ID, Key: key})
	if err != nil {
		t.Fatal(err)
	}
	return s, u.h.cookies.sessionName + "=" + value
}

// do serves one request; header is name, value pairs.
func (u *unit) do(method, target string, header ...string) *httptest.ResponseRecorder {
	return u.serve(httptest.NewRequest(method, "http://gate.test"+target, nil), header)
}

// serve serves r from a fixed client address with header (name, value
// pairs) added.
func (u *unit) serve(r *http.Request, header []string) *httptest.ResponseRecorder {
	r.RemoteAddr = "192.0.2.1:50000"
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Add(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	u.h.ServeHTTP(w, r)
	return w
}

const (
	html = "text/html,application/xhtml+xml"
	api  = "application/json"
)

func contains(t *testing.T, what, body, want string) {
	t.Helper()
	if !strings.Contains(body, want) {
		t.Errorf("%s: %q does not contain %q", what, body, want)
	}
}

// doBody serves one request with a body of contentType.
func (u *unit) doBody(method, target, contentType, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "http://gate.test"+target, strings.NewReader(body))
	r.RemoteAddr = "192.0.2.1:50000"
	r.Header.Set("Content-Type", contentType)
	w := httptest.NewRecorder()
	u.h.ServeHTTP(w, r)
	return w
}
