package identity

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/cache"
	"github.com/gatehouse/gatehouse/internal/session"
)

// AssertionOptions configure an Asserter.
type AssertionOptions struct {
	Signer   *Signer
	Issuer   string // iss: public_url
	Audience string // aud
	TTL      time.Duration
	// Header is the header name the assertion travels in; with MaxBytes it
	// bounds the size of the header line (name + value).
	Header   string
	MaxBytes int
	// Mapper, when set, is asked once per signing whether the plain identity
	// headers were trimmed too, so that one warning covers both.
	Mapper *Mapper
	// CacheSize bounds how many sessions' assertions are kept for reuse
	// (gatehouse passes session.cache_entries). 0 keeps none: every call
	// signs, and a session whose groups are trimmed is warned about and
	// counted on every call. A negative value means DefaultAssertionCacheSize.
	CacheSize int
	Logger    *zap.Logger
	Now       func() time.Time // default time.Now
}

// DefaultAssertionCacheSize is AssertionOptions.CacheSize when it is
// negative, the default of session.cache_entries.
const DefaultAssertionCacheSize = 10000

// Asserter issues the signed identity assertion for a session. A signed
// assertion is reused for the same session and identity until less than half
// of its lifetime remains, so steady-state requests do no signing.
type Asserter struct {
	opts AssertionOptions

	// cache is keyed by session id: hashing it (for the sid claim) on every
	// request cost more than the rest of a cache hit. The process holds the
	// ids anyway (the session store's caches are keyed by them). Bearer
	// identities are keyed by a hash of their token (BearerAssertion). An
	// entry expires at its refreshAt. nil (CacheSize 0): off.
	cache *cache.Cache[string, *cached]
	// storing serializes replacing an entry, so that the groups-truncated
	// warning carried from the entry replaced is given once per session.
	storing sync.Mutex

	truncated atomic.Uint64
}

// cached is one session's current assertion and the identity it states;
// never changed once cached.
type cached struct {
	identity payload // iat/exp zero: the identity fingerprint
	token    string
	warned   bool // the groups-truncated warning was logged for this session
}

// payload is the assertion's claims.
type payload struct {
	Issuer            string   `json:"iss"`
	Audience          string   `json:"aud"`
	Subject           string   `json:"sub"`
	Email             string   `json:"email,omitempty"`
	Name              string   `json:"name,omitempty"`
	PreferredUsername string   `json:"preferred_username,omitempty"`
	Groups            []string `json:"groups"`
	GroupsTruncated   bool     `json:"groups_truncated,omitempty"`
	SessionID         string   `json:"sid,omitempty"` // absent for bearer tokens
	// ACR and AuthTime state how and when the user logged in (absent when
	// the provider did not say), so the upstream can ask for more itself.
	ACR      string `json:"acr,omitempty"`
	AuthTime int64  `json:"auth_time,omitempty"`
	IssuedAt int64  `json:"iat"`
	Expires  int64  `json:"exp"`
}

// NewAsserter builds an Asserter; Signer, Issuer, Audience and a positive TTL
// are required.
func NewAsserter(opts AssertionOptions) (*Asserter, error) {
	if opts.Signer == nil || opts.Issuer == "" || opts.Audience == "" || opts.TTL <= 0 {
		return nil, fmt.Errorf("identity: assertion needs a signer, issuer, audience and TTL")
	}
	if opts.CacheSize < 0 {
		opts.CacheSize = DefaultAssertionCacheSize
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = zap.NewNop()
	}
	return &Asserter{opts: opts, cache: cache.New[string, *cached](opts.CacheSize, opts.Now)}, nil
}

// Header is the name of the header that carries the assertion.
func (a *Asserter) Header() string { return a.opts.Header }

// JWKS is the JSON Web Key Set that verifies the assertions.
func (a *Asserter) JWKS() []byte { return a.opts.Signer.JWKS() }

// TruncatedSessions counts the sessions whose groups were trimmed to fit
// identity.max_header_bytes (each session counted once while it is cached;
// with CacheSize 0, once per call).
func (a *Asserter) TruncatedSessions() uint64 { return a.truncated.Load() }

// Assertion returns the header value (a compact JWS) for the stored session
// s. It signs only when the session has no cached assertion, its identity
// changed, or less than half of the cached one's lifetime remains.
func (a *Asserter) Assertion(s *session.Session) (string, error) {
	return a.issue(s, s.ID, false)
}

// bearerKeyPrefix keeps bearer cache keys apart from session ids.
const bearerKeyPrefix = "\x00bearer:"

// BearerAssertion returns the assertion for the identity of a bearer token.
// tokenHash identifies the token (a hash of it, never the token): each token
// has its own cache slot, so two tokens never share an assertion. The
// assertion has no sid (there is no session) and never outlives the token:
// its exp is at most s.ExpiresAt, the token's exp.
func (a *Asserter) BearerAssertion(s *session.Session, tokenHash string) (string, error) {
	return a.issue(s, bearerKeyPrefix+tokenHash, true)
}

