package proxy

import (
	"errors"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/gatehouse/gatehouse/internal/metrics"
)

// Handlers return these errors instead of writing an answer themselves;
// respond (respond.go) turns each into status, page or JSON, metric and log
// line. Errors from other packages are answered there too:
// session.ErrUnavailable (503, the store), oidcclient.ErrNotReady and
// ErrIssuerMismatch (503, the provider), context.Canceled (the client left).

// errNotLoggedIn: the request has no live session. Browser navigations are
// sent to log in, everything else gets 401.
var errNotLoggedIn = errors.New("proxy: not logged in")

// errForbidden: the user is logged in, but the policy does not let them
// reach path.
type errForbidden struct {
	auth *authenticated
	path string // cleaned, as the policy saw it
	uri  string // as sent: where "sign in as someone else" returns
	// api: forward-auth, which answers a proxy with JSON whatever the
	// browser behind it accepts.
	api bool
}

func (e *errForbidden) Error() string { return "proxy: access denied by policy for " + e.path }

// errRequest is a refusal of the request as it was sent (bad path, method
// not allowed, misdirected host, rate limit, refused upgrade): its status and
// the text of its page are its own. header, when set, is added to the answer
// (Allow, Retry-After).
type errRequest struct {
	status         int
	title, message string
	header         [2]string
	// code makes the answer JSON with this error code, for endpoints that
	// only programs call.
	code string
	// outcome is counted for the protected application's requests; ""
	// counts nothing.
	outcome metrics.Outcome
	// reason is logged at level (at most every 10s when repeat is set),
	// with fields; "" logs nothing.
	reason string
	level  zapcore.Level
	repeat bool
	fields []zap.Field
}

func (e *errRequest) Error() string {
	if e.reason != "" {
		return "proxy: " + e.reason
	}
	return "proxy: " + e.title
}

// errLogin: a login attempt that ends on a page of its own with a way to
// try again (the callback's refusals). It is always a page: only browsers
// come back from the provider.
type errLogin struct {
	failure        metrics.LoginFailure
	status         int
	title, message string
	// rd is where the page's button ("Try again" unless linkText says
	// otherwise) returns to after the login.
	rd, linkText string
	// logMsg is logged at Info (Warn when err is set, with err) with
	// fields; "" logs nothing.
	logMsg string
	fields []zap.Field
	err    error
}

func (e *errLogin) Error() string {
	if e.err != nil {
		return "proxy: " + e.logMsg + ": " + e.err.Error()
	}
	return "proxy: " + e.title
}

func (e *errLogin) Unwrap() error { return e.err }

// errInternal: gatehouse itself failed (a cookie or the session seal could
// not be written). 500 with the page text given.
type errInternal struct {
	title, message string
	err            error
}

func (e *errInternal) Error() string { return "proxy: " + e.title + ": " + e.err.Error() }
func (e *errInternal) Unwrap() error { return e.err }

// errUpstream: the upstream could not be reached. 502, or 504 on a timeout.
type errUpstream struct{ err error }

func (e *errUpstream) Error() string { return "proxy: upstream request failed: " + e.err.Error() }
func (e *errUpstream) Unwrap() error { return e.err }
