// Package oidcclient is gatehouse's OpenID Connect relying party: discovery with
// retry, the authorization URL, and the code exchange with full ID token
// validation, on top of zitadel/oidc's rp package.
package oidcclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync/atomic"
	"time"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"go.uber.org/zap"
	"golang.org/x/oauth2"
)

// ErrNotReady means discovery has not succeeded yet; requests that need the
// provider get 503 until it does.
var ErrNotReady = errors.New("oidcclient: identity provider discovery not loaded")

// ErrIssuerMismatch means the provider's discovery document names another
// issuer than oidc.issuer: a configuration error that retrying cannot fix,
// unlike a provider that is down. Errors of a client not ready for this
// reason match both ErrNotReady and ErrIssuerMismatch.
var ErrIssuerMismatch = errors.New("oidcclient: discovery names another issuer than oidc.issuer")

// Options configure the relying party.
type Options struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	RedirectURL  string
	Scopes       []string
	// AuthMethod is client_secret_basic, client_secret_post or
	// private_key_jwt (then ClientKey signs and ClientSecret is unused).
	AuthMethod string
	ClientKey  ClientKey
	// Userinfo is UserinfoAuto (the default when empty), UserinfoAlways or
	// UserinfoNever.
	Userinfo string
	// NeededClaims are the top-level claims gatehouse reads (headers,
	// policy, assertion): under UserinfoAuto, an ID token lacking one of them
	// is completed from userinfo. SetNeededClaims replaces them when a
	// reloaded configuration reads others.
	NeededClaims []string
	ClockSkew    time.Duration
	// HTTPClient talks to the provider; it must have a timeout. Default: a
	// client with HTTPTimeout over NewTransport. Its response bodies are capped at
	// MaxResponseBytes either way.
	HTTPClient *http.Client
	// HTTPTimeout bounds each request to the provider when HTTPClient is nil
	// (default 10s).
	HTTPTimeout time.Duration
	// KeyRefetchInterval is how often at most an unknown kid refetches the
	// JWKS (default DefaultKeyRefetchInterval).
	KeyRefetchInterval time.Duration
}

// Client holds the relying party once discovery has succeeded.
type Client struct {
	opts   Options
	logger *zap.Logger
	party  atomic.Pointer[rp.RelyingParty]
	// issRequired: discovery advertised authorization_response_iss_parameter_supported.
	issRequired atomic.Bool
	// mismatch is set while the last discovery failed with ErrIssuerMismatch.
	mismatch atomic.Pointer[error]
	// needed is Options.NeededClaims, or what SetNeededClaims set since.
	needed atomic.Pointer[[]string]
}

// SetNeededClaims replaces Options.NeededClaims: the identity mapping that
// decides them can change on a configuration reload, the client cannot.
func (c *Client) SetNeededClaims(names []string) {
	names = slices.Clone(names)
	c.needed.Store(&names)
}

// New returns a client that is not ready until Discover succeeds.
func New(opts Options, logger *zap.Logger) *Client {
	if opts.HTTPClient == nil {
		timeout := opts.HTTPTimeout
		if timeout <= 0 {
			timeout = 10 * time.Second
		}
		opts.HTTPClient = &http.Client{Timeout: timeout, Transport: NewTransport()}
	}
	opts.HTTPClient = boundedClient(opts.HTTPClient)
	c := &Client{opts: opts, logger: logger}
	c.SetNeededClaims(opts.NeededClaims)
	return c
}

// Run performs discovery, retrying with backoff until it succeeds or ctx ends.
// gatehouse keeps serving meanwhile (readiness fails, logins get 503).
func (c *Client) Run(ctx context.Context) {
	backoff := 500 * time.Millisecond
	for {
		err := c.discover(ctx)
		if errors.Is(err, ErrIssuerMismatch) {
			c.mismatch.Store(&err)
		} else {
			c.mismatch.Store(nil)
		}
		if err == nil {
			c.logger.Info("identity provider discovery loaded", zap.String("issuer", c.opts.Issuer))
			return
		}
		c.logger.Warn("identity provider discovery failed; retrying",
			zap.String("issuer", c.opts.Issuer), zap.Duration("retry_in", backoff), zap.Error(err))
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 30*time.Second)
	}
}

