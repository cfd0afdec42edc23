package proxy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/oidcclient"
	"github.com/gatehouse/gatehouse/internal/session"
)

// TestClassify covers every error kind respond answers: status, form,
// metric outcome or login failure, and log level.
func TestClassify(t *testing.T) {
	storeDown := fmt.Errorf("redis session store: load: %w: %w", session.ErrUnavailable, errors.New("connection refused"))
	auth := &authenticated{session: &session.Session{Subject: "alice"}}
	tests := []struct {
		name    string
		err     error
		nav     bool
		gone    bool
		kind    answerKind
		status  int
		outcome metrics.Outcome
		login   metrics.LoginFailure
		level   zapcore.Level
		logged  bool
	}{
		{name: "not logged in, browser", err: errNotLoggedIn, nav: true,
			kind: answerToLogin, status: http.StatusFound, outcome: metrics.OutcomeRedirectedToLogin},
		{name: "not logged in, API", err: errNotLoggedIn,
			kind: answerJSON, status: http.StatusUnauthorized, outcome: metrics.OutcomeUnauthorized},
		{name: "forbidden", err: &errForbidden{auth: auth, path: "/admin"},
			kind: answerAuto, status: http.StatusForbidden, outcome: metrics.OutcomeForbidden, level: zapcore.InfoLevel, logged: true},
		{name: "forbidden, forward-auth", err: &errForbidden{auth: auth, path: "/admin", api: true},
			kind: answerJSON, status: http.StatusForbidden, outcome: metrics.OutcomeForbidden, level: zapcore.InfoLevel, logged: true},
		{name: "bearer refused", err: fmt.Errorf("x: %w", errBearerRefused),
			kind: answerJSON, status: http.StatusUnauthorized, outcome: metrics.OutcomeUnauthorized},
		{name: "store unavailable", err: storeDown,
			kind: answerAuto, status: http.StatusServiceUnavailable, outcome: metrics.OutcomeStoreUnavailable,
			login: metrics.LoginStoreUnavailable, level: zapcore.ErrorLevel, logged: true},
		{name: "provider not ready", err: fmt.Errorf("discovery: %w", oidcclient.ErrNotReady),
			kind: answerAuto, status: http.StatusServiceUnavailable, outcome: metrics.OutcomeProviderUnavailable,
			login: metrics.LoginProviderUnavailable, level: zapcore.WarnLevel, logged: true},
		{name: "provider down for a due refresh", err: fmt.Errorf("%w: timeout", errProviderUnavailable),
			kind: answerAuto, status: http.StatusServiceUnavailable, outcome: metrics.OutcomeProviderUnavailable,
			login: metrics.LoginProviderUnavailable, level: zapcore.WarnLevel, logged: true},
		{name: "issuer mismatch", err: fmt.Errorf("%w: %w", oidcclient.ErrNotReady, oidcclient.ErrIssuerMismatch),
			kind: answerAuto, status: http.StatusServiceUnavailable, outcome: metrics.OutcomeProviderUnavailable,
			login: metrics.LoginProviderUnavailable, level: zapcore.ErrorLevel, logged: true},
		{name: "client gone during a store call", err: fmt.Errorf("%w: %w", session.ErrUnavailable, context.Canceled),
			kind: answerNone, status: statusClientGone, outcome: metrics.OutcomeClientGone, level: zapcore.DebugLevel, logged: true},
		{name: "client gone, any error", err: storeDown, gone: true,
			kind: answerNone, status: statusClientGone, outcome: metrics.OutcomeClientGone, level: zapcore.DebugLevel, logged: true},
		{name: "bad request", err: errBadPathRequest,
			kind: answerAuto, status: http.StatusBadRequest},
		{name: "request refused with JSON code", err: errNotLoggedInAPI, nav: true,
			kind: answerJSON, status: http.StatusUnauthorized},
		{name: "request refused, logged", err: &errRequest{status: http.StatusForbidden, reason: "no", level: zapcore.WarnLevel, outcome: metrics.OutcomeForbidden},
			kind: answerAuto, status: http.StatusForbidden, outcome: metrics.OutcomeForbidden, level: zapcore.WarnLevel, logged: true},
		{name: "login refused", err: loginRejected("missing or repeated state"),
			kind: answerPage, status: http.StatusBadRequest, login: metrics.LoginInvalidCallback, level: zapcore.InfoLevel, logged: true},
		{name: "login failed with a cause", err: loginFailed("exchange", errors.New("bad id token"), "/"),
			kind: answerPage, status: http.StatusBadRequest, login: metrics.LoginExchangeFailed, level: zapcore.WarnLevel, logged: true},
		{name: "provider said access_denied", err: providerError("access_denied", "/"),
			kind: answerPage, status: http.StatusForbidden, login: metrics.LoginProviderError, level: zapcore.InfoLevel, logged: true},
		{name: "upstream unreachable", err: &errUpstream{err: errors.New("connection refused")},
			kind: answerAuto, status: http.StatusBadGateway, outcome: metrics.OutcomeUpstreamError, level: zapcore.WarnLevel, logged: true},
		{name: "upstream timeout", err: &errUpstream{err: os.ErrDeadlineExceeded},
			kind: answerAuto, status: http.StatusGatewayTimeout, outcome: metrics.OutcomeUpstreamError, level: zapcore.WarnLevel, logged: true},
		{name: "internal", err: &errInternal{title: "Login failed", err: errors.New("cookie")},
			kind: answerAuto, status: http.StatusInternalServerError, outcome: metrics.OutcomeInternalError,
			login: metrics.LoginInternalError, level: zapcore.ErrorLevel, logged: true},
		// An error nobody named is ours, not the store's: no "outage" is
		// reported for it.
		{name: "unknown", err: errors.New("seal refreshed tokens: boom"),
			kind: answerAuto, status: http.StatusInternalServerError, outcome: metrics.OutcomeInternalError,
			login: metrics.LoginInternalError, level: zapcore.ErrorLevel, logged: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := classify(tc.err, tc.nav, tc.gone)
			if a.kind != tc.kind || a.status != tc.status {
				t.Errorf("kind %d status %d, want kind %d status %d", a.kind, a.status, tc.kind, tc.status)
			}
			if a.outcome != tc.outcome || a.login != tc.login {
				t.Errorf("outcome %q login %q, want %q %q", a.outcome, a.login, tc.outcome, tc.login)
			}
			if (a.logMsg != "") != tc.logged || (tc.logged && a.level != tc.level) {
				t.Errorf("logged %q at %v, want logged=%v at %v", a.logMsg, a.level, tc.logged, tc.level)
			}
		})
	}
}

