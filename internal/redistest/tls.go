package redistest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TLSServerName is the DNS name in the test server certificate (besides the
// IP 127.0.0.1).
const TLSServerName = "redis.test"

// TLSFiles are the PEM files of a TLS test server's PKI, generated per test.
type TLSFiles struct {
	CAFile, CertFile, KeyFile string // CA; client certificate and key
}

// StartTLS runs a TLS-only redis-server (no plain-text port) that requires
// client certificates, under a CA generated for this test. The returned files
// let a client verify the server and authenticate itself.
func StartTLS(t testing.TB) (*Server, TLSFiles) {
	t.Helper()
	dir := t.TempDir()
	ca, caKey := newCert(t, nil, nil, "redistest CA", true)
	srvCert, srvKey := newCert(t, ca, caKey, TLSServerName, false)
	cliCert, cliKey := newCert(t, ca, caKey, "redistest client", false)
	files := TLSFiles{
		CAFile:   writePEM(t, dir, "ca.pem", "CERTIFICATE", ca.Raw),
		CertFile: writePEM(t, dir, "client.pem", "CERTIFICATE", cliCert.Raw),
		KeyFile:  writeKey(t, dir, "client-key.pem", cliKey),
	}
	serverCert := writePEM(t, dir, "server.pem", "CERTIFICATE", srvCert.Raw)
	serverKey := writeKey(t, dir, "server-key.pem", srvKey)

	pool := x509.NewCertPool()
	pool.AddCert(ca)
	clientPair, err := tls.LoadX509KeyPair(files.CertFile, files.KeyFile)
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	client := &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{clientPair}, ServerName: TLSServerName, MinVersion: tls.VersionTLS12}
	s := startSpec(t, spec{
		client: client,
		tlsArgs: func(string) []string {
			return []string{
				"--tls-cert-file", serverCert, "--tls-key-file", serverKey,
				"--tls-ca-cert-file", files.CAFile, "--tls-auth-clients", "yes",
			}
		},
	})
	return s, files
}

// newCert makes an ECDSA certificate signed by parent (self-signed when
// parent is nil), valid for an hour.
func newCert(t testing.TB, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, cn string, isCA bool) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Minute),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	if isCA {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		tmpl.KeyUsage |= x509.KeyUsageCertSign
		tmpl.ExtKeyUsage = nil
	} else {
		tmpl.DNSNames = []string{cn}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatalf("redistest: create certificate: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	return cert, key
}

func writeKey(t testing.TB, dir, name string, key *ecdsa.PrivateKey) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	return writePEM(t, dir, name, "PRIVATE KEY", der)
}

func writePEM(t testing.TB, dir, name, typ string, der []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatalf("redistest: %v", err)
	}
	return path
}
