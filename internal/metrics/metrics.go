// Package metrics defines gatehouse's Prometheus metrics and the methods that
// count them: requests, logins, refreshes, logouts, sessions, upstream calls,
// rate-limited logins and the timing of every session store call
// (InstrumentStore). Everything is registered on the Registerer given to New
// (the ops listener's private registry), never on a global one, so two
// gatehouse instances in one process (tests, the demo) keep their numbers
// apart.
//
// Every method is safe on a nil *Metrics and then does nothing: code paths
// built without metrics (unit tests) need no stub.
package metrics

import (
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

const namespace = "gatehouse"

// Outcome is how gatehouse answered a request for the protected application.
// Every such request ends in at most one outcome (a client that hangs up
// while the upstream answers is counted in none; one that hangs up before,
// in client_gone).
type Outcome string

// The request outcomes.
const (
	OutcomeProxied           Outcome = "proxied"             // the upstream answered (any status)
	OutcomeRedirectedToLogin Outcome = "redirected_to_login" // browser navigation without a session: 302 to start
	OutcomeUnauthorized      Outcome = "unauthorized"        // non-browser request without a session: 401
	OutcomeForbidden         Outcome = "forbidden"           // logged in but denied by authorization: 403
	OutcomeStoreUnavailable  Outcome = "store_unavailable"   // the session store did not answer: 503
	OutcomeUpstreamError     Outcome = "upstream_error"      // the upstream could not be reached: 502/504
	// The provider was needed (token refresh) and could not be reached: 503.
	OutcomeProviderUnavailable Outcome = "provider_unavailable"
	// The client hung up before it was answered (e.g. while waiting for
	// another request's token refresh): no outage of anyone's.
	OutcomeClientGone Outcome = "client_gone"
	// gatehouse itself failed (an error no other outcome names): 500.
	OutcomeInternalError Outcome = "internal_error"
)

// LoginFailure is why a login attempt did not end in a session.
type LoginFailure string

// The login failure reasons.
const (
	LoginInvalidCallback     LoginFailure = "invalid_callback"     // missing, unknown, reused or foreign state; missing code
	LoginProviderError       LoginFailure = "provider_error"       // the provider answered error=… (e.g. access_denied)
	LoginExchangeFailed      LoginFailure = "exchange_failed"      // code exchange or ID token validation failed
	LoginProviderUnavailable LoginFailure = "provider_unavailable" // discovery not loaded: /start or /callback answered 503
	LoginStoreUnavailable    LoginFailure = "store_unavailable"    // the session store did not answer
	LoginInternalError       LoginFailure = "internal_error"       // cookie or sealing failure
)

// RefreshResult is the result of refreshing a session's access token.
type RefreshResult string

// The refresh results.
const (
	RefreshOK     RefreshResult = "ok"
	RefreshFailed RefreshResult = "failed"
)

// LogoutKind is what ended a login.
type LogoutKind string

// The logout kinds.
const (
	LogoutUser         LogoutKind = "user"         // the browser called the logout endpoint
	LogoutBackChannel  LogoutKind = "backchannel"  // the provider sent a back-channel logout token
	LogoutFrontChannel LogoutKind = "frontchannel" // the provider's front-channel logout page
	LogoutRevoke       LogoutKind = "revoke"       // an operator revoked sessions
	// LogoutUserSessions: the user ended sessions on <path_prefix>/sessions.
	LogoutUserSessions LogoutKind = "user_sessions"
)

// DeleteReason is why a session was deleted from the store.
type DeleteReason string

// The session delete reasons.
const (
	DeletedLogout        DeleteReason = "logout"         // any logout kind
	DeletedReplaced      DeleteReason = "replaced"       // the same browser logged in again
	DeletedExpired       DeleteReason = "expired"        // idle or absolute timeout seen on a request
	DeletedRefreshFailed DeleteReason = "refresh_failed" // the provider refused the refresh token
)

var (
	allOutcomes      = []Outcome{OutcomeProxied, OutcomeRedirectedToLogin, OutcomeUnauthorized, OutcomeForbidden, OutcomeStoreUnavailable, OutcomeUpstreamError, OutcomeProviderUnavailable, OutcomeClientGone, OutcomeInternalError}
	allLoginFailures = []LoginFailure{LoginInvalidCallback, LoginProviderError, LoginExchangeFailed, LoginProviderUnavailable, LoginStoreUnavailable, LoginInternalError}
	allRefresh       = []RefreshResult{RefreshOK, RefreshFailed}
	allLogoutKinds   = []LogoutKind{LogoutUser, LogoutBackChannel, LogoutFrontChannel, LogoutRevoke, LogoutUserSessions}
	allDeleteReasons = []DeleteReason{DeletedLogout, DeletedReplaced, DeletedExpired, DeletedRefreshFailed}
)

// Metrics holds gatehouse's collectors.
type Metrics struct {
	requests         *prometheus.CounterVec
	loginsStarted    prometheus.Counter
	loginsCompleted  prometheus.Counter
	loginsFailed     *prometheus.CounterVec
	refreshes        *prometheus.CounterVec
	logouts          *prometheus.CounterVec
	logoutSessions   *prometheus.CounterVec
	logoutRejected   *prometheus.CounterVec
	sessionsCreated  prometheus.Counter
	sessionsDeleted  *prometheus.CounterVec
	upstreamDuration *prometheus.HistogramVec
	storeDuration    *prometheus.HistogramVec
	// loginRateLimited: see ratelimit.go.
	loginRateLimited prometheus.Counter

	// The children every request touches, resolved once: WithLabelValues
	// hashes the labels and takes a lock on each call.
	requestsBy map[Outcome]prometheus.Counter
	// Index: status class 1…5, 0 for "error". Resolved on first use, so a
	// class appears in the output only once it has been seen.
	upstreamClass [6]lazyObserver
}

// lazyObserver is a histogram child resolved once, on first use.
type lazyObserver struct {
	once sync.Once
	obs  prometheus.Observer
}

// New creates the collectors and registers them on reg. Every known label
// value starts at zero, so dashboards and rate() see a series before the
// first event.
func New(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: counterVec("requests_total",
			"Requests for the protected application, by outcome.", "outcome"),
		loginsStarted: counter("logins_started_total",
			"Logins started: redirects to the identity provider."),
		loginsCompleted: counter("logins_completed_total",
			"Logins completed: callbacks that created a session."),
		loginsFailed: counterVec("logins_failed_total",
			"Login attempts that did not create a session, by reason.", "reason"),
		refreshes: counterVec("token_refreshes_total",
			"Access token refreshes with the refresh token, by result.", "result"),
		logouts: counterVec("logouts_total",
			"Logouts handled, by kind.", "kind"),
		logoutSessions: counterVec("logout_sessions_ended_total",
			"Sessions deleted by logouts, by kind.", "kind"),
		logoutRejected: counterVec("logout_requests_rejected_total",
			"Back- and front-channel logout requests refused (400), by kind and reason (for example signature, iat_too_old, replayed).", "kind", "reason"),
		sessionsCreated: counter("sessions_created_total",
			"Sessions created (one per completed login)."),
		sessionsDeleted: counterVec("sessions_deleted_total",
			"Sessions deleted by gatehouse, by reason (sessions that expire in Redis by TTL are not seen).", "reason"),
		upstreamDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "upstream_request_duration_seconds",
			Help:    "Time until the upstream's response headers, by status class (2xx…5xx, or error).",
			Buckets: prometheus.DefBuckets,
		}, []string{"code"}),
		storeDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "store_operation_duration_seconds",
			Help:    "Session store call latency, by operation and result (ok, not_found, error).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"operation", "result"}),
	}
	reg.MustRegister(m.requests, m.loginsStarted, m.loginsCompleted, m.loginsFailed, m.refreshes,
		m.logouts, m.logoutSessions, m.logoutRejected, m.sessionsCreated, m.sessionsDeleted, m.upstreamDuration, m.storeDuration)
	m.loginRateLimited = counter("login_rate_limited_total",
		"Login starts and callbacks refused with 429 by server.login_rate_limit.")
	reg.MustRegister(m.loginRateLimited)
	m.requestsBy = make(map[Outcome]prometheus.Counter, len(allOutcomes))
	for _, v := range allOutcomes {
		m.requestsBy[v] = m.requests.WithLabelValues(string(v))
	}
	for _, v := range allLoginFailures {
		m.loginsFailed.WithLabelValues(string(v))
	}
	for _, v := range allRefresh {
		m.refreshes.WithLabelValues(string(v))
	}
	for _, v := range allLogoutKinds {
		m.logouts.WithLabelValues(string(v))
		m.logoutSessions.WithLabelValues(string(v))
	}
	for _, v := range allDeleteReasons {
		m.sessionsDeleted.WithLabelValues(string(v))
	}
	return m
}

