package proxy

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/oidcclient"
	"github.com/gatehouse/gatehouse/internal/session"
)

// counter says which metric an endpoint's failures count in: the protected
// application's request outcomes, the login failures, or none.
type counter uint8

const (
	countNothing counter = iota
	countRequest
	countLogin
)

// statusClientGone is logged for a client that hung up before its answer
// (nginx's convention); nobody receives it.
const statusClientGone = 499

// answerKind is the form of an answer.
type answerKind uint8

const (
	answerAuto    answerKind = iota // a page for browsers (Accept: text/html), JSON for the rest
	answerJSON                      // always JSON: the client is a program
	answerPage                      // always a page: only browsers get here
	answerToLogin                   // a browser navigation without a session: 302 to /start
	answerNone                      // nothing is written: nobody is listening
)

// answer is everything respond does for one error.
type answer struct {
	kind           answerKind
	status         int
	title, message string
	pageMessage    string    // the page's text when it differs from the JSON message
	code           string    // JSON error code; "" derives it from status
	header         [2]string // one header to add, e.g. WWW-Authenticate
	// link is the page's button: a login that returns to linkRD.
	linkRD, linkText string
	hasLink          bool

	outcome metrics.Outcome      // "" counts no request outcome
	login   metrics.LoginFailure // "" counts no login failure

	level  zapcore.Level
	logMsg string // "" logs nothing
	repeat bool   // log at most every repeatLogEvery
	fields []zap.Field
}

// classify is the one place where an error becomes an answer: status, page
// or JSON, metric and log level. nav is the browser-navigation rule of
// isBrowserNavigation; gone reports that the client has hung up.
func classify(err error, nav, gone bool) answer {
	var (
		forbidden *errForbidden
		req       *errRequest
		login     *errLogin
		internal  *errInternal
		upstream  *errUpstream
	)
	switch {
	case gone || errors.Is(err, context.Canceled):
		// Checked first: a store or provider call cut short by the client's
		// hang-up is neither an outage nor an error of ours.
		return answer{kind: answerNone, status: statusClientGone, outcome: metrics.OutcomeClientGone,
			level: zapcore.DebugLevel, logMsg: "client went away before its answer", fields: []zap.Field{zap.Error(err)}}
	case errors.Is(err, errNotLoggedIn):
		if nav {
			return answer{kind: answerToLogin, status: http.StatusFound, outcome: metrics.OutcomeRedirectedToLogin}
		}
		return answer{kind: answerJSON, status: http.StatusUnauthorized, code: "unauthorized", message: "login required",
			outcome: metrics.OutcomeUnauthorized}
	case errors.As(err, &forbidden):
		return classifyForbidden(forbidden)
	case errors.Is(err, errBearerRefused):
		return answer{kind: answerJSON, status: http.StatusUnauthorized, code: "invalid_token",
			message: "the bearer token is not valid", header: [2]string{"WWW-Authenticate", `Bearer error="invalid_token"`},
			outcome: metrics.OutcomeUnauthorized}
	case errors.As(err, &req):
		return classifyRequest(req)
	case errors.As(err, &login):
		return classifyLogin(login)
	case errors.Is(err, oidcclient.ErrIssuerMismatch):
		// Waiting does not help here; the user should not be told it will.
		return answer{status: http.StatusServiceUnavailable, title: "Sign-in is misconfigured",
			message: "Signing in is not possible because gatehouse's configuration does not match the identity provider. " +
				"The administrator can find the details in gatehouse's log.",
			outcome: metrics.OutcomeProviderUnavailable, login: metrics.LoginProviderUnavailable,
			level: zapcore.ErrorLevel, logMsg: "identity provider discovery names another issuer; fix oidc.issuer",
			fields: []zap.Field{zap.Error(err)}}
	case errors.Is(err, oidcclient.ErrNotReady), errors.Is(err, errProviderUnavailable):
		return answer{status: http.StatusServiceUnavailable, title: "Sign-in unavailable",
			message: "The identity provider cannot be reached right now. Please try again in a moment.",
			outcome: metrics.OutcomeProviderUnavailable, login: metrics.LoginProviderUnavailable,
			level: zapcore.WarnLevel, logMsg: "identity provider unavailable", fields: []zap.Field{zap.Error(err)}}
	case errors.Is(err, session.ErrUnavailable):
		// Neither let through nor sent to log in again (which would loop):
		// nobody can tell whether the request is logged in.
		return answer{status: http.StatusServiceUnavailable, title: "Service unavailable",
			message: "The login service cannot reach its session store. Please try again in a moment.",
			outcome: metrics.OutcomeStoreUnavailable, login: metrics.LoginStoreUnavailable,
			level: zapcore.ErrorLevel, logMsg: "session store unavailable (logged at most every 10s)", repeat: true,
			fields: []zap.Field{zap.Error(err)}}
	case errors.As(err, &upstream):
		status := http.StatusBadGateway
		if ne := net.Error(nil); errors.As(err, &ne) && ne.Timeout() {
			status = http.StatusGatewayTimeout
		}
		return answer{status: status, title: "Upstream unavailable",
			message: "The application behind the login did not answer. Please try again.",
			outcome: metrics.OutcomeUpstreamError, level: zapcore.WarnLevel, logMsg: "upstream request failed",
			fields: []zap.Field{zap.Error(upstream.err)}}
	case errors.As(err, &internal):
		return answer{status: http.StatusInternalServerError, title: internal.title, message: internal.message,
			outcome: metrics.OutcomeInternalError, login: metrics.LoginInternalError,
			level: zapcore.ErrorLevel, logMsg: internal.title, fields: []zap.Field{zap.Error(internal.err)}}
	default:
		return answer{status: http.StatusInternalServerError, title: "Internal error",
			message: "The request could not be completed. Please try again.",
			outcome: metrics.OutcomeInternalError, login: metrics.LoginInternalError,
			level: zapcore.ErrorLevel, logMsg: "request failed", fields: []zap.Field{zap.Error(err)}}
	}
}

