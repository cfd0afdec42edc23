package identity

import (
	"container/list"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/pkg/session"
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

	mu sync.Mutex
	// cache is keyed by session id: hashing it (for the sid claim) on every
	// request cost more than the rest of a cache hit. The process holds the
	// ids anyway (the session store's caches are keyed by them).
	cache map[string]*cached
	lru   *list.List // of *cached, most recently used first

	truncated atomic.Uint64
}

// cached is one session's current assertion and the identity it states.
type cached struct {
	id        string // the session id (cache key)
	sid       string // session.HashID(id), the sid claim
	identity  claims // iat/exp zero: the identity fingerprint
	token     string
	refreshAt time.Time
	warned    bool // the groups-truncated warning was logged for this session
	elem      *list.Element
}

// claims is the assertion's payload.
type claims struct {
	Issuer            string   `json:"iss"`
	Audience          string   `json:"aud"`
	Subject           string   `json:"sub"`
	Email             string   `json:"email,omitempty"`
	Name              string   `json:"name,omitempty"`
	PreferredUsername string   `json:"preferred_username,omitempty"`
	Groups            []string `json:"groups"`
	GroupsTruncated   bool     `json:"groups_truncated,omitempty"`
	SessionID         string   `json:"sid"`
	IssuedAt          int64    `json:"iat"`
	Expires           int64    `json:"exp"`
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
	return &Asserter{opts: opts, cache: map[string]*cached{}, lru: list.New()}, nil
}

// Header is the name of the header that carries the assertion.
func (a *Asserter) Header() string { return a.opts.Header }

// JWKS is the JSON Web Key Set that verifies the assertions.
func (a *Asserter) JWKS() []byte { return a.opts.Signer.JWKS() }

// TruncatedSessions counts the sessions whose groups were trimmed to fit
// identity.max_header_bytes (each session counted once while it is cached;
// with CacheSize 0, once per call).
func (a *Asserter) TruncatedSessions() uint64 { return a.truncated.Load() }

// Assertion returns the header value (a compact JWS) for s. It signs only when
// the session has no cached assertion, its identity changed, or less than half
// of the cached one's lifetime remains.
func (a *Asserter) Assertion(s *session.Session) (string, error) {
	now := a.opts.Now()

	a.mu.Lock()
	e := a.cache[s.ID]
	if e != nil && now.Before(e.refreshAt) && e.identity.sameIdentity(s) {
		a.lru.MoveToFront(e.elem)
		token := e.token
		a.mu.Unlock()
		return token, nil
	}
	a.mu.Unlock()

	// Sign outside the lock: two concurrent requests of one session may both
	// sign once, which is cheaper than making every session wait for another.
	sid := session.HashID(s.ID)
	c := a.identityOf(s, sid)
	token, groupsCut, err := a.sign(c, now)
	if err != nil {
		return "", err
	}
	cut := groupsCut
	if !cut && a.opts.Mapper != nil {
		_, cut = a.opts.Mapper.Headers(s)
	}

	if a.opts.CacheSize == 0 {
		if cut {
			a.warnTrimmed(s, sid)
		}
		return token, nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	warned := false
	if old := a.cache[s.ID]; old != nil {
		warned = old.warned
		a.lru.Remove(old.elem)
	}
	e = &cached{id: s.ID, sid: sid, identity: c, token: token, refreshAt: now.Add(a.opts.TTL / 2), warned: warned || cut}
	e.elem = a.lru.PushFront(e)
	a.cache[s.ID] = e
	for a.lru.Len() > a.opts.CacheSize {
		oldest := a.lru.Remove(a.lru.Back()).(*cached)
		delete(a.cache, oldest.id)
	}
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
func (a *Asserter) identityOf(s *session.Session, sid string) claims {
	groups := s.Groups
	if groups == nil {
		groups = []string{}
	}
	return claims{
		Issuer: a.opts.Issuer, Audience: a.opts.Audience,
		Subject: s.Subject, Email: s.Email, Name: s.Name, PreferredUsername: s.PreferredUsername,
		Groups: slices.Clone(groups), SessionID: sid,
	}
}

func (c *claims) sameIdentity(s *session.Session) bool {
	return c.Subject == s.Subject && c.Email == s.Email && c.Name == s.Name &&
		c.PreferredUsername == s.PreferredUsername && slices.Equal(c.Groups, s.Groups)
}

// sign signs c issued at now. When the header line would exceed MaxBytes,
// groups are trimmed from the end and groups_truncated is set.
func (a *Asserter) sign(c claims, now time.Time) (token string, cut bool, err error) {
	c.IssuedAt = now.Unix()
	c.Expires = now.Add(a.opts.TTL).Unix()
	all := c.Groups
	room := a.opts.MaxBytes - len(a.opts.Header)
	payload, err := json.Marshal(c)
	if err != nil {
		return "", false, fmt.Errorf("identity: encode assertion: %w", err)
	}
	if a.opts.MaxBytes > 0 && a.opts.Signer.encodedLen(len(payload)) > room && len(all) > 0 {
		cut = true
		c.GroupsTruncated = true
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
