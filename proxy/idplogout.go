package proxy

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/oidcclient"
	"github.com/gatehouse/gatehouse/internal/session"
)

// logoutTokenLimit bounds the back-channel request body; logout tokens are
// well under 4 KiB.
const logoutTokenLimit = 64 << 10

// Reasons a back-channel request is refused before or after token validation
// (oidcclient.LogoutReason* are the token's own).
const (
	rejectBody     = "body"     // unreadable or oversized body, logout_token missing or repeated
	rejectReplayed = "replayed" // the jti was seen before
	rejectIssuer   = "issuer"   // front-channel: iss is not oidc.issuer
	rejectNoSID    = "no_sid"   // front-channel without sid
)

// backchannelLogout is OpenID Connect Back-Channel Logout 1.0: the provider
// POSTs a signed logout token naming a login session (sid) or a user (sub),
// and every gatehouse session of it is deleted from the shared store, so it
// ends on every replica. 200 only once the sessions are gone; 400
// {"error":"invalid_request"} for any token that does not validate; 503 when
// the store or the provider's discovery is unavailable (the provider may
// retry).
func (h *Handler) backchannelLogout(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodPost {
		return &errRequest{status: http.StatusMethodNotAllowed, code: "invalid_request", message: "POST a logout_token",
			header: [2]string{"Allow", "POST"}}
	}
	r.Body = http.MaxBytesReader(w, r.Body, logoutTokenLimit)
	if err := r.ParseForm(); err != nil {
		h.rejectLogoutToken(w, r, rejectBody, err)
		return nil
	}
	values := r.PostForm["logout_token"]
	if len(values) != 1 || values[0] == "" {
		h.rejectLogoutToken(w, r, rejectBody, errors.New("logout_token missing, empty or repeated"))
		return nil
	}
	maxAge := h.opts.logoutTokenMaxAge
	lt, err := h.oidc.VerifyLogoutToken(r.Context(), values[0], maxAge)
	if errors.Is(err, oidcclient.ErrNotReady) {
		return err
	}
	if err != nil {
		reason := oidcclient.LogoutReasonMalformed
		if lte := new(oidcclient.LogoutTokenError); errors.As(err, &lte) {
			reason = lte.Reason
		}
		h.rejectLogoutToken(w, r, reason, err)
		return nil
	}

	// Sessions go first, the jti mark after them, so that no store write
	// that timed out (503) yet ran later can refuse the provider's retry as
	// a replay while the sessions live on. A replay is harmless in turn:
	// only sessions created before the token was issued end, never a login
	// that came after it.
	issuedBefore := lt.IssuedAt.Add(h.opts.clockSkew)
	ended, err := h.endProviderSessions(r.Context(), lt.Subject, lt.SessionID, issuedBefore)
	if err != nil {
		h.endUpgrades(ended...)
		return err
	}
	// The jti is remembered for as long as a token with it can pass the
	// iat check (max age, plus the skew a future iat may have had).
	jtiKey := "logout-jti:" + hashToken(lt.Issuer+"\x00"+lt.JWTID)
	first, err := h.store.Claim(r.Context(), jtiKey, maxAge+h.opts.clockSkew)
	if err != nil {
		h.endUpgrades(ended...)
		return err
	}
	if !first {
		h.endUpgrades(ended...)
		h.rejectLogoutToken(w, r, rejectReplayed, errors.New("jti already used"))
		return nil
	}
	h.endUpgrades(ended...)
	h.metrics.Logout(metrics.LogoutBackChannel, len(ended))
	h.log(r.Context()).Info("logout", zap.String("kind", string(metrics.LogoutBackChannel)), zap.String("user", lt.Subject),
		zap.String("idp_session", hashedSID(lt.SessionID)), zap.Int("sessions", len(ended)))
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	return nil
}