func classifyForbidden(e *errForbidden) answer {
	a := answer{status: http.StatusForbidden, code: "forbidden", title: "Access denied",
		message: "access denied by policy", outcome: metrics.OutcomeForbidden,
		level: zapcore.InfoLevel, logMsg: "access denied by policy"}
	if e.auth != nil {
		a.fields = []zap.Field{zap.String("user", e.auth.session.Subject)}
	}
	if e.api {
		// Forward-auth answers a proxy, whatever the browser behind it accepts.
		a.kind = answerJSON
		a.fields = append(a.fields, zap.String("original_path", e.path))
		return a
	}
	a.pageMessage = "You are signed in, but your account is not allowed to open this page."
	a.linkRD, a.linkText, a.hasLink = e.uri, "Sign in as someone else", true
	return a
}

func classifyRequest(e *errRequest) answer {
	a := answer{status: e.status, title: e.title, message: e.message, header: e.header, outcome: e.outcome}
	if e.code != "" {
		a.kind, a.code = answerJSON, e.code
	}
	if e.reason != "" {
		a.level, a.logMsg, a.repeat = e.level, e.reason, e.repeat
		a.fields = e.fields
	}
	return a
}

func classifyLogin(e *errLogin) answer {
	a := answer{kind: answerPage, status: e.status, title: e.title, message: e.message,
		linkRD: e.rd, linkText: "Try again", hasLink: true, login: e.failure,
		level: zapcore.InfoLevel, logMsg: e.logMsg, fields: e.fields}
	if e.linkText != "" {
		a.linkText = e.linkText
	}
	if e.err != nil {
		a.level = zapcore.WarnLevel
		a.fields = append(a.fields, zap.Error(e.err))
	}
	return a
}

// respond answers err; it is the only writer of failed requests. counts
// says which metric this endpoint's failures count in. The handler must not
// have written anything yet.
func (h *Handler) respond(w http.ResponseWriter, r *http.Request, err error, counts counter) {
	a := classify(err, isBrowserNavigation(r), r.Context().Err() != nil)
	h.logAnswer(r, a)
	if a.kind == answerToLogin && h.afterLogout(w, r) {
		return // the signed-out page, counted nowhere
	}
	switch counts {
	case countRequest:
		if a.outcome != "" {
			h.metrics.Request(a.outcome)
		}
	case countLogin:
		if a.login != "" {
			h.metrics.LoginFailed(a.login)
		}
	}
	if a.header[0] != "" {
		w.Header().Set(a.header[0], a.header[1])
	}
	switch a.kind {
	case answerNone:
		w.WriteHeader(a.status)
	case answerToLogin:
		// public_url's own /start: the request URI is only its escaped rd.
		target := h.opts.publicURL + h.paths.start + "?rd=" + url.QueryEscape(r.URL.RequestURI())
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, target, a.status)
	case answerJSON:
		writeJSONError(w, a.status, a.jsonCode(), a.message)
	case answerPage:
		h.renderAnswer(w, r, a)
	default:
		if wantsHTML(r) {
			h.renderAnswer(w, r, a)
			return
		}
		writeJSONError(w, a.status, a.jsonCode(), a.message)
	}
}

func (h *Handler) renderAnswer(w http.ResponseWriter, r *http.Request, a answer) {
	p := page{Status: a.status, Title: a.title, Message: a.message}
	if a.pageMessage != "" {
		p.Message = a.pageMessage
	}
	if a.hasLink {
		p.Link, p.LinkText = h.startURL(a.linkRD), a.linkText
	}
	renderPage(w, r, p)
}

// jsonCode is the JSON error code: the one given, or the status text in
// snake case ("service_unavailable").
func (a answer) jsonCode() string {
	if a.code != "" {
		return a.code
	}
	return strings.ToLower(strings.ReplaceAll(http.StatusText(a.status), " ", "_"))
}

// logAnswer writes the answer's log line with the request id and path.
// Lines that every request of an outage repeats go through repeatLog.
func (h *Handler) logAnswer(r *http.Request, a answer) {
	if a.logMsg == "" {
		return
	}
	logger := h.log(r.Context())
	if a.repeat {
		logger = h.repeatLog.With(zap.String("request_id", requestStateFrom(r.Context()).id))
	}
	if ce := logger.Check(a.level, a.logMsg); ce != nil {
		ce.Write(append(a.fields, zap.String("path", r.URL.Path))...)
	}
}

// log is the request's logger: every line it writes carries the request id.
func (h *Handler) log(ctx context.Context) *zap.Logger {
	return requestStateFrom(ctx).logger(h.logger)
}