func counter(name, help string) prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Namespace: namespace, Name: name, Help: help})
}

func counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: name, Help: help}, labels)
}

// RegisterReadiness adds a gauge that reads ready() at every scrape: 1 when
// the identity provider's discovery document is loaded, 0 while it is not.
func RegisterReadiness(reg prometheus.Registerer, ready func() bool) {
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: namespace, Name: "oidc_provider_ready",
		Help: "1 when the identity provider's discovery document is loaded, else 0.",
	}, func() float64 {
		if ready() {
			return 1
		}
		return 0
	}))
}

// Request counts one request for the protected application.
func (m *Metrics) Request(o Outcome) {
	if m == nil {
		return
	}
	if c, ok := m.requestsBy[o]; ok {
		c.Inc()
		return
	}
	m.requests.WithLabelValues(string(o)).Inc()
}

// LoginStarted counts a redirect to the identity provider.
func (m *Metrics) LoginStarted() {
	if m != nil {
		m.loginsStarted.Inc()
	}
}

// LoginCompleted counts a login that created a session.
func (m *Metrics) LoginCompleted() {
	if m != nil {
		m.loginsCompleted.Inc()
	}
}

// LoginFailed counts a login attempt that ended without a session.
func (m *Metrics) LoginFailed(reason LoginFailure) {
	if m != nil {
		m.loginsFailed.WithLabelValues(string(reason)).Inc()
	}
}