func TestJSONCode(t *testing.T) {
	tests := []struct {
		a    answer
		want string
	}{
		{answer{status: http.StatusServiceUnavailable}, "service_unavailable"},
		{answer{status: http.StatusMethodNotAllowed}, "method_not_allowed"},
		{answer{status: http.StatusUnauthorized, code: "invalid_token"}, "invalid_token"},
	}
	for _, tc := range tests {
		if got := tc.a.jsonCode(); got != tc.want {
			t.Errorf("jsonCode(%d, %q) = %q, want %q", tc.a.status, tc.a.code, got, tc.want)
		}
	}
}

// TestAnswerLogLines: respond's log line and the access line carry the
// request id of the X-Request-Id header; the access line names the user
// who authenticated, also when the policy refused them.
func TestAnswerLogLines(t *testing.T) {
	core, logs := observer.New(zap.DebugLevel)
	u := newUnit(t, "GATEHOUSE_AUTHORIZATION_ALLOWED_GROUPS=admins")
	u.h.logger, u.h.accessLog = zap.New(core), zap.New(core)
	u.h.repeatLog = newRepeatLogger(u.h.logger)
	_, bob := u.addSession(t, "bob", []string{"staff"})

	w := u.do("GET", "/app", "Accept", api, "Cookie", bob)
	id := w.Header().Get("X-Request-Id")
	if w.Code != http.StatusForbidden || id == "" {
		t.Fatalf("status %d, request id %q", w.Code, id)
	}
	denied := logs.FilterMessage("access denied by policy").All()
	if len(denied) != 1 || denied[0].ContextMap()["request_id"] != id || denied[0].ContextMap()["user"] != "bob" {
		t.Errorf("denial logged as %+v, want one line with request_id %s and user bob", denied, id)
	}
	access := logs.FilterMessage("request").All()
	if len(access) != 1 || access[0].ContextMap()["user"] != "bob" || access[0].ContextMap()["status"] != int64(http.StatusForbidden) {
		t.Errorf("access line %+v, want user bob, status 403", access)
	}

	u.h.store = failingStore{u.store}
	w = u.do("GET", "/app", "Accept", api, "Cookie", bob)
	outage := logs.FilterMessage("session store unavailable (logged at most every 10s)").All()
	if len(outage) != 1 || outage[0].ContextMap()["request_id"] != w.Header().Get("X-Request-Id") {
		t.Errorf("outage logged as %+v, want one line with the request id", outage)
	}
}

// TestClientGoneIsNoOutage: a request whose client has hung up is answered
// 499 for the access log and logged at debug, not as a store outage.
func TestClientGoneIsNoOutage(t *testing.T) {
	core, logs := observer.New(zap.DebugLevel)
	u := newUnit(t)
	u.h.logger, u.h.repeatLog = zap.New(core), newRepeatLogger(zap.New(core))
	_, cookie := u.addSession(t, "alice", nil)
	u.h.store = failingStore{u.store}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequestWithContext(ctx, "GET", "http://gate.test/app", nil)
	r.Header.Set("Cookie", cookie)
	w := httptest.NewRecorder()
	u.h.ServeHTTP(w, r)
	if w.Code != statusClientGone {
		t.Errorf("status %d, want %d", w.Code, statusClientGone)
	}
	if n := logs.FilterLevelExact(zapcore.ErrorLevel).Len(); n != 0 {
		t.Errorf("%d error lines for a client that left: %v", n, logs.All())
	}
}
