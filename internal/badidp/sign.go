package badidp

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
)

// sign makes a compact JWS of payload by hand, so that headers and
// signatures no JOSE library would produce are possible.
func (p *Provider) sign(mode Signing, payload []byte) string {
	p.mu.Lock()
	key, kid, attacker := p.key, p.kid, p.attacker
	p.mu.Unlock()

	header := map[string]any{"alg": "RS256", "typ": "JWT", "kid": kid}
	var mac []byte // HMAC key, for the HS256 modes
	switch mode {
	case SignNone:
		header = map[string]any{"alg": "none", "typ": "JWT"}
	case SignHS256Secret:
		header["alg"] = "HS256"
		mac = []byte(ClientSecret)
	case SignHS256PublicKey:
		header["alg"] = "HS256"
		der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
		mac = pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	case SignAttackerKey:
		jwk := p.attackerJWK()
		header["kid"] = jwk.KeyID
		header["jwk"] = jwk
		header["jku"] = p.Issuer + AttackerKeysPath
		key = attacker
	case SignUnknownKid:
		header["kid"] = "unknown-" + randomString()
		key = attacker
	}
	h, _ := json.Marshal(header)
	input := b64(h) + "." + b64(payload)
	var sig []byte
	switch {
	case mode == SignNone:
	case mac != nil:
		m := hmac.New(sha256.New, mac)
		m.Write([]byte(input))
		sig = m.Sum(nil)
	default:
		sum := sha256.Sum256([]byte(input))
		sig, _ = rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
		if mode == SignBadSignature {
			sig[len(sig)/2] ^= 0x01
		}
	}
	return input + "." + b64(sig)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
