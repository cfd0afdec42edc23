package proxy

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"

	"go.uber.org/zap"
	"golang.org/x/oauth2"

	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/oidcclient"
	"github.com/gatehouse/gatehouse/internal/session"
)

// start begins a new login, even when a session exists: 302 to the provider
// with state, nonce and a PKCE S256 challenge, all remembered in a login cookie
// of this attempt's own. While the store is unreachable it answers 503 at
// once: the callback could not create the session, and the user would have
// signed in at the provider for nothing.
func (h *Handler) start(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		h.fail(w, r, http.StatusMethodNotAllowed, "Method not allowed", "Use GET to start a login.")
		return
	}
	if err := h.store.Ping(r.Context()); err != nil {
		h.metrics.LoginFailed(metrics.LoginStoreUnavailable)
		h.storeUnavailable(w, r, err)
		return
	}
	ls := loginState{
		State:    randomToken(),
		Nonce:    randomToken(),
		Verifier: oauth2.GenerateVerifier(),
		RD:       h.rd.Validate(r.URL.Query().Get("rd")),
	}
	authURL, err := h.oidc.AuthURL(ls.State, ls.Nonce, ls.Verifier)
	if err != nil {
		h.metrics.LoginFailed(metrics.LoginProviderUnavailable)
		h.providerUnavailable(w, r, err)
		return
	}
	h.cookies.expireOldLogins(w, r)
	if err := h.cookies.setLogin(w, ls); err != nil {
		h.logger.Error("set login cookie", zap.Error(err))
		h.metrics.LoginFailed(metrics.LoginInternalError)
		h.fail(w, r, http.StatusInternalServerError, "Login failed", "Could not start the login.")
		return
	}
	h.metrics.LoginStarted()
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, authURL, http.StatusFound)
}

// callback finishes a login: it checks that this browser started the attempt,
// that the state is used once, redeems the code, and creates a new session.
func (h *Handler) callback(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		h.fail(w, r, http.StatusMethodNotAllowed, "Method not allowed", "The login callback accepts GET only.")
		return
	}
	q := r.URL.Query()
	states := q["state"]
	if len(states) != 1 || states[0] == "" {
		h.loginRejected(w, r, http.StatusBadRequest, "missing or repeated state")
		return
	}
	state := states[0]
	ls, ok := h.cookies.login(r, state)
	if !ok || subtle.ConstantTimeCompare([]byte(ls.State), []byte(state)) != 1 {
		h.loginRejected(w, r, http.StatusBadRequest, "unknown state, or the login was started in another browser or has expired")
		return
	}
	h.cookies.clearLogin(w, state)
	if _, ok := h.cookies.signedOut(r); ok {
		h.cookies.clearSignedOut(w) // a new login supersedes the last logout
	}
	// RFC 9207 also covers error responses: a forged one is not shown either.
	if !h.responseIssuerOK(w, r, q, ls.RD) {
		return
	}

	if errs := q["error"]; len(errs) > 0 {
		h.providerError(w, r, errs[0], ls.RD)
		return
	}
	codes := q["code"]
	if len(codes) != 1 || codes[0] == "" {
		h.loginRejected(w, r, http.StatusBadRequest, "missing or repeated code")
		return
	}

	first, err := h.store.Claim(r.Context(), "login:"+hashToken(state), loginStateTTL)
	if err != nil {
		h.metrics.LoginFailed(metrics.LoginStoreUnavailable)
		h.storeUnavailable(w, r, err)
		return
	}
	if !first {
		h.loginRejected(w, r, http.StatusBadRequest, "this login response was already used")
		return
	}

	res, err := h.oidc.Exchange(r.Context(), codes[0], ls.Verifier, ls.Nonce)
	if errors.Is(err, oidcclient.ErrNotReady) {
		h.metrics.LoginFailed(metrics.LoginProviderUnavailable)
		h.providerUnavailable(w, r, err)
		return
	}
	if err != nil {
		// The error may quote the provider's answer, never our code or tokens.
		h.logger.Warn("login rejected: code exchange or token validation failed", zap.Error(err))
		h.loginFailedPage(w, r, http.StatusBadRequest, ls.RD)
		return
	}

	s, err := h.newSession(res)
	if errors.Is(err, identity.ErrIdentityTooLarge) {
		h.identityTooLarge(w, r, err, ls.RD)
		return
	}
	if err != nil {
		h.logger.Warn("login rejected", zap.Error(err))
		h.loginFailedPage(w, r, http.StatusBadRequest, ls.RD)
		return
	}
	key := session.NewKey()
	if s.Sealed, err = session.Seal(key, s.ID, session.Tokens{
		IDToken: res.IDToken, AccessToken: res.AccessToken, RefreshToken: res.RefreshToken,
	}); err != nil {
		h.logger.Error("seal session tokens", zap.Error(err))
		h.metrics.LoginFailed(metrics.LoginInternalError)
		h.fail(w, r, http.StatusInternalServerError, "Login failed", "Could not create the session.")
		return
	}
	if err := h.store.Save(r.Context(), s, h.sessionTTL(s)); err != nil {
		h.metrics.LoginFailed(metrics.LoginStoreUnavailable)
		h.storeUnavailable(w, r, err)
		return
	}
	h.metrics.SessionCreated()
	// A login replaces whatever session this browser had (no fixation, no leftovers).
	for _, old := range h.cookies.sessionRefs(nil, r) {
		if err := h.store.Delete(r.Context(), old.ID); err != nil {
			h.logger.Warn("delete replaced session", zap.String("session", session.HashID(old.ID)), zap.Error(err))
		} else {
			h.metrics.SessionDeleted(metrics.DeletedReplaced)
		}
	}
	if err := h.cookies.setSession(w, sessionRef{ID: s.ID, Key: key}); err != nil {
		h.logger.Error("set session cookie", zap.Error(err))
		h.metrics.LoginFailed(metrics.LoginInternalError)
		h.fail(w, r, http.StatusInternalServerError, "Login failed", "Could not create the session.")
		return
	}
	h.logger.Info("login completed", zap.String("user", s.Subject), zap.String("session", session.HashID(s.ID)),
		zap.String("request_id", requestStateFrom(r.Context()).id))
	h.metrics.LoginCompleted()
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, ls.RD, http.StatusFound)
}

