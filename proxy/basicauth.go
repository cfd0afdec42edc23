package proxy

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode"

	"github.com/gatehouse/gatehouse/internal/claims"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/session"
)

// basicAuth is upstream.basic_auth: the user, from a claim, and the
// configured password, sent upstream as "Authorization: Basic".
type basicAuth struct {
	user     claims.Ref
	password string
}

// errBasicAuthUser: the session's user claim cannot be a Basic user-id
// (RFC 7617: no ":"), is empty, or holds a control character. Sending it
// cut or cleaned could name another user, so the request is refused.
var errBasicAuthUser = errors.New("proxy: upstream.basic_auth user claim is empty or not a valid user-id")

// newBasicAuth returns nil when upstream.basic_auth is off.
func newBasicAuth(cfg config.BasicAuth) (*basicAuth, error) {
	if !cfg.Enabled {
		return nil, nil
	}
	ref, err := claims.Parse(cfg.UserClaim)
	if err != nil {
		return nil, fmt.Errorf("upstream.basic_auth.user_claim: %w", err)
	}
	return &basicAuth{user: ref, password: cfg.Password}, nil
}

// header is the Authorization value for s's user.
func (b *basicAuth) header(s *session.Session) (string, error) {
	v := claims.Get(s, b.user)
	if v.IsList || v.Text == "" || strings.ContainsRune(v.Text, ':') || strings.ContainsFunc(v.Text, unicode.IsControl) {
		return "", errBasicAuthUser
	}
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(v.Text+":"+b.password)), nil
}

// keepsAuthorization reports whether the client's Authorization header goes
// upstream as sent: a bearer-authenticated request with
// bearer.pass_authorization_header. Then no Basic credentials are sent
// (a request has one Authorization).
func (h *Handler) keepsAuthorization(auth *authenticated) bool {
	return auth != nil && auth.bearer != "" && h.opts.passAuthorization
}

// basicUserOK reports whether auth may be sent upstream as a Basic user: a
// user whose claim is unusable is refused everywhere (403), and is
// anonymous on public paths.
func (h *Handler) basicUserOK(auth *authenticated) bool {
	if h.basic == nil || h.keepsAuthorization(auth) {
		return true
	}
	if _, err := h.basic.header(auth.session); err != nil {
		// The value is not logged: it may be anything the provider holds.
		h.repeatLog.Warn("upstream.basic_auth: refused a user whose user claim is empty, has \":\" or a control character (logged at most every 10s)")
		return false
	}
	return true
}

// setBasicAuth writes the Basic credentials of auth into hdr (the outgoing
// request or the forward-auth 202). The user was checked by basicUserOK.
func (h *Handler) setBasicAuth(hdr http.Header, auth *authenticated) {
	if h.basic == nil || h.keepsAuthorization(auth) {
		return
	}
	if v, err := h.basic.header(auth.session); err == nil {
		hdr["Authorization"] = []string{v}
	}
}
