package proxy

import (
	"context"
	"net/url"
	"time"

	"github.com/gatehouse/gatehouse/internal/oidcclient"
	"github.com/gatehouse/gatehouse/internal/session"
)

// The proxy's dependencies, each declared as small as its use here, so that
// unit tests put a ten-line fake in place of the provider or the store
// (fakes_test.go). internal/server passes *oidcclient.Client and a
// session.Backend; the interface guards below keep them fitting.

// loginProvider runs the authorization code flow (login.go).
type loginProvider interface {
	AuthURL(state, nonce, verifier string, extra url.Values) (string, error)
	CheckResponseIssuer(iss []string) error
	Exchange(ctx context.Context, code, verifier, nonce string) (*oidcclient.Result, error)
}

// refresher redeems refresh tokens (refresh.go).
type refresher interface {
	Refresh(ctx context.Context, refreshToken, previousIDToken, subject string) (*oidcclient.Refreshed, error)
}

// bearerVerifier validates bearer tokens (bearer.go).
type bearerVerifier interface {
	VerifyBearer(ctx context.Context, token string, audiences, clientIDs []string) (map[string]any, error)
}

// logoutProvider verifies back-channel logout tokens and names the
// provider's end-session endpoint (idplogout.go, logout.go).
type logoutProvider interface {
	VerifyLogoutToken(ctx context.Context, token string, maxAge time.Duration) (*oidcclient.LogoutToken, error)
	EndSessionEndpoint() string
}

// provider is everything the proxy asks of the OpenID provider.
type provider interface {
	loginProvider
	refresher
	bearerVerifier
	logoutProvider
}

// sessionReader finds a request's session and keeps it alive
// (authenticate.go).
type sessionReader interface {
	Load(ctx context.Context, id string) (*session.Session, error)
	Update(ctx context.Context, s *session.Session, ttl time.Duration) error
	Delete(ctx context.Context, id string) error
}

// sessionWriter creates sessions and spends login states (login.go).
type sessionWriter interface {
	Save(ctx context.Context, s *session.Session, ttl time.Duration) error
	Claim(ctx context.Context, key string, ttl time.Duration) (first bool, err error)
	Ping(ctx context.Context) error
}

// locker serializes token refreshes and logout-token replays across
// replicas (refresh.go, idplogout.go).
type locker interface {
	TryLock(ctx context.Context, key string, ttl time.Duration) (token string, err error)
	Unlock(ctx context.Context, key, token string) error
}

// indexer ends a provider session's or a user's sessions (idplogout.go).
type indexer interface {
	SessionsBySubject(ctx context.Context, subject string) ([]*session.Session, error)
	SessionsByIDPSession(ctx context.Context, sid string) ([]*session.Session, error)
	DeleteBySubject(ctx context.Context, subject string) ([]string, error)
	DeleteByIDPSession(ctx context.Context, sid string) ([]string, error)
}

// sessionStore is everything the proxy asks of the session store: less than
// session.Backend (no Close, no AllSessions).
type sessionStore interface {
	sessionReader
	sessionWriter
	locker
	indexer
}

var (
	_ provider     = (*oidcclient.Client)(nil)
	_ sessionStore = session.Backend(nil)
)
