package oidcclient

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// idTokenClaims are claims only an ID token carries (OpenID Connect Core
// 3.1.3.6, 3.3.2.11). An access token never has them, so a token that does is
// an ID token: the one gatehouse puts in every logout URL (id_token_hint),
// which must not then open the API.
var idTokenClaims = []string{"nonce", "at_hash", "c_hash"}

// accessTokenTypes are the JOSE "typ" values a bearer token may carry
// (compared without case): none, RFC 9068's at+jwt, or the generic JWT that
// many providers write on every token.
var accessTokenTypes = []string{"at+jwt", "application/at+jwt", "jwt"}

// checkAccessToken refuses a token that is not an access token: an ID token
// (by its claims), or a typ that names another kind (logout+jwt, id+jwt,
// secevent+jwt, ...).
func checkAccessToken(token string, claims map[string]any) error {
	for _, name := range idTokenClaims {
		if _, ok := claims[name]; ok {
			return fmt.Errorf("%w: it is an ID token (it has %s), not an access token", ErrBearerInvalid, name)
		}
	}
	typ, err := joseType(token)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBearerInvalid, err)
	}
	if typ != "" && !slices.Contains(accessTokenTypes, strings.ToLower(typ)) {
		return fmt.Errorf("%w: typ %q is not an access token type (absent, at+jwt or JWT)", ErrBearerInvalid, typ)
	}
	return nil
}

// joseType reads the "typ" of a compact JWS's protected header; "" when it
// has none. The signature was checked before: the header is the signed one.
func joseType(token string) (string, error) {
	head, _, _ := strings.Cut(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return "", fmt.Errorf("header: %w", err)
	}
	var h struct {
		Typ *string `json:"typ"`
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return "", fmt.Errorf("header: %w", err)
	}
	if h.Typ == nil {
		return "", nil
	}
	if *h.Typ == "" {
		return "", fmt.Errorf("header: empty typ")
	}
	return *h.Typ, nil
}

// checkClientID applies bearer.allowed_client_ids: when set, the client the
// token was issued to (azp, or RFC 9068's client_id; each that is present)
// must be listed. A token naming no client is refused then, since nothing
// says who holds it.
func checkClientID(claims map[string]any, allowed []string) error {
	if len(allowed) == 0 {
		return nil
	}
	named := false
	for _, name := range []string{"azp", "client_id"} {
		v, ok := claims[name]
		if !ok {
			continue
		}
		id, isString := v.(string)
		if !isString || !slices.Contains(allowed, id) {
			return fmt.Errorf("%w: %s %q is not in bearer.allowed_client_ids", ErrBearerInvalid, name, claimText(v))
		}
		named = true
	}
	if !named {
		return fmt.Errorf("%w: no azp or client_id claim, and bearer.allowed_client_ids is set", ErrBearerInvalid)
	}
	return nil
}

// claimText renders a claim value for an error message.
func claimText(v any) string { return fmt.Sprint(v) }
