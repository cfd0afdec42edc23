package config

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
)

func pkcs8File(t *testing.T, key any) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, "client.key", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})))
}

func TestOIDCClientKeys(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ec384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	sec1, _ := x509.MarshalECPrivateKey(ec)
	noSecret := map[string]string{"GATEHOUSE_OIDC_CLIENT_SECRET": ""}
	pkj := func(file string) string {
		return "oidc:\n  token_auth_method: private_key_jwt\n  client_key_file: " + file + "\n"
	}
	cases := []struct {
		name, yaml string
		env        map[string]string
		wantErr    string
		wantAlg    string
		wantKID    string
	}{
		{name: "userinfo default auto", wantAlg: ""},
		{name: "userinfo never", yaml: "oidc:\n  userinfo: never\n"},
		{name: "userinfo unknown", yaml: "oidc:\n  userinfo: sometimes\n",
			wantErr: `oidc.userinfo: "sometimes" is not one of auto, always, never`},
		{name: "EC P-256", yaml: pkj(pkcs8File(t, ec)), env: noSecret, wantAlg: "ES256"},
		{name: "RSA", yaml: pkj(pkcs8File(t, rsaKey)), env: noSecret, wantAlg: "RS256"},
		{name: "Ed25519 with kid", yaml: pkj(pkcs8File(t, ed)) + "  client_key_id: key-2026\n", env: noSecret,
			wantAlg: "EdDSA", wantKID: "key-2026"},
		{name: "no key file", yaml: "oidc:\n  token_auth_method: private_key_jwt\n", env: noSecret,
			wantErr: "oidc.client_key_file: is required with oidc.token_auth_method private_key_jwt"},
		{name: "P-384 refused", yaml: pkj(pkcs8File(t, ec384)), env: noSecret,
			wantErr: "oidc.client_key_file: unsupported key: EC curve P-384, want P-256"},
		{name: "SEC1 refused", yaml: pkj(writeFile(t, "sec1.pem", string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1})))),
			env: noSecret, wantErr: `oidc.client_key_file: unsupported key: PEM block "EC PRIVATE KEY", want a PKCS#8 "PRIVATE KEY"`},
		{name: "missing file", yaml: pkj("/nonexistent/client.key"), env: noSecret, wantErr: "oidc.client_key_file: cannot be read:"},
		{name: "secret with private_key_jwt", yaml: pkj(pkcs8File(t, ec)),
			wantErr: "oidc.client_secret: is not used with oidc.token_auth_method private_key_jwt: remove it (the provider must not accept it either) (from GATEHOUSE_OIDC_CLIENT_SECRET)"},
		{name: "key file without private_key_jwt", yaml: "oidc:\n  client_key_file: " + pkcs8File(t, ec) + "\n",
			wantErr: "oidc.client_key_file: is used only with oidc.token_auth_method private_key_jwt, not client_secret_basic"},
		{name: "revalidate needs userinfo", yaml: "oidc:\n  userinfo: never\nsession:\n  revalidate_interval: 5m\n",
			wantErr: "session.revalidate_interval: needs userinfo, but oidc.userinfo is never"},
		{name: "revalidate negative", yaml: "session:\n  revalidate_interval: -1m\n",
			wantErr: "session.revalidate_interval: must not be negative (0 turns it off)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := baseEnvWith(tc.env)
			c, err := load(t, tc.yaml, env)
			if tc.wantErr != "" {
				// "key: message"; key file errors carry the path between.
				key, msg, _ := strings.Cut(tc.wantErr, ": ")
				found := false
				for _, line := range errLines(err) {
					found = found || strings.HasPrefix(line, key+": ") && strings.Contains(line, msg)
				}
				if !found {
					t.Fatalf("error = %v, want a line %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if got := c.OIDC.ClientKey.Alg; got != tc.wantAlg {
				t.Errorf("client key alg = %q, want %q", got, tc.wantAlg)
			}
			if tc.wantAlg != "" && c.OIDC.ClientKey.KID == "" {
				t.Error("client key has no kid")
			}
			if tc.wantKID != "" && c.OIDC.ClientKey.KID != tc.wantKID {
				t.Errorf("kid = %q, want %q", c.OIDC.ClientKey.KID, tc.wantKID)
			}
		})
	}
}
