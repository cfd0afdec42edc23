package keys

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"testing"
)

// TestThumbprint checks the kid against RFC 8037's Ed25519 example
// (appendix A.3) and, for P-256, against the RFC 7638 canonical form written
// out by hand: the kids published before go-jose computed them stay the
// same.
func TestThumbprint(t *testing.T) {
	b64 := base64.RawURLEncoding
	x, _ := b64.DecodeString("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
	ec, err := Generate(ES256)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := ec.Signer.Public().(*ecdsa.PublicKey).Bytes()
	canonical := `{"crv":"P-256","kty":"EC","x":"` + b64.EncodeToString(raw[1:33]) + `","y":"` + b64.EncodeToString(raw[33:65]) + `"}`
	sum := sha256.Sum256([]byte(canonical))
	tests := []struct {
		name string
		pub  any
		want string
	}{
		{"RFC 8037 Ed25519", ed25519.PublicKey(x), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"},
		{"P-256", ec.Signer.Public(), b64.EncodeToString(sum[:])},
	}
	for _, tt := range tests {
		got, err := Thumbprint(tt.pub)
		if err != nil || got != tt.want {
			t.Errorf("%s: Thumbprint = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
	if ec.KID != tests[1].want {
		t.Errorf("Generate(ES256).KID = %q, want the thumbprint %q", ec.KID, tests[1].want)
	}
}

// TestJWKSShape pins the published members: verifiers in other languages
// (examples/php) read exactly these.
func TestJWKSShape(t *testing.T) {
	ec, _ := Generate(ES256)
	ed, _ := Generate(EdDSA)
	var set struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(JWKS([]Key{ec, ed}), &set); err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != 2 {
		t.Fatalf("JWKS has %d keys, want 2", len(set.Keys))
	}
	members := func(m map[string]string) []string {
		var out []string
		for _, k := range []string{"kty", "crv", "x", "y", "alg", "use", "kid"} {
			if m[k] != "" {
				out = append(out, k)
			}
		}
		if len(out) != len(m) {
			t.Errorf("unexpected members in %v", m)
		}
		return out
	}
	tests := []struct {
		got           map[string]string
		kty, crv, alg string
		kid           string
		members       []string
	}{
		{set.Keys[0], "EC", "P-256", ES256, ec.KID, []string{"kty", "crv", "x", "y", "alg", "use", "kid"}},
		{set.Keys[1], "OKP", "Ed25519", EdDSA, ed.KID, []string{"kty", "crv", "x", "alg", "use", "kid"}},
	}
	for _, tt := range tests {
		if tt.got["kty"] != tt.kty || tt.got["crv"] != tt.crv || tt.got["alg"] != tt.alg || tt.got["use"] != "sig" || tt.got["kid"] != tt.kid {
			t.Errorf("JWK %v: want kty %s crv %s alg %s use sig kid %s", tt.got, tt.kty, tt.crv, tt.alg, tt.kid)
		}
		if m := members(tt.got); !reflect.DeepEqual(m, tt.members) {
			t.Errorf("JWK members %v, want %v", m, tt.members)
		}
	}
	if got := string(JWKS(nil)); got != `{"keys":[]}` {
		t.Errorf("JWKS(nil) = %s", got)
	}
}
