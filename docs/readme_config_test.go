package docs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/config"
)

// TestReadmeConfigLoads keeps the README's minimal deployment true: its
// config file, with the secrets passed through the environment variables the
// README exports, loads without an error and without a warning, which is what
// `check-config --strict` (offline) asks of it.
func TestReadmeConfigLoads(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const start = "```yaml\n# /etc/gatehouse/config.yaml\n"
	_, rest, ok := strings.Cut(string(readme), start)
	if !ok {
		t.Fatalf("README.md has no block starting %q", start)
	}
	file, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatal("README.md: the config block is not closed")
	}

	dir := t.TempDir()
	secret := make([]byte, 48)
	_, _ = rand.Read(secret)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"config.yaml":       file,
		"cookie-secrets":    base64.StdEncoding.EncodeToString(secret) + "\n",
		"assertion-key.pem": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{
		"GATEHOUSE_OIDC_CLIENT_SECRET=not-a-real-secret",
		"GATEHOUSE_COOKIE_SECRETS_FILE=" + filepath.Join(dir, "cookie-secrets"),
		"GATEHOUSE_IDENTITY_ASSERTION_KEYS_FILE=" + filepath.Join(dir, "assertion-key.pem"),
	}
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.Contains(string(readme), name+"=") {
			t.Errorf("README.md no longer sets %s: update this test with it", name)
		}
	}

	cfg, err := config.Load(filepath.Join(dir, "config.yaml"), env)
	if err != nil {
		t.Fatalf("the README's config does not load:\n%v\n---\n%s", err, file)
	}
	for _, w := range append(cfg.Warnings(), config.UnknownEnv(env)...) {
		t.Errorf("the README's config warns: %s", w)
	}
}