// Refresh counts an access token refresh.
func (m *Metrics) Refresh(result RefreshResult) {
	if m != nil {
		m.refreshes.WithLabelValues(string(result)).Inc()
	}
}

// Logout counts a handled logout and the sessions it ended (also counted as
// sessions deleted for reason logout).
func (m *Metrics) Logout(kind LogoutKind, sessionsEnded int) {
	if m != nil {
		m.logouts.WithLabelValues(string(kind)).Inc()
		m.logoutSessions.WithLabelValues(string(kind)).Add(float64(sessionsEnded))
		m.sessionsDeleted.WithLabelValues(string(DeletedLogout)).Add(float64(sessionsEnded))
	}
}

// LogoutRejected counts a refused back- or front-channel logout request.
func (m *Metrics) LogoutRejected(kind LogoutKind, reason string) {
	if m != nil {
		m.logoutRejected.WithLabelValues(string(kind), reason).Inc()
	}
}

// SessionCreated counts a new session.
func (m *Metrics) SessionCreated() {
	if m != nil {
		m.sessionsCreated.Inc()
	}
}

// SessionDeleted counts a session gatehouse deleted.
func (m *Metrics) SessionDeleted(reason DeleteReason) {
	if m != nil {
		m.sessionsDeleted.WithLabelValues(string(reason)).Inc()
	}
}

// ObserveUpstream records how long the upstream took to send its response
// headers. status is 0 when err is not nil.
func (m *Metrics) ObserveUpstream(status int, err error, d time.Duration) {
	if m == nil {
		return
	}
	class := statusClass(status, err)
	c := &m.upstreamClass[class]
	c.once.Do(func() { c.obs = m.upstreamDuration.WithLabelValues(classLabel(class)) })
	c.obs.Observe(d.Seconds())
}

// statusClass is the index into upstreamClass: 1 to 5 for 1xx to 5xx, 0 for
// an error or a status outside 100–599.
func statusClass(status int, err error) int {
	if err != nil || status < 100 || status > 599 {
		return 0
	}
	return status / 100
}

// classLabel is the "code" label of an upstreamClass index.
func classLabel(class int) string {
	if class == 0 {
		return "error"
	}
	return strconv.Itoa(class) + "xx"
}
