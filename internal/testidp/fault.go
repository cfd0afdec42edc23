package testidp

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/op"
)

// SetRefreshSubject injects a fault no honest provider produces: while
// subject is not empty, the ID token of every refresh response names that
// subject instead of the session's user. The token is otherwise genuine and
// signed with the provider's own key, so only the subject check can catch it.
func (p *IDP) SetRefreshSubject(subject string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refreshSubject = subject
}

// forgeRefreshSubject rewrites a refresh response's ID token when
// SetRefreshSubject is active; otherwise it returns body and t unchanged.
func (p *IDP) forgeRefreshSubject(ctx context.Context, body []byte, t Tokens) ([]byte, Tokens) {
	p.mu.Lock()
	subject := p.refreshSubject
	p.mu.Unlock()
	parts := strings.Split(t.IDToken, ".")
	if subject == "" || len(parts) != 3 {
		return body, t
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return body, t
	}
	var claims map[string]any
	if json.Unmarshal(payload, &claims) != nil {
		return body, t
	}
	claims["sub"] = subject
	payload, _ = json.Marshal(claims)
	key, err := p.Provider.SigningKey(ctx)
	if err != nil {
		return body, t
	}
	signer, err := op.SignerFromKey(key)
	if err != nil {
		return body, t
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return body, t
	}
	forged, err := jws.CompactSerialize()
	if err != nil {
		return body, t
	}
	var resp map[string]any
	if json.Unmarshal(body, &resp) != nil {
		return body, t
	}
	resp["id_token"] = forged
	out, _ := json.Marshal(resp)
	t.IDToken = forged
	return out, t
}