func (c *Client) discover(ctx context.Context) error {
	style := oauth2.AuthStyleInHeader
	if c.opts.AuthMethod != AuthClientSecretBasic {
		// client_secret_post, and private_key_jwt whose assertion goes in
		// the form too (with client_id and no secret).
		style = oauth2.AuthStyleInParams
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	// rp does not expose the jwks_uri it discovered, and gatehouse replaces
	// its key set (see keyset.go), so discovery is read here once more.
	doc, extras, err := fetchDiscovery(ctx, c.opts.HTTPClient, c.opts.Issuer)
	if err != nil {
		if errors.Is(err, oidc.ErrIssuerInvalid) {
			return fmt.Errorf("discovery document of %q names another issuer (oidc.issuer must match it exactly, trailing slash included): %w: %w", c.opts.Issuer, ErrIssuerMismatch, err)
		}
		return fmt.Errorf("discover %q: %w", c.opts.Issuer, err)
	}
	if doc.JwksURI == "" {
		return fmt.Errorf("discover %q: the discovery document has no jwks_uri", c.opts.Issuer)
	}
	party, err := rp.NewRelyingPartyOIDC(ctx, c.opts.Issuer, c.opts.ClientID, c.opts.ClientSecret,
		c.opts.RedirectURL, c.opts.Scopes,
		rp.WithHTTPClient(c.opts.HTTPClient),
		rp.WithAuthStyle(style),
		// Only the algorithms the provider advertises verify its tokens.
		rp.WithSigningAlgsFromDiscovery(),
		rp.WithVerifierOpts(
			rp.WithIssuedAtOffset(c.opts.ClockSkew),
			rp.WithNonce(nonceFromContext),
		),
	)
	if err != nil {
		if errors.Is(err, oidc.ErrIssuerInvalid) {
			return fmt.Errorf("discovery document of %q names another issuer (oidc.issuer must match it exactly, trailing slash included): %w: %w", c.opts.Issuer, ErrIssuerMismatch, err)
		}
		return fmt.Errorf("discover %q: %w", c.opts.Issuer, err)
	}
	// The verifier is not shared yet: replacing its key set here is race-free.
	party.IDTokenVerifier().KeySet = newKeySet(c.opts.HTTPClient, doc.JwksURI, c.opts.KeyRefetchInterval)
	c.issRequired.Store(extras.IssParameterSupported) // RFC 9207 (issparam.go)
	c.party.Store(&party)
	return nil
}

// Ready reports whether discovery has loaded.
func (c *Client) Ready() bool { return c.party.Load() != nil }

func (c *Client) relyingParty() (rp.RelyingParty, error) {
	p := c.party.Load()
	if p == nil {
		if err := c.mismatch.Load(); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrNotReady, *err)
		}
		return nil, ErrNotReady
	}
	return *p, nil
}

// AuthURL is the provider's authorization URL for one login attempt: code flow
// with PKCE S256, state and nonce. extra adds parameters (login hints,
// step-up's acr_values and max_age); it can never replace one of the
// parameters that make up the grant (ownAuthParams).
func (c *Client) AuthURL(state, nonce, verifier string, extra url.Values) (string, error) {
	party, err := c.relyingParty()
	if err != nil {
		return "", err
	}
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("nonce", nonce)}
	for name, values := range extra {
		if !ownAuthParams[name] && len(values) > 0 {
			opts = append(opts, oauth2.SetAuthURLParam(name, values[0]))
		}
	}
	return party.OAuthConfig().AuthCodeURL(state, opts...), nil
}

// ownAuthParams are the authorization request parameters only the client
// itself sets.
var ownAuthParams = map[string]bool{
	"response_type": true, "response_mode": true, "client_id": true, "redirect_uri": true, "scope": true,
	"state": true, "nonce": true, "code_challenge": true, "code_challenge_method": true,
	"claims": true, "request": true, "request_uri": true,
}

// EndSessionEndpoint is the provider's RP-initiated logout endpoint, or "".
func (c *Client) EndSessionEndpoint() string {
	party, err := c.relyingParty()
	if err != nil {
		return ""
	}
	return party.GetEndSessionEndpoint()
}

// Result is a validated login.
type Result struct {
	IDToken      string
	AccessToken  string
	RefreshToken string
	// AccessTokenExpiresAt is zero when the provider gave no expiry.
	AccessTokenExpiresAt time.Time
	// Claims merges the ID token's claims with the userinfo response (which
	// may only add claims for the same subject).
	Claims map[string]any
	// SessionID is the provider's `sid`, when it sent one.
	SessionID string
}

// Exchange redeems an authorization code: token request with the PKCE
// verifier, then ID token validation (signature via JWKS, iss, aud, azp, exp,
// iat, nonce, at_hash), then userinfo per Options.Userinfo.
func (c *Client) Exchange(ctx context.Context, code, verifier, nonce string) (*Result, error) {
	party, err := c.relyingParty()
	if err != nil {
		return nil, err
	}
	ctx = context.WithValue(ctx, nonceKey{}, nonce)
	opts := []rp.CodeExchangeOpt{rp.WithCodeVerifier(verifier)}
	if c.usesClientKey() {
		assertion, err := c.clientAssertion(party.OAuthConfig().Endpoint.TokenURL, time.Now())
		if err != nil {
			return nil, err
		}
		opts = append(opts, rp.WithClientAssertionJWT(assertion))
	}
	tokens, err := rp.CodeExchange[*idClaims](ctx, code, party, opts...)
	if err != nil {
		return nil, fmt.Errorf("code exchange: %w", err)
	}
	if tokens.IDTokenClaims == nil || tokens.IDToken == "" {
		return nil, errors.New("code exchange: provider returned no ID token")
	}
	claims := tokens.IDTokenClaims.Claims()
	if err := c.addUserinfo(ctx, party.UserinfoEndpoint(), tokens.AccessToken, tokens.IDTokenClaims.Subject, claims); err != nil {
		return nil, err
	}
	res := &Result{
		IDToken:      tokens.IDToken,
		AccessToken:  tokens.AccessToken,
		RefreshToken: tokens.RefreshToken,
		Claims:       claims,
		SessionID:    tokens.IDTokenClaims.SessionID,
	}
	res.AccessTokenExpiresAt = accessTokenExpiry(tokens.Expiry, tokens.AccessToken)
	return res, nil
}

type nonceKey struct{}

// nonceFromContext returns the nonce this login expects. Without one it returns
// a value no token can carry, so a missing nonce can never validate.
func nonceFromContext(ctx context.Context) string {
	if n, ok := ctx.Value(nonceKey{}).(string); ok && n != "" {
		return n
	}
	return "\x00no nonce expected"
}
