package proxy

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/session"
)

// logoutFormLimit bounds the body of a logout POST (the confirmation form
// sends one short field).
const logoutFormLimit = 64 << 10

// requestOrigin is what a request says about the page that sent it.
type requestOrigin int

const (
	originUnknown requestOrigin = iota // no Sec-Fetch-Site, Origin or Referer (curl, old clients)
	originSame                         // gatehouse's own pages, or typed into the address bar
	originCross                        // another site
)

// origin applies the same-origin rule of logout: Sec-Fetch-Site when the
// browser sends it (same-origin, or none for a typed URL or bookmark), else
// Origin, else Referer, compared with public_url's origin.
func (h *Handler) origin(r *http.Request) requestOrigin {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		if site == "same-origin" || site == "none" {
			return originSame
		}
		return originCross
	}
	from := r.Header.Get("Origin")
	if from == "" {
		from = r.Header.Get("Referer")
	}
	if from == "" {
		return originUnknown
	}
	if u, err := url.Parse(from); err == nil && strings.EqualFold(u.Scheme+"://"+u.Host, h.opts.publicURL) {
		return originSame
	}
	return originCross
}

// logout is RP-initiated logout. A same-origin request (or a GET that says
// nothing about its origin) ends the session at once: the session is deleted
// from the store, the cookie expired, and the browser sent to the provider's
// end_session_endpoint with id_token_hint, post_logout_redirect_uri and state
// (or to the validated rd when the provider has none). A cross-site GET gets
// a confirmation page whose button POSTs here, so a "Log out" link in the
// application keeps working while another site cannot log users out; a
// cross-site POST is refused.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		return &errRequest{status: http.StatusMethodNotAllowed, title: "Method not allowed",
			message: "Use GET or POST to log out.", header: [2]string{"Allow", "GET, POST"}}
	}
	r.Body = http.MaxBytesReader(w, r.Body, logoutFormLimit)
	if err := r.ParseForm(); err != nil {
		return &errRequest{status: http.StatusBadRequest, title: "Bad request", message: "The logout request could not be read."}
	}
	rd := r.Form.Get("rd")
	origin := h.origin(r)
	if r.Method == http.MethodPost && origin != originSame {
		// Browsers send Origin with every POST; one without is not a browser
		// following our confirmation form either.
		return &errRequest{status: http.StatusForbidden, title: "Sign-out refused",
			message: "This sign-out request came from another site. Use the sign-out button of this site instead.",
			reason:  "logout refused: POST not from gatehouse's origin"}
	}
	if origin == originCross {
		h.confirmLogout(w, r, rd)
		return nil
	}

	idToken, ended, err := h.endBrowserSessions(r)
	if err != nil {
		return err
	}
	h.cookies.clearSession(w)
	h.metrics.Logout(metrics.LogoutUser, ended)
	w.Header().Set("Cache-Control", "no-store")
	// The state travels to the provider and back; the marker cookie lets
	// the page the browser lands on say "signed out" (see afterLogout).
	state := randomToken()
	if target := h.endSessionURL(idToken, state); target != "" {
		h.cookies.setSignedOut(w, state)
		http.Redirect(w, r, target, http.StatusFound)
		return nil
	}
	if rd != "" {
		h.cookies.setSignedOut(w, state)
		http.Redirect(w, r, h.rd.Validate(rd), http.StatusFound)
		return nil
	}
	h.signedOutPage(w, r, "/")
	return nil
}

// endBrowserSessions deletes every session this browser's cookies name and
// returns the first one's ID token (for id_token_hint). When the store
// cannot answer it stops with the error, and the caller keeps the cookie so
// that a retry can finish.
func (h *Handler) endBrowserSessions(r *http.Request) (idToken string, ended int, err error) {
	for _, ref := range h.cookies.sessionRefs(nil, r) {
		s, err := h.store.Load(r.Context(), ref.ID)
		if errors.Is(err, session.ErrNotFound) {
			continue
		}
		if err != nil {
			return "", ended, err
		}
		if idToken == "" {
			// A cookie whose key no longer opens the tokens only loses the hint.
			if tokens, err := session.Open(ref.Key, ref.ID, s.Sealed); err == nil {
				idToken = tokens.IDToken
			}
		}
		if err := h.store.Delete(r.Context(), ref.ID); err != nil {
			return "", ended, err
		}
		h.endUpgrades(ref.ID) // its WebSockets close now, not at their next check
		ended++
		h.log(r.Context()).Info("logout", zap.String("kind", string(metrics.LogoutUser)), zap.String("user", s.Subject),
			zap.String("session", session.HashID(ref.ID)))
	}
	return idToken, ended, nil
}