func (a *Asserter) issue(s *session.Session, key string, bearer bool) (string, error) {
	if e, ok := a.cache.Get(key); ok && e.identity.sameIdentity(s) {
		return e.token, nil
	}
	now := a.opts.Now()

	// Sign outside the lock: two concurrent requests of one session may both
	// sign once, which is cheaper than making every session wait for another.
	sid, notAfter := "", time.Time{}
	if bearer {
		notAfter = s.ExpiresAt
	} else {
		sid = session.HashID(s.ID)
	}
	c := a.identityOf(s, sid)
	token, groupsCut, err := a.sign(c, now, notAfter)
	if err != nil {
		return "", err
	}
	cut := groupsCut
	if !cut && a.opts.Mapper != nil {
		_, cut = a.opts.Mapper.Headers(s)
	}

	if a.cache == nil {
		if cut {
			a.warnTrimmed(s, sid)
		}
		return token, nil
	}
	refreshAt := now.Add(a.opts.TTL / 2)
	if !notAfter.IsZero() && notAfter.Before(refreshAt) {
		refreshAt = notAfter
	}
	a.storing.Lock()
	defer a.storing.Unlock()
	warned := false
	if old, ok := a.cache.Peek(key); ok { // expired or not: the warning was given
		warned = old.warned
	}
	a.cache.Put(key, &cached{identity: c, token: token, warned: warned || cut}, refreshAt)
	if cut && !warned {
		a.warnTrimmed(s, sid)
	}
	return token, nil
}

// warnTrimmed counts and logs a session whose groups were trimmed.
func (a *Asserter) warnTrimmed(s *session.Session, sid string) {
	a.truncated.Add(1)
	a.opts.Logger.Warn("identity headers and assertion groups trimmed to identity.max_header_bytes",
		zap.String("user", s.Subject), zap.String("session", sid), zap.Int("groups", len(s.Groups)))
}

// identityOf is the identity part of the claims (no times).
func (a *Asserter) identityOf(s *session.Session, sid string) payload {
	groups := s.Groups
	if groups == nil {
		groups = []string{}
	}
	return payload{
		Issuer: a.opts.Issuer, Audience: a.opts.Audience,
		Subject: s.Subject, Email: s.Email, Name: s.Name, PreferredUsername: s.PreferredUsername,
		Groups: slices.Clone(groups), SessionID: sid,
		ACR: s.ACR, AuthTime: unixOrZero(s.AuthTime),
	}
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func (c *payload) sameIdentity(s *session.Session) bool {
	return c.Subject == s.Subject && c.Email == s.Email && c.Name == s.Name &&
		c.PreferredUsername == s.PreferredUsername && slices.Equal(c.Groups, s.Groups) &&
		c.ACR == s.ACR && c.AuthTime == unixOrZero(s.AuthTime)
}

// sign signs c issued at now, expiring after the TTL or at notAfter if that
// is earlier (zero: no bound). When the header line (name and value) would
// exceed MaxBytes, groups are trimmed from the end and groups_truncated is
// set; when it does not fit even without groups, nothing is signed and the
// error is ErrIdentityTooLarge: an upstream behind nginx or PHP would refuse
// the request anyway, and a cut scalar claim would state a wrong identity.
func (a *Asserter) sign(c payload, now, notAfter time.Time) (token string, cut bool, err error) {
	c.IssuedAt = now.Unix()
	c.Expires = now.Add(a.opts.TTL).Unix()
	if !notAfter.IsZero() && notAfter.Unix() < c.Expires {
		c.Expires = notAfter.Unix()
	}
	all := c.Groups
	room := a.opts.MaxBytes - len(a.opts.Header)
	payload, err := json.Marshal(c)
	if err != nil {
		return "", false, fmt.Errorf("identity: encode assertion: %w", err)
	}
	if a.opts.MaxBytes > 0 && a.opts.Signer.encodedLen(len(payload)) > room {
		c.Groups = []string{}
		c.GroupsTruncated = len(all) > 0
		if p, _ := json.Marshal(c); a.opts.Signer.encodedLen(len(p)) > room {
			return "", false, tooLarge(largestScalar(c), "the signed assertion", a.opts.MaxBytes)
		}
		cut = true
		// The largest prefix of groups that fits; the length of a JWS does not
		// depend on the signature's value, so no signing is needed to search.
		lo, hi := 0, len(all)-1
		for lo < hi {
			mid := (lo + hi + 1) / 2
			c.Groups = all[:mid]
			p, _ := json.Marshal(c)
			if a.opts.Signer.encodedLen(len(p)) <= room {
				lo = mid
			} else {
				hi = mid - 1
			}
		}
		c.Groups = all[:lo]
		if payload, err = json.Marshal(c); err != nil {
			return "", false, fmt.Errorf("identity: encode assertion: %w", err)
		}
	}
	token, err = a.opts.Signer.Sign(payload)
	return token, cut, err
}

// CheckFits reports (as ErrIdentityTooLarge) whether s's identity can be
// stated within identity.max_header_bytes: the assertion with every group
// trimmed, as a session's assertion (with sid) would be. It is asked at login,
// so that a claim too long for the cap refuses the login instead of failing
// every request.
func (a *Asserter) CheckFits(s *session.Session) error {
	c := a.identityOf(s, session.HashID(s.ID))
	c.Groups, c.GroupsTruncated = []string{}, len(s.Groups) > 0
	now := a.opts.Now()
	c.IssuedAt, c.Expires = now.Unix(), now.Add(a.opts.TTL).Unix()
	p, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("identity: encode assertion: %w", err)
	}
	if a.opts.MaxBytes > 0 && a.opts.Signer.encodedLen(len(p)) > a.opts.MaxBytes-len(a.opts.Header) {
		return tooLarge(largestScalar(c), "the signed assertion", a.opts.MaxBytes)
	}
	return nil
}

// largestScalar names the longest of the assertion's free-text claims: the
// one to blame when the assertion cannot fit.
func largestScalar(c payload) string {
	name, n := "sub", len(c.Subject)
	for _, f := range []struct {
		name  string
		value string
	}{{"email", c.Email}, {"name", c.Name}, {"preferred_username", c.PreferredUsername}} {
		if len(f.value) > n {
			name, n = f.name, len(f.value)
		}
	}
	return name
}
