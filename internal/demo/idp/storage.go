package idp

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// userStore maps Options.Users to the example storage's users. It is
// immutable after newUserStore, except for the groups (SetGroups).
type userStore struct {
	byID       map[string]*storage.User
	byUsername map[string]*storage.User
	groupsMu   sync.RWMutex
	groups     map[string][]string // by ID
	serviceID  string
}

var _ storage.UserStore = (*userStore)(nil)

func newUserStore(users []User) (*userStore, error) {
	s := &userStore{
		byID:       make(map[string]*storage.User, len(users)),
		byUsername: make(map[string]*storage.User, len(users)),
		groups:     make(map[string][]string, len(users)),
		// The example storage trusts a public example key for the JWT profile
		// grant of this client ID; an unguessable ID keeps that unreachable.
		serviceID: "unused-" + randomID(),
	}
	for i, u := range users {
		if u.ID == "" || u.Username == "" {
			return nil, fmt.Errorf("%w: user %d: empty id or username", ErrInvalidOptions, i)
		}
		if _, dup := s.byID[u.ID]; dup {
			return nil, fmt.Errorf("%w: user %d: duplicate id %q", ErrInvalidOptions, i, u.ID)
		}
		if _, dup := s.byUsername[u.Username]; dup {
			return nil, fmt.Errorf("%w: user %d: duplicate username %q", ErrInvalidOptions, i, u.Username)
		}
		su := &storage.User{
			ID:                u.ID,
			Username:          u.Username,
			Password:          u.Password,
			FirstName:         u.GivenName,
			LastName:          u.FamilyName,
			Email:             u.Email,
			EmailVerified:     true,
			PreferredLanguage: language.English,
		}
		s.byID[u.ID] = su
		s.byUsername[u.Username] = su
		if len(u.Groups) > 0 {
			s.groups[u.ID] = slices.Clone(u.Groups)
		}
	}
	return s, nil
}

func (s *userStore) GetUserByID(id string) *storage.User             { return s.byID[id] }
func (s *userStore) GetUserByUsername(username string) *storage.User { return s.byUsername[username] }
func (s *userStore) ExampleClientID() string                         { return s.serviceID }

// groupsStorage is the example storage plus what gatehouse needs from a
// provider: a groups claim, post-logout redirect URIs for the client, and no
// grants beyond the code flow's.
type groupsStorage struct {
	*storage.Storage
	users                  *userStore
	clientID               string
	postLogoutRedirectURIs []string
	accessTokenLifetime    time.Duration // 0: the example storage's own
	sidKey                 []byte        // derives sid (sessionID)
}

var (
	_ exampleop.Storage            = (*groupsStorage)(nil)
	_ op.CanSetUserinfoFromRequest = (*groupsStorage)(nil)
)

// errGrantDisabled answers the grants the example storage enables with
// built-in credentials (client credentials as "sid1", JWT profile).
var errGrantDisabled = errors.New("idp: grant disabled")

// GetClientByClientID returns the registered client with its post-logout
// redirect URIs (the example client reports none).
func (s *groupsStorage) GetClientByClientID(ctx context.Context, clientID string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, clientID)
	if err != nil || clientID != s.clientID {
		return c, err
	}
	return logoutClient{Client: c, postLogout: s.postLogoutRedirectURIs}, nil
}

// SetUserinfoFromToken fills the userinfo endpoint's answer: the example's
// claims for the token's scopes, plus groups.
func (s *groupsStorage) SetUserinfoFromToken(ctx context.Context, userinfo *oidc.UserInfo, tokenID, subject, origin string) error {
	if err := s.Storage.SetUserinfoFromToken(ctx, userinfo, tokenID, subject, origin); err != nil {
		return err
	}
	s.appendGroups(userinfo, subject)
	return nil
}

// SetUserinfoFromRequest fills the ID token's user claims. The op package
// calls it (after the deprecated, empty SetUserinfoFromScopes) with the scopes
// left for the ID token: for the code flow with an access token that is
// openid alone, so groups follow profile into the ID token only when the
// profile claims go there too (an ID-token-only response).
func (s *groupsStorage) SetUserinfoFromRequest(ctx context.Context, userinfo *oidc.UserInfo, request op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, userinfo, request, scopes); err != nil {
		return err
	}
	userinfo.AppendClaims("sid", s.sessionID(request))
	if slices.Contains(scopes, oidc.ScopeProfile) {
		s.appendGroups(userinfo, request.GetSubject())
	}
	return nil
}

// sessionID is the provider's login session id, the ID token's sid claim
// (used by back- and front-channel logout). One login (a user and the moment
// they authenticated) is one session: the code exchange and every refresh of
// it carry the same sid, another login of the same user a new one. It is
// derived with a per-provider random key, so it cannot be guessed.
func (s *groupsStorage) sessionID(request op.IDTokenRequest) string {
	mac := hmac.New(sha256.New, s.sidKey)
	fmt.Fprintf(mac, "%s\x00%d", request.GetSubject(), request.GetAuthTime().UnixNano())
	return hex.EncodeToString(mac.Sum(nil)[:16])
}

func (s *groupsStorage) appendGroups(userinfo *oidc.UserInfo, subject string) {
	if subject == "" {
		subject = userinfo.Subject
	}
	if groups := s.users.groupsOf(subject); len(groups) > 0 {
		userinfo.AppendClaims("groups", groups)
	}
}

// CreateAccessToken reports the configured access token lifetime.
func (s *groupsStorage) CreateAccessToken(ctx context.Context, request op.TokenRequest) (string, time.Time, error) {
	id, exp, err := s.Storage.CreateAccessToken(ctx, request)
	return id, s.shorten(exp), err
}

// CreateAccessAndRefreshTokens reports the configured access token lifetime.
// Refresh tokens rotate: the example storage deletes the one redeemed, so
// reusing it gets invalid_grant.
func (s *groupsStorage) CreateAccessAndRefreshTokens(ctx context.Context, request op.TokenRequest, currentRefreshToken string) (string, string, time.Time, error) {
	id, refresh, exp, err := s.Storage.CreateAccessAndRefreshTokens(ctx, request, currentRefreshToken)
	return id, refresh, s.shorten(exp), err
}

func (s *groupsStorage) shorten(exp time.Time) time.Time {
	if s.accessTokenLifetime <= 0 || exp.IsZero() {
		return exp
	}
	if short := time.Now().Add(s.accessTokenLifetime); short.Before(exp) {
		return short
	}
	return exp
}

// ClientCredentials refuses the client credentials grant.
func (s *groupsStorage) ClientCredentials(context.Context, string, string) (op.Client, error) {
	return nil, errGrantDisabled
}

// ClientCredentialsTokenRequest refuses the client credentials grant.
func (s *groupsStorage) ClientCredentialsTokenRequest(context.Context, string, []string) (op.TokenRequest, error) {
	return nil, errGrantDisabled
}

// GetKeyByIDAndClientID refuses the JWT profile grant and private_key_jwt
// client authentication: no client has a registered key.
func (s *groupsStorage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errGrantDisabled
}

// logoutClient is an op.Client with registered post-logout redirect URIs.
type logoutClient struct {
	op.Client
	postLogout []string
}

func (c logoutClient) PostLogoutRedirectURIs() []string { return c.postLogout }
