package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/identity/keys"
)

func pemKey(t *testing.T, alg string) string {
	t.Helper()
	k, err := keys.Generate(alg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := k.PEM()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAssertionKeys(t *testing.T) {
	es, ed := pemKey(t, "ES256"), pemKey(t, "EdDSA")
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	sec1DER, _ := x509.MarshalECPrivateKey(ec)
	sec1 := string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1DER}))

	t.Run("env holds PEM text, several blocks", func(t *testing.T) {
		env := baseEnv()
		env["GATEHOUSE_IDENTITY_ASSERTION_KEYS"] = es + ed + sec1
		c := mustLoad(t, "", env)
		got := c.Identity.Assertion.SigningKeys
		if len(got) != 3 || got[0].Alg != "ES256" || got[1].Alg != "EdDSA" || got[2].Alg != "ES256" {
			t.Fatalf("keys = %+v", got)
		}
	})
	t.Run("yaml list and file", func(t *testing.T) {
		indent := func(s string) string { return "      " + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n      ") }
		yaml := "identity:\n  assertion:\n    algorithm: eddsa\n    keys:\n    - |\n" + indent(ed) + "\n    - |\n" + indent(es) + "\n"
		c := mustLoad(t, yaml, baseEnv())
		if c.Identity.Assertion.Algorithm != "EdDSA" || len(c.Identity.Assertion.SigningKeys) != 2 {
			t.Fatalf("algorithm %q, %d keys", c.Identity.Assertion.Algorithm, len(c.Identity.Assertion.SigningKeys))
		}
		c = mustLoad(t, "identity:\n  assertion:\n    keys_file: "+writeFile(t, "keys.pem", sec1+es)+"\n", baseEnv())
		if len(c.Identity.Assertion.SigningKeys) != 2 {
			t.Fatalf("%d keys from the file", len(c.Identity.Assertion.SigningKeys))
		}
	})
	t.Run("audience follows upstream.url", func(t *testing.T) {
		env := baseEnv()
		env["GATEHOUSE_UPSTREAM_URL"] = "http://app:8080/"
		if got := mustLoad(t, "", env).Identity.Assertion.Audience; got != "http://app:8080" {
			t.Errorf("audience = %q", got)
		}
		env["GATEHOUSE_IDENTITY_ASSERTION_AUDIENCE"] = "humhub"
		if got := mustLoad(t, "", env).Identity.Assertion.Audience; got != "humhub" {
			t.Errorf("audience = %q", got)
		}
	})

	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	rsaDER, _ := x509.MarshalPKCS8PrivateKey(rsaKey)
	rsaPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: rsaDER}))
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p384DER, _ := x509.MarshalECPrivateKey(p384)
	p384PEM := string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: p384DER}))
	secret := "hmac-secret-value-that-is-long-enough-0123456789"

	cases := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"algorithm", map[string]string{"GATEHOUSE_IDENTITY_ASSERTION_ALGORITHM": "RS256"},
			[]string{`identity.assertion.algorithm: "RS256" is not one of ES256, EdDSA, HS256`}},
		{"not PEM", map[string]string{"GATEHOUSE_IDENTITY_ASSERTION_KEYS": "not a key"},
			[]string{`identity.assertion.keys[0]: holds no PEM block (expected a "PRIVATE KEY" or "EC PRIVATE KEY" block)`}},
		{"RSA", map[string]string{"GATEHOUSE_IDENTITY_ASSERTION_KEYS": es + rsaPEM},
			[]string{"identity.assertion.keys[0]: PEM block 2 (PRIVATE KEY): unsupported key: *rsa.PrivateKey (only P-256 and Ed25519 keys)"}},
		{"P-384", map[string]string{"GATEHOUSE_IDENTITY_ASSERTION_KEYS": p384PEM},
			[]string{"identity.assertion.keys[0]: PEM block 1 (EC PRIVATE KEY): unsupported key: EC curve P-384, only P-256 is supported"}},
		{"first key does not suit the algorithm", map[string]string{"GATEHOUSE_IDENTITY_ASSERTION_KEYS": ed + es},
			[]string{"identity.assertion.keys[0]: the first key signs and is an EdDSA key, but identity.assertion.algorithm is ES256"}},
		{"HS256 without secret", map[string]string{"GATEHOUSE_IDENTITY_ASSERTION_ALGORITHM": "HS256"},
			[]string{"identity.assertion.hmac_secret: is required when identity.assertion.algorithm is HS256 (or set identity.assertion.hmac_secret_file)"}},
		{"HS256 short secret", map[string]string{"GATEHOUSE_IDENTITY_ASSERTION_ALGORITHM": "HS256", "GATEHOUSE_IDENTITY_ASSERTION_HMAC_SECRET": "too-short-secret"},
			[]string{"identity.assertion.hmac_secret: is 16 bytes, at least 32 are needed (openssl rand -base64 48)"}},
		{"secret without HS256", map[string]string{"GATEHOUSE_IDENTITY_ASSERTION_HMAC_SECRET": secret},
			[]string{"identity.assertion.hmac_secret: is used only with algorithm HS256, not ES256"}},
		{"header", map[string]string{"GATEHOUSE_IDENTITY_ASSERTION_HEADER": "X-Forwarded-For"},
			[]string{"identity.assertion.header: X-Forwarded-For is set by gatehouse itself or by HTTP"}},
		{"header clashes with identity.headers", map[string]string{"GATEHOUSE_IDENTITY_ASSERTION_HEADER": "x-forwarded-user"},
			[]string{"identity.assertion.header: X-Forwarded-User is also in identity.headers"}},
		{"ttl", map[string]string{"GATEHOUSE_IDENTITY_ASSERTION_TTL": "1s"},
			[]string{"identity.assertion.ttl: 1s is shorter than the minimum 10s"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := baseEnvWith(tc.env)
			_, err := load(t, "", env)
			lines := errLines(err)
			if !slices.Equal(lines, tc.want) {
				t.Errorf("errors:\n got %q\nwant %q", lines, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), secret) {
				t.Error("an error message contains the HMAC secret")
			}
		})
	}

	t.Run("HS256 secret from file", func(t *testing.T) {
		env := baseEnv()
		env["GATEHOUSE_IDENTITY_ASSERTION_ALGORITHM"] = "hs256"
		env["GATEHOUSE_IDENTITY_ASSERTION_HMAC_SECRET_FILE"] = writeFile(t, "hmac", secret+"\n")
		c := mustLoad(t, "", env)
		if c.Identity.Assertion.HMACSecret != secret || c.Identity.Assertion.Algorithm != "HS256" {
			t.Errorf("secret %d bytes, algorithm %q", len(c.Identity.Assertion.HMACSecret), c.Identity.Assertion.Algorithm)
		}
	})
}