// endProviderSessions deletes the sessions a logout names that were created
// before issuedBefore: those of the provider session sid, or all of the user
// sub when only sub is given. With both, only the sessions of sid that belong
// to sub: a sid that names another user's session ends nothing.
func (h *Handler) endProviderSessions(ctx context.Context, sub, sid string, issuedBefore time.Time) ([]string, error) {
	var sessions []*session.Session
	var err error
	if sid != "" {
		sessions, err = h.store.SessionsByIDPSession(ctx, sid)
	} else {
		sessions, err = h.store.SessionsBySubject(ctx, sub)
	}
	if err != nil {
		return nil, err
	}
	ended := []string{}
	for _, s := range sessions {
		if sub != "" && s.Subject != sub || s.CreatedAt.After(issuedBefore) {
			continue
		}
		if err := h.store.Delete(ctx, s.ID); err != nil {
			return ended, err
		}
		ended = append(ended, s.ID)
	}
	return ended, nil
}

// rejectLogoutToken answers 400 and logs why, never the token.
func (h *Handler) rejectLogoutToken(w http.ResponseWriter, r *http.Request, reason string, err error) {
	h.metrics.LogoutRejected(metrics.LogoutBackChannel, reason)
	h.log(r.Context()).Warn("back-channel logout token rejected", zap.String("reason", reason), zap.Error(err))
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": "invalid_request"})
}

// frontchannelLogout is OpenID Connect Front-Channel Logout 1.0: the
// provider's logout page loads this URL in an iframe, with iss and sid, and
// the sessions of that provider session are deleted. There is no same-origin
// rule (the request comes from the provider's page): what limits abuse is
// that it deletes only by sid, a value the provider generates at random and
// gatehouse never reveals, and that iss must be the provider's. Without sid
// nothing is deleted (register the client with
// frontchannel_logout_session_required).
func (h *Handler) frontchannelLogout(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		h.frontchannelPage(w, http.StatusMethodNotAllowed)
		return nil
	}
	q := r.URL.Query()
	sid, iss := q.Get("sid"), q.Get("iss")
	if sid == "" {
		h.rejectFrontchannel(w, r, rejectNoSID)
		return nil
	}
	if iss != h.opts.issuer {
		h.rejectFrontchannel(w, r, rejectIssuer)
		return nil
	}
	ended, err := h.store.DeleteByIDPSession(r.Context(), sid)
	if err != nil {
		// The iframe gets its own empty page; the log line is respond's.
		h.logAnswer(r, classify(err, false, r.Context().Err() != nil))
		h.frontchannelPage(w, http.StatusServiceUnavailable)
		return nil
	}
	h.endUpgrades(ended...)
	h.metrics.Logout(metrics.LogoutFrontChannel, len(ended))
	h.log(r.Context()).Info("logout", zap.String("kind", string(metrics.LogoutFrontChannel)), zap.String("idp_session", hashedSID(sid)),
		zap.Int("sessions", len(ended)))
	h.frontchannelPage(w, http.StatusOK)
	return nil
}

func (h *Handler) rejectFrontchannel(w http.ResponseWriter, r *http.Request, reason string) {
	h.metrics.LogoutRejected(metrics.LogoutFrontChannel, reason)
	h.log(r.Context()).Warn("front-channel logout rejected", zap.String("reason", reason))
	h.frontchannelPage(w, http.StatusBadRequest)
}

// frontchannelPage is the empty page the provider's iframe loads. It may be
// framed by any site (that is how it is used, and the provider's logout page
// need not be on the issuer's origin): frame-ancestors * keeps gatehouse's
// frame-ancestors 'none' off it (securityheaders.go). Framing it gains an
// attacker nothing: it has no button and shows nothing. It is never cached
// and runs nothing.
func (h *Handler) frontchannelPage(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; frame-ancestors *")
	w.WriteHeader(status)
	_, _ = w.Write([]byte("<!doctype html><title>" + strings.ToLower(http.StatusText(status)) + "</title>\n"))
}

// hashedSID is how logs name a provider session: the sid itself is what
// front-channel logout trusts, so it is not written out.
func hashedSID(sid string) string {
	if sid == "" {
		return ""
	}
	return session.HashID("idp\x00" + sid)
}
