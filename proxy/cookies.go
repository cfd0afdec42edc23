package proxy

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/cookie"
)

// sessionRef is the session cookie's content (cookie.SessionRef).
type sessionRef = cookie.SessionRef

// loginState is one login attempt, in its own cookie bound to this browser.
type loginState struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	RD       string `json:"r"`
	// Step is the step-up this login asked the provider for (stepup.go);
	// the callback holds the login to it.
	Step authz.StepUp `json:"u,omitzero"`
}

// cookieJar names, writes and reads gatehouse's cookies.
type cookieJar struct {
	sessionName string
	baseNames   []string // every session cookie name gatehouse may see (with and without __Host-)
	secure      bool
	sessions    *cookie.Codec
	logins      *cookie.Codec
	maxAge      time.Duration
	refs        *refCache // verified session cookie values (refcache.go)
}

func newCookieJar(cfg *config.Config) (cookieJar, error) {
	secrets := cfg.Cookie.DecodedSecrets
	sessions, err := cookie.NewCodec(secrets, cfg.Session.AbsoluteTimeout)
	if err != nil {
		return cookieJar{}, err
	}
	logins, err := cookie.NewCodec(secrets, loginStateTTL)
	if err != nil {
		return cookieJar{}, err
	}
	return cookieJar{
		sessionName: cfg.SessionCookieName(),
		baseNames:   []string{cfg.Cookie.Name, "__Host-" + cfg.Cookie.Name},
		secure:      cfg.Secure(),
		sessions:    sessions,
		logins:      logins,
		maxAge:      cfg.Session.AbsoluteTimeout,
		refs:        newRefCache(cfg.Session.CacheEntries, time.Now),
	}, nil
}

// sessionRefs appends every session cookie the request carries to refs, in
// header order. Values that do not decode are skipped: a broken cookie means
// "not logged in", never an error.
func (j cookieJar) sessionRefs(refs []sessionRef, r *http.Request) []sessionRef {
	for _, line := range r.Header["Cookie"] {
		for part := range strings.SplitSeq(line, ";") {
			name, value, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok || name != j.sessionName {
				continue
			}
			if ref, ok := j.refs.decode(unquoteCookieValue(value), j.decodeRef); ok {
				refs = append(refs, ref)
			}
		}
	}
	return refs
}

// unquoteCookieValue drops the double quotes a cookie value may be sent in
// (RFC 6265), as net/http does. The session cookie is read here rather than
// with Request.CookiesNamed, which builds a Cookie for every cookie of the
// header on every request; a value that is not well-formed fails to decode.
func unquoteCookieValue(v string) string {
	if len(v) > 1 && v[0] == '"' && v[len(v)-1] == '"' {
		return v[1 : len(v)-1]
	}
	return v
}

func (j cookieJar) decodeRef(value string, ref *sessionRef) error {
	return j.sessions.Decode(j.sessionName, value, ref)
}

func (j cookieJar) setSession(w http.ResponseWriter, ref sessionRef) error {
	value, err := j.sessions.Encode(j.sessionName, ref)
	if err != nil {
		return err
	}
	http.SetCookie(w, j.cookie(j.sessionName, value, int(j.maxAge/time.Second)))
	return nil
}

func (j cookieJar) clearSession(w http.ResponseWriter) {
	http.SetCookie(w, j.cookie(j.sessionName, "", -1))
}

// loginName is the per-attempt login cookie name, derived from the state so
// the callback finds exactly its own attempt and parallel tabs do not collide.
func (j cookieJar) loginName(state string) string {
	sum := sha256.Sum256([]byte(state))
	return j.sessionName + "-login-" + hex.EncodeToString(sum[:4])
}

func (j cookieJar) setLogin(w http.ResponseWriter, ls loginState) error {
	name := j.loginName(ls.State)
	value, err := j.logins.Encode(name, ls)
	if err != nil {
		return err
	}
	http.SetCookie(w, j.cookie(name, value, int(loginStateTTL/time.Second)))
	return nil
}

// login reads the attempt that state names; ok is false when this browser did
// not start it, it expired, or the cookie was tampered with.
func (j cookieJar) login(r *http.Request, state string) (ls loginState, ok bool) {
	name := j.loginName(state)
	c, err := r.Cookie(name)
	if err != nil {
		return ls, false
	}
	if j.logins.Decode(name, c.Value, &ls) != nil {
		return ls, false
	}
	return ls, true
}

// maxLoginCookies is how many login attempts one browser keeps at once. Each
// cookie is about 400 bytes for 10 minutes: without a cap a cross-site page
// that opens /start a hundred times would push every later request of this
// browser over server.max_header_bytes (431) until they expire.
const maxLoginCookies = 4

// expireOldLogins makes room for one more login attempt: when the request
// already carries maxLoginCookies or more, the oldest are expired so that
// maxLoginCookies-1 remain. Browsers send cookies of the same path oldest
// first (RFC 6265, section 5.4), so the oldest are the first in the header.
// The values are not decoded: a broken or foreign login cookie is expired
// like any other.
func (j cookieJar) expireOldLogins(w http.ResponseWriter, r *http.Request) {
	prefix := j.sessionName + "-login-"
	var names []string
	for _, line := range r.Header["Cookie"] {
		for part := range strings.SplitSeq(line, ";") {
			name, _, _ := strings.Cut(strings.TrimSpace(part), "=")
			if strings.HasPrefix(name, prefix) && !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	for _, name := range names[:max(0, len(names)-(maxLoginCookies-1))] {
		http.SetCookie(w, j.cookie(name, "", -1))
	}
}

func (j cookieJar) clearLogin(w http.ResponseWriter, state string) {
	http.SetCookie(w, j.cookie(j.loginName(state), "", -1))
}

func (j cookieJar) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   j.secure,
		SameSite: http.SameSiteLaxMode,
	}
}

// signedOutName is the marker a logout leaves: the next page this browser
// opens without a session says "signed out" instead of starting a new login
// (which the provider, still logged in or not, would answer at once).
func (j cookieJar) signedOutName() string { return j.sessionName + "-signed-out" }

// setSignedOut remembers the logout's state value for a while. It is no
// secret: it only ever changes which page an unauthenticated browser sees.
func (j cookieJar) setSignedOut(w http.ResponseWriter, state string) {
	http.SetCookie(w, j.cookie(j.signedOutName(), state, int(loginStateTTL/time.Second)))
}

// signedOut returns the state of a recent logout in this browser.
func (j cookieJar) signedOut(r *http.Request) (state string, ok bool) {
	c, err := r.Cookie(j.signedOutName())
	if err != nil || c.Value == "" {
		return "", false
	}
	return c.Value, true
}

func (j cookieJar) clearSignedOut(w http.ResponseWriter) {
	http.SetCookie(w, j.cookie(j.signedOutName(), "", -1))
}

// isOwnCookie reports whether a cookie name belongs to gatehouse: such cookies
// never travel upstream.
func (j cookieJar) isOwnCookie(name string) bool {
	for _, base := range j.baseNames {
		if name == base || name == base+"-signed-out" || strings.HasPrefix(name, base+"-login-") {
			return true
		}
	}
	return false
}
