package identity

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/identity/keys"
)

// TestSignerHeaderAndLength pins the JOSE header byte for byte (the same as
// before signing moved to go-jose) and checks that encodedLen, which sizes
// assertions without signing, matches what Sign makes.
func TestSignerHeaderAndLength(t *testing.T) {
	secret := []byte(strings.Repeat("s", keys.MinHMACSecret))
	for _, alg := range []string{keys.ES256, keys.EdDSA, keys.HS256} {
		var ks []keys.Key
		if alg != keys.HS256 {
			k, err := keys.Generate(alg)
			if err != nil {
				t.Fatal(err)
			}
			ks = []keys.Key{k}
		}
		s, err := NewSigner(alg, ks, secret)
		if err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
		for _, payload := range []string{"{}", `{"sub":"alice","groups":["a","b"]}`, "{" + strings.Repeat(" ", 1000) + "}"} {
			token, err := s.Sign([]byte(payload))
			if err != nil {
				t.Fatalf("%s: %v", alg, err)
			}
			parts := strings.Split(token, ".")
			header, _ := base64.RawURLEncoding.DecodeString(parts[0])
			if want := `{"alg":"` + alg + `","kid":"` + s.KID() + `","typ":"JWT"}`; string(header) != want {
				t.Errorf("%s: header %s, want %s", alg, header, want)
			}
			if got, _ := base64.RawURLEncoding.DecodeString(parts[1]); string(got) != payload {
				t.Errorf("%s: payload %q, want %q", alg, got, payload)
			}
			if len(token) != s.encodedLen(len(payload)) {
				t.Errorf("%s: token of %d bytes, encodedLen says %d", alg, len(token), s.encodedLen(len(payload)))
			}
		}
	}
}
