package proxy

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/session"
)

// Step-up (authorization.rules[].acr_values, max_age): a session that the
// policy allows on a path but whose login is too weak or too old for it.
// A browser navigation is sent to log in again, like a request without a
// session (/start asks for the rule's acr_values and max_age, see
// loginStepUp); anything else gets RFC 9470's 401. The login that comes back
// is checked against what was asked for (checkLoginStrength): a provider
// that answers with a weaker acr or an old auth_time gets a 403 page, never
// another redirect, so there is no loop.

// errStepUpLogin sends a browser navigation to log in (respond: 302 to
// /start with rd, which asks for the step-up).
var errStepUpLogin = fmt.Errorf("%w: the login is not strong or recent enough for the path", errNotLoggedIn)

const insufficientAuth = "insufficient_user_authentication"

// stepUpRequired is the answer to a request whose session does not meet
// step: a new login for a browser navigation, RFC 9470's challenge for the
// rest.
func stepUpRequired(r *http.Request, step authz.StepUp) error {
	if isBrowserNavigation(r) {
		return errStepUpLogin
	}
	return &errRequest{status: http.StatusUnauthorized, code: insufficientAuth,
		message: "a stronger or more recent login is required",
		header:  [2]string{"WWW-Authenticate", stepUpChallenge(step)}, outcome: metrics.OutcomeUnauthorized,
		reason: "step-up required", level: zapcore.InfoLevel}
}

// stepUpChallenge is the WWW-Authenticate value of RFC 9470, section 3.
// acr values are validated tokens without quotes or spaces.
func stepUpChallenge(step authz.StepUp) string {
	var b strings.Builder
	b.WriteString(`Bearer error="` + insufficientAuth + `", error_description="A different authentication level is required"`)
	if len(step.ACRValues) > 0 {
		b.WriteString(`, acr_values="` + strings.Join(step.ACRValues, " ") + `"`)
	}
	if step.HasMaxAge {
		b.WriteString(", max_age=" + strconv.FormatInt(int64(step.MaxAge/time.Second), 10))
	}
	return b.String()
}

// forwardAuthStepUp answers forward-auth's step-up: 401 with the challenge
// and the login URL, as for a request without a session (nginx's
// error_page sends a browser to log in; an API client reads the challenge).
func (h *Handler) forwardAuthStepUp(w http.ResponseWriter, r *http.Request, orig originalRequest, step authz.StepUp) {
	w.Header().Set("WWW-Authenticate", stepUpChallenge(step))
	h.forwardAuthUnauthorized(w, r, orig, insufficientAuth, "a stronger or more recent login is required")
}

// loginStepUp is the step-up a login that returns to rd must ask for: the
// policy's, for a GET of rd's path from this client. It comes from the
// configuration, never from the query: rd only says where the login goes.
func (h *Handler) loginStepUp(r *http.Request, rd string) authz.StepUp {
	u, err := url.Parse(rd)
	if err != nil {
		return authz.StepUp{}
	}
	p, err := authz.CleanPath(authz.WirePath(u))
	if err != nil {
		return authz.StepUp{}
	}
	req := h.policyRequest(r, p)
	req.Method = http.MethodGet
	return h.policy.LoginStepUp(req)
}

// stepUpParams are the authorization request parameters that ask for step:
// acr_values, max_age, and prompt=login when max_age is 0 (providers differ
// in whether max_age=0 alone forces a new login).
func stepUpParams(step authz.StepUp, into url.Values) {
	if len(step.ACRValues) > 0 {
		into.Set("acr_values", strings.Join(step.ACRValues, " "))
	}
	if step.HasMaxAge {
		into.Set("max_age", strconv.FormatInt(int64(step.MaxAge/time.Second), 10))
		if step.MaxAge == 0 {
			into.Set("prompt", "login")
		}
	}
}

// errStepUpNotMet: the provider signed the user in, but not as strongly or
// as recently as the login asked for. A page, not a redirect: asking again
// at once would loop.
func errStepUpNotMet(reason, rd string) error {
	return &errLogin{failure: metrics.LoginProviderError, status: http.StatusForbidden, title: "Stronger sign-in required",
		message: "This page needs a stronger or more recent sign-in than the identity provider confirmed, so you were not signed in again. " +
			"Your earlier sign-in still works for the rest of the application.",
		rd: rd, logMsg: "login refused: the provider did not confirm the requested step-up", fields: []zap.Field{zap.String("reason", reason)}}
}

// checkLoginStrength sets the session's acr and auth_time from the
// validated ID token (never from userinfo, which gatehouse merges into the
// claims but which is not the login's statement) and checks them against
// what the login asked for. A malformed acr or auth_time counts as absent:
// it fails a step-up, but claims gatehouse does not need never fail a login.
func (h *Handler) checkLoginStrength(r *http.Request, s *session.Session, idToken string, step authz.StepUp, rd string) error {
	acr, authTime, err := idTokenStrength(idToken)
	if err != nil {
		h.log(r.Context()).Info("ID token acr or auth_time ignored", zap.Error(err))
		acr, authTime = "", time.Time{}
	}
	s.ACR, s.AuthTime = acr, authTime
	switch {
	case step.HasMaxAge && authTime.IsZero():
		return errStepUpNotMet("max_age was requested but the ID token has no auth_time", rd)
	case len(step.ACRValues) > 0 && acr == "":
		return errStepUpNotMet("acr_values were requested but the ID token has no acr", rd)
	case !step.SatisfiedBy(acr, authTime, h.now(), h.opts.clockSkew):
		return errStepUpNotMet("the ID token's acr or auth_time does not meet the request", rd)
	}
	return nil
}

// idTokenStrength reads acr and auth_time from an ID token that the client
// has validated already (signature, iss, aud, exp, nonce).
func idTokenStrength(idToken string) (acr string, authTime time.Time, err error) {
	parts := strings.Split(idToken, ".")
	if len(parts) != 3 {
		return "", time.Time{}, errors.New("ID token is not a compact JWS")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", time.Time{}, fmt.Errorf("ID token payload: %w", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		return "", time.Time{}, fmt.Errorf("ID token payload: %w", err)
	}
	return loginStrength(claims)
}

// maxUnixSeconds is the last second of year 9999: a larger auth_time is no
// time.
const maxUnixSeconds = 253402300799

// loginStrength reads acr (a string) and auth_time (seconds since the
// epoch) from claims; a claim of another type is an error, an absent one
// is zero.
func loginStrength(claims map[string]any) (acr string, authTime time.Time, err error) {
	switch v := claims["acr"].(type) {
	case nil:
	case string:
		acr = v
	default:
		return "", time.Time{}, errors.New("acr is not a string")
	}
	switch v := claims["auth_time"].(type) {
	case nil:
	case float64:
		if !(v > 0 && v <= maxUnixSeconds) {
			return "", time.Time{}, errors.New("auth_time is out of range")
		}
		authTime = time.Unix(int64(v), 0)
	default:
		return "", time.Time{}, errors.New("auth_time is not a number")
	}
	return acr, authTime, nil
}
