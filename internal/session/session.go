// Package session defines the server-side session record and the Store that
// keeps it, the session ids and per-session keys, and the sealing of tokens so
// that a dump of the store alone yields none. Implementations live in sub-packages (memory, redis) and import this
// package, never each other.
package session

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound means the store holds no live session under that id: it never
// existed, expired, or was deleted. Callers treat it as "not logged in".
var ErrNotFound = errors.New("session: not found")

// ErrUnavailable wraps every failure to reach the backing store. Callers map it
// to 503 (the proxy does so in one place, proxy/respond.go) and must never
// treat it as "not logged in" (that would cause a redirect loop) nor as
// "logged in" (that would let a request through).
var ErrUnavailable = errors.New("session: store unavailable")

// Session is what gatehouse knows about one login. Tokens are not here in the
// clear: Sealed holds them encrypted under a key that only the browser's cookie
// carries, so a dump of the store yields no usable token.
type Session struct {
	// ID is the 256-bit random session id (base64url). It is the store key and is
	// not serialised into the record itself.
	ID string `json:"-"`

	Subject           string         `json:"sub"`
	Email             string         `json:"email,omitempty"`
	Name              string         `json:"name,omitempty"`
	PreferredUsername string         `json:"pu,omitempty"`
	Groups            []string       `json:"groups,omitempty"`
	Extra             map[string]any `json:"extra,omitempty"` // further claims named in identity.headers

	// IDPSessionID is the provider's `sid` claim, used by logout.
	IDPSessionID string `json:"idp_sid,omitempty"`

	CreatedAt  time.Time `json:"created"`
	LastSeenAt time.Time `json:"seen"`
	// ExpiresAt is the absolute end of the session; it is never extended.
	ExpiresAt time.Time `json:"exp"`
	// AccessTokenExpiresAt lets the request path decide on a refresh without
	// opening the sealed tokens.
	AccessTokenExpiresAt time.Time `json:"at_exp,omitzero"`
	// RefreshAt is when the request path refreshes the tokens; zero when it
	// cannot (no refresh token, or an access token without expiry).
	RefreshAt time.Time `json:"rf_at,omitzero"`
	// RevalidatedAt is when the identity was last read from the provider
	// after login (a refresh, or session.revalidate_interval); zero before.
	RevalidatedAt time.Time `json:"rv_at,omitzero"`

	// Device and Address say where the login happened, for the user's own
	// sessions page: a coarse description of the browser and the client's
	// network (/24 or /48), never the full address. Set once at login;
	// records written before they existed have neither.
	Device  string `json:"dev,omitempty"`
	Address string `json:"addr,omitempty"`

	// ACR and AuthTime are the login's strength and time, from the ID token
	// (acr, auth_time): step-up rules (authorization.rules[].acr_values,
	// max_age) are checked against them. Zero when the provider sent none.
	ACR      string    `json:"acr,omitempty"`
	AuthTime time.Time `json:"auth_time,omitzero"`

	// Sealed is the AES-GCM sealed Tokens (see package seal in the proxy).
	Sealed []byte `json:"tok,omitempty"`
}

// Tokens are the provider's tokens for one session; they exist in the clear only
// in memory while a request needs them.
type Tokens struct {
	IDToken      string `json:"id,omitempty"`
	AccessToken  string `json:"at,omitempty"`
	RefreshToken string `json:"rt,omitempty"`
}

// Store keeps sessions. Every record is written with a TTL so nothing outlives
// its session. Errors reaching the backend wrap ErrUnavailable.
type Store interface {
	// Load returns the session or ErrNotFound.
	Load(ctx context.Context, id string) (*Session, error)
	// Save writes the session under s.ID with the given time to live.
	Save(ctx context.Context, s *Session, ttl time.Duration) error
	// Update is Save for a session that must already exist: it returns
	// ErrNotFound and writes nothing when the session was deleted or expired
	// meanwhile, so a slow request cannot resurrect a logged-out session.
	// Most Updates only slide the idle timeout (a new LastSeenAt and ttl):
	// a store may make those cheaper (the Redis store then leaves its index
	// alone), never by keeping the session or its index entries any less.
	Update(ctx context.Context, s *Session, ttl time.Duration) error
	// Delete removes the session; deleting a missing session is not an error.
	Delete(ctx context.Context, id string) error
	// Claim records key as used for ttl and reports whether this call was the
	// first to do so. It backs one-time values: login state, logout token jti.
	Claim(ctx context.Context, key string, ttl time.Duration) (first bool, err error)
	// Ping reports whether the backend is reachable (for /readyz).
	Ping(ctx context.Context) error
	// Close releases connections.
	Close() error
}

// Locker is a short exclusive lock shared by every replica that uses the same
// backend. It coordinates work that must happen once per session, such as
// redeeming a rotating refresh token. Locks always expire, so a replica that
// dies while holding one blocks the others for at most the ttl.
type Locker interface {
	// TryLock takes the lock named key for ttl when nobody holds it. It returns
	// a random token when it took the lock and "" when another holder has it;
	// it never waits.
	TryLock(ctx context.Context, key string, ttl time.Duration) (token string, err error)
	// Unlock releases the lock only while token still holds it (compare and
	// delete), so a holder whose lock expired cannot release its successor's.
	// Releasing a lock that is gone is not an error.
	Unlock(ctx context.Context, key, token string) error
}

// Index finds sessions by who they belong to. Stores maintain it on Save,
// Update and Delete; entries of sessions that expired on their own are pruned
// when read and expire with the session's absolute lifetime.
type Index interface {
	// SessionsBySubject returns the live sessions of the user whose `sub` is
	// subject, in no particular order (none: an empty slice).
	SessionsBySubject(ctx context.Context, subject string) ([]*Session, error)
	// DeleteBySubject deletes every session of the user and returns the ids
	// it deleted.
	DeleteBySubject(ctx context.Context, subject string) ([]string, error)
	// SessionsByIDPSession returns the live sessions created by the
	// provider's login session sid (Session.IDPSessionID); none for "".
	SessionsByIDPSession(ctx context.Context, sid string) ([]*Session, error)
	// DeleteByIDPSession deletes every session created by the provider's
	// login session sid (Session.IDPSessionID) and returns the ids it deleted.
	DeleteByIDPSession(ctx context.Context, sid string) ([]string, error)
	// AllSessions returns every live session in the store, read in bounded
	// batches (SCAN on every node for Redis). Meant for operators, not for the
	// request path.
	AllSessions(ctx context.Context) ([]*Session, error)
}

// Backend is what a real session store offers: memory and redis implement it.
// Consumers that need only a part take Store, Locker or Index.
type Backend interface {
	Store
	Locker
	Index
}
