package oidcclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// ErrAuthorizationResponseIssuer means the authorization response's iss
// parameter (RFC 9207) names another issuer, or is missing although the
// provider advertises it. The response may come from another provider that
// the user was sent to (a mix-up attack): its code must not be redeemed.
var ErrAuthorizationResponseIssuer = errors.New("oidcclient: authorization response iss does not match oidc.issuer")

// CheckResponseIssuer applies RFC 9207 to the iss values of an authorization
// response (the callback's query): when present it must be one value equal to
// oidc.issuer exactly; when absent, the provider must not have advertised
// authorization_response_iss_parameter_supported. ErrNotReady before
// discovery.
func (c *Client) CheckResponseIssuer(iss []string) error {
	if c.party.Load() == nil {
		return ErrNotReady
	}
	switch {
	case len(iss) > 1:
		return fmt.Errorf("%w: iss given %d times", ErrAuthorizationResponseIssuer, len(iss))
	case len(iss) == 1 && iss[0] != c.opts.Issuer:
		return fmt.Errorf("%w: iss %q", ErrAuthorizationResponseIssuer, iss[0])
	case len(iss) == 0 && c.issRequired.Load():
		return fmt.Errorf("%w: no iss, although the provider advertises authorization_response_iss_parameter_supported",
			ErrAuthorizationResponseIssuer)
	}
	return nil
}

// discoveryExtras are the discovery fields gatehouse reads that zitadel's
// DiscoveryConfiguration lacks.
type discoveryExtras struct {
	IssParameterSupported bool `json:"authorization_response_iss_parameter_supported"`
}

// fetchDiscovery reads the discovery document once into zitadel's type and
// into discoveryExtras, checking the issuer as client.Discover does.
func fetchDiscovery(ctx context.Context, hc *http.Client, issuer string) (*oidc.DiscoveryConfiguration, discoveryExtras, error) {
	var extras discoveryExtras
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(issuer, "/")+oidc.DiscoveryEndpoint, nil)
	if err != nil {
		return nil, extras, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, extras, fmt.Errorf("%w: %w", oidc.ErrDiscoveryFailed, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, extras, fmt.Errorf("%w: %w", oidc.ErrDiscoveryFailed, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, extras, fmt.Errorf("%w: status %d", oidc.ErrDiscoveryFailed, resp.StatusCode)
	}
	doc := new(oidc.DiscoveryConfiguration)
	if err := json.Unmarshal(body, doc); err != nil {
		return nil, extras, fmt.Errorf("%w: decode: %w", oidc.ErrDiscoveryFailed, err)
	}
	if err := json.Unmarshal(body, &extras); err != nil {
		return nil, extras, fmt.Errorf("%w: decode: %w", oidc.ErrDiscoveryFailed, err)
	}
	if doc.Issuer != issuer {
		return nil, extras, oidc.ErrIssuerInvalid
	}
	return doc, extras, nil
}
