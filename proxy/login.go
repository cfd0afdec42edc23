package proxy

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
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
func (h *Handler) start(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return &errRequest{status: http.StatusMethodNotAllowed, title: "Method not allowed",
			message: "Use GET to start a login.", header: [2]string{"Allow", "GET, HEAD"}}
	}
	if err := h.store.Ping(r.Context()); err != nil {
		return err
	}
	ls := loginState{
		State:    randomToken(),
		Nonce:    randomToken(),
		Verifier: oauth2.GenerateVerifier(),
		RD:       h.rd.Validate(r.URL.Query().Get("rd")),
	}
	extra, err := h.forwardedAuthParams(r)
	if err != nil {
		return err
	}
	ls.Step = h.loginStepUp(r, ls.RD)
	stepUpParams(ls.Step, extra) // after the forwarded ones: a step-up's prompt wins
	authURL, err := h.oidc.AuthURL(ls.State, ls.Nonce, ls.Verifier, extra)
	if err != nil {
		return err
	}
	h.cookies.expireOldLogins(w, r)
	if err := h.cookies.setLogin(w, ls); err != nil {
		return &errInternal{title: "Login failed", message: "Could not start the login.", err: fmt.Errorf("set login cookie: %w", err)}
	}
	h.metrics.LoginStarted()
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, authURL, http.StatusFound)
	return nil
}

// callback finishes a login: it checks that this browser started the attempt,
// that the state is used once, redeems the code, and creates a new session.
func (h *Handler) callback(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet {
		return &errRequest{status: http.StatusMethodNotAllowed, title: "Method not allowed",
			message: "The login callback accepts GET only.", header: [2]string{"Allow", "GET"}}
	}
	q := r.URL.Query()
	states := q["state"]
	if len(states) != 1 || states[0] == "" {
		return loginRejected("missing or repeated state")
	}
	state := states[0]
	ls, ok := h.cookies.login(r, state)
	if !ok || subtle.ConstantTimeCompare([]byte(ls.State), []byte(state)) != 1 {
		return loginRejected("unknown state, or the login was started in another browser or has expired")
	}
	h.cookies.clearLogin(w, state)
	if _, ok := h.cookies.signedOut(r); ok {
		h.cookies.clearSignedOut(w) // a new login supersedes the last logout
	}
	// RFC 9207 also covers error responses: a forged one is not shown either.
	if err := h.checkResponseIssuer(q, ls.RD); err != nil {
		return err
	}
	if errs := q["error"]; len(errs) > 0 {
		return providerError(errs[0], ls.RD)
	}
	codes := q["code"]
	if len(codes) != 1 || codes[0] == "" {
		return loginRejected("missing or repeated code")
	}

	first, err := h.store.Claim(r.Context(), "login:"+hashToken(state), loginStateTTL)
	if err != nil {
		return err
	}
	if !first {
		return loginRejected("this login response was already used")
	}

	res, err := h.oidc.Exchange(r.Context(), codes[0], ls.Verifier, ls.Nonce)
	if errors.Is(err, oidcclient.ErrNotReady) {
		return err
	}
	if err != nil {
		// The error may quote the provider's answer, never our code or tokens.
		return loginFailed("login rejected: code exchange or token validation failed", err, ls.RD)
	}

	s, err := h.newSession(res)
	if errors.Is(err, identity.ErrIdentityTooLarge) {
		return identityTooLarge(err, ls.RD)
	}
	if err != nil {
		return loginFailed("login rejected", err, ls.RD)
	}
	h.recordDevice(s, r)
	if err := h.checkLoginStrength(r, s, res.IDToken, ls.Step, ls.RD); err != nil {
		return err
	}
	return h.completeLogin(w, r, s, res, ls.RD)
}

// completeLogin stores the new session, replaces the browser's old ones and
// sends it on to rd.
func (h *Handler) completeLogin(w http.ResponseWriter, r *http.Request, s *session.Session, res *oidcclient.Result, rd string) error {
	key := session.NewKey()
	var err error
	if s.Sealed, err = session.Seal(key, s.ID, session.Tokens{
		IDToken: res.IDToken, AccessToken: res.AccessToken, RefreshToken: res.RefreshToken,
	}); err != nil {
		return &errInternal{title: "Login failed", message: "Could not create the session.", err: fmt.Errorf("seal session tokens: %w", err)}
	}
	if err := h.store.Save(r.Context(), s, h.sessionTTL(s)); err != nil {
		return err
	}
	h.metrics.SessionCreated()
	// A login replaces whatever session this browser had (no fixation, no leftovers).
	for _, old := range h.cookies.sessionRefs(nil, r) {
		if err := h.store.Delete(r.Context(), old.ID); err != nil {
			h.log(r.Context()).Warn("delete replaced session", zap.String("session", session.HashID(old.ID)), zap.Error(err))
		} else {
			h.metrics.SessionDeleted(metrics.DeletedReplaced)
		}
	}
	if err := h.cookies.setSession(w, sessionRef{ID: s.ID, Key: key}); err != nil {
		return &errInternal{title: "Login failed", message: "Could not create the session.", err: fmt.Errorf("set session cookie: %w", err)}
	}
	h.log(r.Context()).Info("login completed", zap.String("user", s.Subject), zap.String("session", session.HashID(s.ID)))
	h.metrics.LoginCompleted()
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, rd, http.StatusFound)
	return nil
}

// loginRejected: the callback does not belong to a login this browser
// started (or was used already).
func loginRejected(reason string) error {
	return &errLogin{failure: metrics.LoginInvalidCallback, status: http.StatusBadRequest,
		title:   "Login could not be completed",
		message: "This login link is invalid or has expired (" + reason + ").",
		rd:      "/", linkText: "Sign in again",
		logMsg: "login callback rejected", fields: []zap.Field{zap.String("reason", reason)}}
}

// providerError shows the provider's refusal (e.g. the user denied consent)
// with a way to try again. Only known error codes are echoed.
func providerError(code, rd string) error {
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
	return &errLogin{failure: metrics.LoginProviderError, status: status, title: "Sign-in failed", message: message,
		rd: rd, logMsg: "login failed at the provider", fields: []zap.Field{zap.String("error", code)}}
}

// loginFailed: the provider's answer could not be verified. err may quote
// the provider's answer, never our code or tokens.
func loginFailed(logMsg string, err error, rd string) error {
	return &errLogin{failure: metrics.LoginExchangeFailed, status: http.StatusBadRequest, title: "Sign-in failed",
		message: "The identity provider's answer could not be verified, so you were not signed in.",
		rd:      rd, logMsg: logMsg, err: err}
}

func (h *Handler) startURL(rd string) string {
	return h.opts.publicURL + h.paths.start + "?rd=" + url.QueryEscape(rd)
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