// endSessionURL is the provider's end_session_endpoint with the hint, the
// configured post-logout URI and a fresh state, or "" when the provider has
// no such endpoint or there is no ID token to name the login (the browser
// had no live session: there is nothing to end at the provider that gatehouse
// knows of).
func (h *Handler) endSessionURL(idToken, state string) string {
	endpoint := h.oidc.EndSessionEndpoint()
	if endpoint == "" || idToken == "" {
		return ""
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return ""
	}
	q := u.Query()
	q.Set("id_token_hint", idToken)
	q.Set("post_logout_redirect_uri", h.postLogoutRedirectURI())
	q.Set("client_id", h.opts.clientID)
	q.Set("state", state)
	u.RawQuery = q.Encode()
	return u.String()
}

// postLogoutRedirectURI is oidc.post_logout_redirect_uri, which config
// validation holds to the rule of rd; it is checked once more here, and never
// taken from the request.
func (h *Handler) postLogoutRedirectURI() string {
	uri := h.opts.postLogoutRedirectURI
	if v := h.rd.Validate(uri); v == uri {
		return uri
	}
	return h.opts.publicURL + "/"
}

// confirmLogout asks before logging out on behalf of another site's link.
// The button POSTs from gatehouse's own page, which passes the same-origin
// rule; CSP form-action lets the submission follow the redirect to the
// provider (or to rd) and nowhere else.
func (h *Handler) confirmLogout(w http.ResponseWriter, r *http.Request, rd string) {
	fields := map[string]string{}
	targets := []string{originOf(h.oidc.EndSessionEndpoint())}
	if rd != "" {
		rd = h.rd.Validate(rd)
		fields["rd"] = rd
		targets = append(targets, originOf(rd))
	}
	renderPage(w, r, page{
		Title:       "Sign out?",
		Message:     "A link asked to sign you out. Do you want to sign out?",
		Form:        &pageForm{Action: h.paths.logout, Fields: fields, Button: "Sign out"},
		FormTargets: targets,
	})
}

// signedOutPage is shown after a logout; its link starts a new login that
// returns to rd.
func (h *Handler) signedOutPage(w http.ResponseWriter, r *http.Request, rd string) {
	renderPage(w, r, page{
		Title:    "Signed out",
		Message:  "You have been signed out.",
		Link:     h.startURL(rd),
		LinkText: "Sign in again",
	})
}

// afterLogout shows the signed-out page, once, to a browser that logged out
// in the last minutes and now arrives without a session: typically on the
// post-logout URI the provider sent it back to (with our state). Sending it
// to log in instead would start a new login at once. A state that differs
// from the marker's belongs to something else, and the request goes on as
// usual.
func (h *Handler) afterLogout(w http.ResponseWriter, r *http.Request) bool {
	marker, ok := h.cookies.signedOut(r)
	if !ok || !isBrowserNavigation(r) {
		return false
	}
	q := r.URL.Query()
	if state := q.Get("state"); state != "" {
		if state != marker {
			return false
		}
		q.Del("state")
	}
	h.cookies.clearSignedOut(w)
	rd := r.URL.Path
	if len(q) > 0 {
		rd += "?" + q.Encode()
	}
	h.signedOutPage(w, r, rd)
	return true
}

// safeOrigin is what may appear as a source in a CSP header.
var safeOrigin = regexp.MustCompile(`^https?://[A-Za-z0-9.\-\[\]:]+$`)

// originOf returns scheme://host of an absolute URL, or "" for a local path
// or anything unfit for a CSP source list.
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	o := u.Scheme + "://" + u.Host
	if !safeOrigin.MatchString(o) {
		return ""
	}
	return o
}