func (h *Handler) loginRejected(w http.ResponseWriter, r *http.Request, status int, reason string) {
	h.metrics.LoginFailed(metrics.LoginInvalidCallback)
	h.logger.Info("login callback rejected", zap.String("reason", reason),
		zap.String("request_id", requestStateFrom(r.Context()).id))
	renderPage(w, r, page{
		Status:   status,
		Title:    "Login could not be completed",
		Message:  "This login link is invalid or has expired (" + reason + ").",
		Link:     h.startURL("/"),
		LinkText: "Sign in again",
	})
}

// providerError shows the provider's refusal (e.g. the user denied consent)
// with a way to try again. Only known error codes are echoed.
func (h *Handler) providerError(w http.ResponseWriter, r *http.Request, code, rd string) {
	status := http.StatusBadRequest
	message := "The identity provider reported an error and did not sign you in."
	switch code {
	case "access_denied":
		status = http.StatusForbidden
		message = "The identity provider denied access."
	case "login_required", "interaction_required", "consent_required", "account_selection_required":
		status = http.StatusUnauthorized
		message = "The identity provider requires you to sign in."
	case "temporarily_unavailable", "server_error":
		status = http.StatusServiceUnavailable
		message = "The identity provider is temporarily unavailable."
	default:
		code = "other"
	}
	h.logger.Info("login failed at the provider", zap.String("error", code))
	h.metrics.LoginFailed(metrics.LoginProviderError)
	renderPage(w, r, page{
		Status: status, Title: "Sign-in failed", Message: message,
		Link: h.startURL(rd), LinkText: "Try again",
	})
}

func (h *Handler) loginFailedPage(w http.ResponseWriter, r *http.Request, status int, rd string) {
	h.metrics.LoginFailed(metrics.LoginExchangeFailed)
	renderPage(w, r, page{
		Status: status, Title: "Sign-in failed",
		Message: "The identity provider's answer could not be verified, so you were not signed in.",
		Link:    h.startURL(rd), LinkText: "Try again",
	})
}

func (h *Handler) providerUnavailable(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, oidcclient.ErrIssuerMismatch) {
		// Waiting does not help here; the user should not be told it will.
		h.logger.Error("identity provider discovery names another issuer; fix oidc.issuer", zap.Error(err))
		h.fail(w, r, http.StatusServiceUnavailable, "Sign-in is misconfigured",
			"Signing in is not possible because gatehouse's configuration does not match the identity provider. The administrator can find the details in gatehouse's log.")
		return
	}
	h.logger.Warn("identity provider unavailable", zap.Error(err))
	h.fail(w, r, http.StatusServiceUnavailable, "Sign-in unavailable",
		"The identity provider cannot be reached right now. Please try again in a moment.")
}

func (h *Handler) startURL(rd string) string {
	return h.cfg.PublicURL + h.paths.start + "?rd=" + url.QueryEscape(rd)
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(v string) string {
	sum := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
