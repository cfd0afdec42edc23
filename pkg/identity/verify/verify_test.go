package verify_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/identity/keys"
	"github.com/gatehouse/gatehouse/internal/session"
	"github.com/gatehouse/gatehouse/pkg/identity/verify"
)

// jwksServer serves the current key set and counts fetches.
type jwksServer struct {
	mu      sync.Mutex
	body    []byte
	fetches atomic.Int32
	down    atomic.Bool
}

func (s *jwksServer) set(b []byte) { s.mu.Lock(); s.body = b; s.mu.Unlock() }

func (s *jwksServer) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	s.fetches.Add(1)
	if s.down.Load() {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _ = w.Write(s.body)
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func mint(t *testing.T, now func() time.Time, ks ...keys.Key) (string, *identity.Signer) {
	t.Helper()
	signer, err := identity.NewSigner(ks[0].Alg, ks, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := identity.NewAsserter(identity.AssertionOptions{Signer: signer, Issuer: "https://gate", Audience: "app",
		TTL: 5 * time.Minute, Header: verify.DefaultHeader, MaxBytes: 8192, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := a.Assertion(&session.Session{ID: "id", Subject: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	return tok, signer
}

func TestJWKSFetchAndRotation(t *testing.T) {
	c := &clock{t: time.Now()}
	oldKey, _ := keys.Generate(keys.ES256)
	newKey, _ := keys.Generate(keys.EdDSA)
	oldTok, oldSigner := mint(t, c.Now, oldKey)

	srv := &jwksServer{}
	srv.set(oldSigner.JWKS())
	ts := httptest.NewServer(srv)
	defer ts.Close()
	v, err := verify.New(verify.Options{Issuer: "https://gate", Audience: "app", JWKSURL: ts.URL, Now: c.Now,
		RefetchInterval: 30 * time.Second, CacheTTL: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 5 {
		if _, err := v.Verify(ctx, oldTok); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.fetches.Load(); n != 1 {
		t.Errorf("%d fetches for 5 verifications with one key, want 1 (cached)", n)
	}

	// Rotation: gatehouse now signs with the new key and publishes both.
	newTok, newSigner := mint(t, c.Now, newKey, oldKey)
	srv.set(newSigner.JWKS())
	c.Advance(31 * time.Second)
	if _, err := v.Verify(ctx, newTok); err != nil {
		t.Fatalf("a new kid must trigger a refetch: %v", err)
	}
	if _, err := v.Verify(ctx, oldTok); err != nil {
		t.Fatalf("the old key is still published: %v", err)
	}

	// Unknown kids are refetched at most once per RefetchInterval.
	before := srv.fetches.Load()
	strangerKey, _ := keys.Generate(keys.ES256)
	strangerTok, _ := mint(t, c.Now, strangerKey)
	for range 10 {
		if _, err := v.Verify(ctx, strangerTok); !errors.Is(err, verify.ErrUnknownKey) {
			t.Fatalf("Verify = %v, want ErrUnknownKey", err)
		}
	}
	if n := srv.fetches.Load() - before; n > 1 {
		t.Errorf("%d fetches for 10 unknown kids within the interval, want at most 1", n)
	}

	// gatehouse unreachable after the cache went stale: known keys still work.
	srv.down.Store(true)
	c.Advance(6 * time.Minute)
	freshTok, _ := mint(t, c.Now, newKey, oldKey)
	if _, err := v.Verify(ctx, freshTok); err != nil {
		t.Errorf("stale keys must serve while the JWKS cannot be fetched: %v", err)
	}
}

func TestVerifyRequest(t *testing.T) {
	c := &clock{t: time.Now()}
	k, _ := keys.Generate(keys.EdDSA)
	tok, signer := mint(t, c.Now, k)
	v, err := verify.New(verify.Options{Issuer: "https://gate", Audience: "app", JWKS: signer.JWKS(), Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if _, err := v.VerifyRequest(r); !errors.Is(err, verify.ErrMissing) {
		t.Errorf("no header: %v", err)
	}
	r.Header.Set("X-Gatehouse-Assertion", tok)
	if c, err := v.VerifyRequest(r); err != nil || c.Subject != "alice" {
		t.Errorf("VerifyRequest = %+v, %v", c, err)
	}
}
