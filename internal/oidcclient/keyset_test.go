package oidcclient

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// jwksServer publishes key under kid (plus, when oct is set, a symmetric
// key that must be ignored) and counts fetches.
type jwksServer struct {
	url     string
	fetches atomic.Int32
	key     atomic.Pointer[jose.JSONWebKey]
}

func newJWKSServer(t *testing.T) *jwksServer {
	s := &jwksServer{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		s.fetches.Add(1)
		keys := []jose.JSONWebKey{{Key: []byte("0123456789abcdef0123456789abcdef"), KeyID: "oct", Algorithm: "HS256", Use: "sig"}}
		if k := s.key.Load(); k != nil {
			keys = append(keys, k.Public())
		}
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: keys})
	}))
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

func signWith(t *testing.T, alg jose.SignatureAlgorithm, key any, kid string) *jose.JSONWebSignature {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := signer.Sign([]byte(`{"sub":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	jws, err := jose.ParseSignedCompact(must(obj.CompactSerialize()), []jose.SignatureAlgorithm{alg})
	if err != nil {
		t.Fatal(err)
	}
	return jws
}

func must(s string, err error) string {
	if err != nil {
		panic(err)
	}
	return s
}

func rsaKey(t *testing.T) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestKeySetThrottlesUnknownKids(t *testing.T) {
	srv := newJWKSServer(t)
	k1 := rsaKey(t)
	srv.key.Store(&jose.JSONWebKey{Key: k1, KeyID: "k1", Algorithm: "RS256", Use: "sig"})
	now := time.Unix(1_000_000, 0)
	ks := newKeySet(http.DefaultClient, srv.url, time.Minute)
	ks.now = func() time.Time { return now }
	ctx := context.Background()

	steps := []struct {
		name    string
		jws     *jose.JSONWebSignature
		advance time.Duration
		ok      bool
		fetches int32
	}{
		{"first token loads the keys", signWith(t, jose.RS256, k1, "k1"), 0, true, 1},
		{"known kid: no fetch", signWith(t, jose.RS256, k1, "k1"), 0, true, 1},
		{"unknown kid: one refetch", signWith(t, jose.RS256, rsaKey(t), "x1"), 0, false, 2},
		{"unknown kid again: throttled", signWith(t, jose.RS256, rsaKey(t), "x2"), time.Second, false, 2},
		{"HS256 with the published oct key: refused", signWith(t, jose.HS256, []byte("0123456789abcdef0123456789abcdef"), "oct"), 0, false, 2},
		{"after the interval: one more refetch", signWith(t, jose.RS256, rsaKey(t), "x3"), time.Minute, false, 3},
	}
	for _, s := range steps {
		now = now.Add(s.advance)
		_, err := ks.VerifySignature(ctx, s.jws)
		if (err == nil) != s.ok {
			t.Errorf("%s: err = %v, want ok=%v", s.name, err, s.ok)
		}
		if got := srv.fetches.Load(); got != s.fetches {
			t.Errorf("%s: %d fetches, want %d", s.name, got, s.fetches)
		}
	}

	// A rotation right after that is followed once the interval allows.
	k2 := rsaKey(t)
	srv.key.Store(&jose.JSONWebKey{Key: k2, KeyID: "k2", Algorithm: "RS256", Use: "sig"})
	now = now.Add(time.Minute)
	if _, err := ks.VerifySignature(ctx, signWith(t, jose.RS256, k2, "k2")); err != nil {
		t.Errorf("rotated key: %v", err)
	}
}

func TestKeySetFailedLoadIsThrottled(t *testing.T) {
	var fetches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fetches.Add(1)
		http.Error(w, "down", http.StatusInternalServerError)
	}))
	defer srv.Close()
	ks := newKeySet(http.DefaultClient, srv.URL, time.Minute)
	jws := signWith(t, jose.RS256, rsaKey(t), "k")
	for range 5 {
		if _, err := ks.VerifySignature(context.Background(), jws); err == nil {
			t.Fatal("verified without keys")
		}
	}
	if fetches.Load() != 1 {
		t.Errorf("%d fetches of a failing JWKS, want 1", fetches.Load())
	}
}

func TestResponseBodiesAreBounded(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/announced" {
			w.Header().Set("Content-Length", "20000000")
		}
		w.(http.Flusher).Flush()
		_, _ = w.Write([]byte(strings.Repeat(" ", MaxResponseBytes+10)))
	}))
	defer srv.Close()
	c := boundedClient(&http.Client{})
	for _, path := range []string{"/chunked", "/announced"} {
		resp, err := c.Get(srv.URL + path)
		if err == nil {
			var buf [4096]byte
			for err == nil {
				_, err = resp.Body.Read(buf[:])
			}
			_ = resp.Body.Close()
		}
		if !strings.Contains(err.Error(), ErrResponseTooLarge.Error()) {
			t.Errorf("%s: err = %v, want %v", path, err, ErrResponseTooLarge)
		}
	}
}
