package oidcclient

import (
	"encoding/json"
	"fmt"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// idClaims is the ID token as zitadel's verifier sees it, decoded leniently.
// zitadel's own oidc.IDTokenClaims types every standard claim, so a claim
// that gatehouse never reads but a provider sends in another JSON type
// (mockoidc's `address` as a plain string) would fail the whole login. Here
// only the claims that validation needs are typed; everything else stays as
// raw JSON values in all.
type idClaims struct {
	oidc.TokenClaims
	AccessTokenHash string
	SessionID       string
	// all is every claim of the token, as encoding/json decodes into any.
	all map[string]any
}

var _ oidc.IDClaims = (*idClaims)(nil)

// validationClaims are the claims zitadel's checks read: they must have their
// registered types, or the token is invalid.
var validationClaims = []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nbf", "nonce", "acr", "azp"}

func (c *idClaims) UnmarshalJSON(data []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	typed := make(map[string]json.RawMessage, len(validationClaims))
	for _, k := range validationClaims {
		if v, ok := raw[k]; ok {
			typed[k] = v
		}
	}
	b, err := json.Marshal(typed)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &c.TokenClaims); err != nil {
		return fmt.Errorf("registered claims: %w", err)
	}
	// at_hash is checked when present, so it must be a string; sid is only
	// used as a string, and any other type is as good as none.
	if v, ok := raw["at_hash"]; ok {
		if err := json.Unmarshal(v, &c.AccessTokenHash); err != nil {
			return fmt.Errorf("claim at_hash: %w", err)
		}
	}
	if v, ok := raw["sid"]; ok {
		_ = json.Unmarshal(v, &c.SessionID)
	}
	return json.Unmarshal(data, &c.all)
}

func (c *idClaims) GetAccessTokenHash() string { return c.AccessTokenHash }

func (c *idClaims) GetSignatureAlgorithm() jose.SignatureAlgorithm { return c.SignatureAlg }

// Claims returns a copy of every claim of the token.
func (c *idClaims) Claims() map[string]any {
	out := make(map[string]any, len(c.all)+8)
	for k, v := range c.all {
		out[k] = v
	}
	return out
}
