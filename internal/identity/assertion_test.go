package identity_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/identity/keys"
	"github.com/gatehouse/gatehouse/internal/session"
	"github.com/gatehouse/gatehouse/pkg/identity/verify"
)

const (
	issuer   = "https://gate.example.com"
	audience = "http://app.internal:8080"
	secret   = "a-shared-secret-of-at-least-32-bytes-for-hs256"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func newClock() *clock { return &clock{t: time.Unix(1_800_000_000, 0)} }

func genKey(t *testing.T, alg string) keys.Key {
	t.Helper()
	k, err := keys.Generate(alg)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func alice() *session.Session {
	return &session.Session{
		ID: "session-id-of-alice", Subject: "alice-sub", Email: "alice@example.com",
		Name: "Alice Example", PreferredUsername: "alice", Groups: []string{"staff", "admins"},
	}
}

type fixture struct {
	signer   *identity.Signer
	asserter *identity.Asserter
	clock    *clock
	logs     *observer.ObservedLogs
}

func newFixture(t testing.TB, alg string, ks []keys.Key, opts ...func(*identity.AssertionOptions)) fixture {
	t.Helper()
	var sec []byte
	if alg == keys.HS256 {
		sec = []byte(secret)
	}
	signer, err := identity.NewSigner(alg, ks, sec)
	if err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zapcore.WarnLevel)
	c := newClock()
	o := identity.AssertionOptions{
		Signer: signer, Issuer: issuer, Audience: audience, TTL: 5 * time.Minute,
		Header: "X-Gatehouse-Assertion", MaxBytes: 8192, Logger: zap.New(core), Now: c.Now,
		CacheSize: -1, // the default size
	}
	for _, f := range opts {
		f(&o)
	}
	a, err := identity.NewAsserter(o)
	if err != nil {
		t.Fatal(err)
	}
	return fixture{signer: signer, asserter: a, clock: c, logs: logs}
}

func (f fixture) verifier(t *testing.T, mod ...func(*verify.Options)) *verify.Verifier {
	t.Helper()
	o := verify.Options{Issuer: issuer, Audience: audience, JWKS: f.signer.JWKS(), Now: f.clock.Now}
	if f.signer.Alg() == keys.HS256 {
		o.HMACSecret = []byte(secret)
	}
	for _, m := range mod {
		m(&o)
	}
	v, err := verify.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestRoundTripPerAlgorithm(t *testing.T) {
	for _, alg := range []string{keys.ES256, keys.EdDSA, keys.HS256} {
		t.Run(alg, func(t *testing.T) {
			var ks []keys.Key
			if alg != keys.HS256 {
				ks = []keys.Key{genKey(t, alg)}
			}
			f := newFixture(t, alg, ks)
			s := alice()
			token, err := f.asserter.Assertion(s)
			if err != nil {
				t.Fatal(err)
			}
			c, err := f.verifier(t).Verify(context.Background(), token)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if c.Subject != s.Subject || c.Email != s.Email || c.Name != s.Name || c.PreferredUsername != s.PreferredUsername ||
				strings.Join(c.Groups, ",") != "staff,admins" || c.GroupsTruncated || c.Issuer != issuer {
				t.Errorf("claims = %+v", c)
			}
			if c.SessionID != session.HashID(s.ID) || strings.Contains(token, s.ID) {
				t.Errorf("sid = %q, want the hash of the session id and never the id", c.SessionID)
			}
			if c.ExpiresAt-c.IssuedAt != 300 || c.IssuedAt != f.clock.Now().Unix() {
				t.Errorf("iat %d exp %d", c.IssuedAt, c.ExpiresAt)
			}
			var header map[string]string
			decodeJSON(t, strings.Split(token, ".")[0], &header)
			if header["alg"] != alg || header["kid"] != f.signer.KID() || header["kid"] == "" {
				t.Errorf("header = %v", header)
			}
		})
	}
}

// TestJWKSThumbprints checks every configured public key is published with
// the RFC 7638 thumbprint as kid, computed independently by go-jose.
func TestJWKSThumbprints(t *testing.T) {
	ks := []keys.Key{genKey(t, keys.ES256), genKey(t, keys.EdDSA), genKey(t, keys.ES256)}
	f := newFixture(t, keys.ES256, ks)
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(f.signer.JWKS(), &set); err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != len(ks) {
		t.Fatalf("JWKS has %d keys, want %d", len(set.Keys), len(ks))
	}
	for i, k := range ks {
		got := set.Keys[i]
		if !got.Valid() || !got.IsPublic() {
			t.Errorf("key %d is not a valid public JWK", i)
		}
		independent := jose.JSONWebKey{Key: k.Signer.Public()}
		tp, err := independent.Thumbprint(crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		if want := base64.RawURLEncoding.EncodeToString(tp); got.KeyID != want {
			t.Errorf("key %d: kid %q, RFC 7638 thumbprint %q", i, got.KeyID, want)
		}
		if got.Algorithm != k.Alg || got.Use != "sig" {
			t.Errorf("key %d: alg %q use %q", i, got.Algorithm, got.Use)
		}
		switch pub := got.Key.(type) {
		case *ecdsa.PublicKey:
			if !pub.Equal(k.Signer.Public()) {
				t.Errorf("key %d: published EC key differs", i)
			}
		case ed25519.PublicKey:
			if !pub.Equal(k.Signer.Public()) {
				t.Errorf("key %d: published Ed25519 key differs", i)
			}
		default:
			t.Errorf("key %d: unexpected type %T", i, got.Key)
		}
	}
	hs := newFixture(t, keys.HS256, nil)
	if string(hs.signer.JWKS()) != `{"keys":[]}` || strings.Contains(string(hs.signer.JWKS()), base64.RawURLEncoding.EncodeToString([]byte(secret))) {
		t.Errorf("HS256 JWKS = %s, want no key", hs.signer.JWKS())
	}
}

func TestRotationKeepsOldAssertionsValid(t *testing.T) {
	old, next := genKey(t, keys.ES256), genKey(t, keys.EdDSA)
	before := newFixture(t, keys.ES256, []keys.Key{old})
	token, err := before.asserter.Assertion(alice())
	if err != nil {
		t.Fatal(err)
	}
	// Rotate: the new key first (it signs), the old one second (published).
	after := newFixture(t, keys.EdDSA, []keys.Key{next, old})
	after.clock = before.clock
	v := after.verifier(t)
	if _, err := v.Verify(context.Background(), token); err != nil {
		t.Fatalf("assertion signed before rotation: %v", err)
	}
	fresh, _ := after.asserter.Assertion(alice())
	if _, err := v.Verify(context.Background(), fresh); err != nil {
		t.Fatalf("assertion signed after rotation: %v", err)
	}
	if kidOf(t, fresh) != next.KID || kidOf(t, token) != old.KID {
		t.Error("the new key must sign after rotation")
	}
}

func TestVerifierRejects(t *testing.T) {
	es := genKey(t, keys.ES256)
	f := newFixture(t, keys.ES256, []keys.Key{es})
	good, err := f.asserter.Assertion(alice())
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(good, ".")
	payload := decodeMap(t, parts[1])

	// sign builds a token with any header and payload, HMAC-signed with key
	// (or unsigned when key is nil).
	sign := func(header map[string]any, claims map[string]any, key []byte) string {
		h, _ := json.Marshal(header)
		p, _ := json.Marshal(claims)
		in := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(p)
		if key == nil {
			return in + "."
		}
		m := hmac.New(sha256.New, key)
		m.Write([]byte(in))
		return in + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	}
	with := func(k string, v any) map[string]any {
		c := map[string]any{}
		for key, val := range payload {
			c[key] = val
		}
		c[k] = v
		return c
	}
	tampered := func(claims map[string]any) string {
		p, _ := json.Marshal(claims)
		return parts[0] + "." + base64.RawURLEncoding.EncodeToString(p) + "." + parts[2]
	}
	sig := []byte(parts[2])
	if sig[10] == 'A' {
		sig[10] = 'B'
	} else {
		sig[10] = 'A'
	}
	pubJWK, _ := json.Marshal(es.JWK())
	pubRaw, _ := es.Signer.Public().(*ecdsa.PublicKey).Bytes()

	cases := []struct {
		name  string
		token string
		want  error
	}{
		{"tampered signature", parts[0] + "." + parts[1] + "." + string(sig), verify.ErrSignature},
		{"tampered payload", tampered(with("sub", "mallory")), verify.ErrSignature},
		{"wrong aud", tampered(with("aud", "http://other")), verify.ErrSignature},
		{"alg none", sign(map[string]any{"alg": "none", "kid": es.KID}, with("sub", "mallory"), nil), verify.ErrAlgorithm},
		{"alg None", sign(map[string]any{"alg": "None"}, payload, nil), verify.ErrAlgorithm},
		{"HS256 with the public JWK as secret", sign(map[string]any{"alg": "HS256", "kid": es.KID}, payload, pubJWK), verify.ErrAlgorithm},
		{"HS256 with the public point as secret", sign(map[string]any{"alg": "HS256", "kid": es.KID}, payload, pubRaw), verify.ErrAlgorithm},
		{"EdDSA header on an EC key", strings.Replace(good, parts[0], b64json(map[string]any{"alg": "EdDSA", "kid": es.KID}), 1), verify.ErrAlgorithm},
		{"unknown kid", strings.Replace(good, parts[0], b64json(map[string]any{"alg": "ES256", "kid": "nope"}), 1), verify.ErrUnknownKey},
		{"two parts", parts[0] + "." + parts[1], verify.ErrMalformed},
		{"empty", "", verify.ErrMissing},
	}
	v := f.verifier(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.Verify(context.Background(), tc.token)
			if !errors.Is(err, tc.want) {
				t.Errorf("Verify = %v, want %v", err, tc.want)
			}
		})
	}

	t.Run("wrong audience configured", func(t *testing.T) {
		v := f.verifier(t, func(o *verify.Options) { o.Audience = "http://another-app" })
		if _, err := v.Verify(context.Background(), good); !errors.Is(err, verify.ErrAudience) {
			t.Errorf("Verify = %v, want ErrAudience", err)
		}
	})
	t.Run("wrong issuer configured", func(t *testing.T) {
		v := f.verifier(t, func(o *verify.Options) { o.Issuer = "https://evil.example" })
		if _, err := v.Verify(context.Background(), good); !errors.Is(err, verify.ErrIssuer) {
			t.Errorf("Verify = %v, want ErrIssuer", err)
		}
	})
	t.Run("expired", func(t *testing.T) {
		later := &clock{t: f.clock.Now().Add(5*time.Minute + 31*time.Second)}
		v := f.verifier(t, func(o *verify.Options) { o.Now = later.Now })
		if _, err := v.Verify(context.Background(), good); !errors.Is(err, verify.ErrExpired) {
			t.Errorf("Verify = %v, want ErrExpired", err)
		}
		within := &clock{t: f.clock.Now().Add(5*time.Minute + 10*time.Second)}
		v = f.verifier(t, func(o *verify.Options) { o.Now = within.Now })
		if _, err := v.Verify(context.Background(), good); err != nil {
			t.Errorf("within the leeway: %v", err)
		}
	})
	t.Run("issued in the future", func(t *testing.T) {
		earlier := &clock{t: f.clock.Now().Add(-time.Minute)}
		v := f.verifier(t, func(o *verify.Options) { o.Now = earlier.Now })
		if _, err := v.Verify(context.Background(), good); !errors.Is(err, verify.ErrIssuedAt) {
			t.Errorf("Verify = %v, want ErrIssuedAt", err)
		}
	})
	t.Run("HS256 verifier refuses an ES256 assertion", func(t *testing.T) {
		v := f.verifier(t, func(o *verify.Options) { o.HMACSecret = []byte(secret); o.Algorithms = []string{"HS256"} })
		if _, err := v.Verify(context.Background(), good); !errors.Is(err, verify.ErrAlgorithm) {
			t.Errorf("Verify = %v, want ErrAlgorithm", err)
		}
	})
	t.Run("verifier refuses to be configured for none", func(t *testing.T) {
		if _, err := verify.New(verify.Options{Issuer: issuer, Audience: audience, JWKS: f.signer.JWKS(), Algorithms: []string{"none"}}); err == nil {
			t.Error("verify.New accepted algorithm none")
		}
	})
}

func TestAssertionReuse(t *testing.T) {
	f := newFixture(t, keys.ES256, []keys.Key{genKey(t, keys.ES256)})
	s := alice()
	first, _ := f.asserter.Assertion(s)
	f.clock.Advance(2*time.Minute + 29*time.Second)
	if again, _ := f.asserter.Assertion(s); again != first {
		t.Error("re-signed while more than half of the lifetime remained")
	}
	f.clock.Advance(2 * time.Second)
	renewed, _ := f.asserter.Assertion(s)
	if renewed == first {
		t.Error("not re-signed with less than half of the lifetime left")
	}
	if _, err := f.verifier(t).Verify(context.Background(), renewed); err != nil {
		t.Fatal(err)
	}

	changed := alice()
	changed.Groups = []string{"staff"}
	if tok, _ := f.asserter.Assertion(changed); tok == renewed || strings.Contains(claimsOf(t, tok), "admins") {
		t.Error("a changed identity must be signed anew")
	}
	other := alice()
	other.ID = "another-session"
	if tok, _ := f.asserter.Assertion(other); tok == renewed {
		t.Error("another session must get its own assertion")
	}
}

func TestAssertionCacheIsBounded(t *testing.T) {
	f := newFixture(t, keys.EdDSA, []keys.Key{genKey(t, keys.EdDSA)},
		func(o *identity.AssertionOptions) { o.CacheSize = 2 })
	s := make([]*session.Session, 3)
	tokens := make([]string, 3)
	for i := range s {
		s[i] = alice()
		s[i].ID = fmt.Sprintf("session-%d", i)
		tokens[i], _ = f.asserter.Assertion(s[i])
	}
	f.clock.Advance(time.Second) // a re-signed token differs in iat
	if tok, _ := f.asserter.Assertion(s[2]); tok != tokens[2] {
		t.Error("the most recent session lost its cached assertion")
	}
	if tok, _ := f.asserter.Assertion(s[0]); tok == tokens[0] {
		t.Error("the least recently used session was not evicted from a cache of 2")
	}
}

// TestAssertionCacheSize checks how many sessions' assertions are reused for
// each CacheSize (session.cache_entries): six sessions are asserted, then
// asserted again a second later in reverse order, so an LRU of k keeps
// exactly the k most recent; a token signed again differs in iat.
func TestAssertionCacheSize(t *testing.T) {
	cases := []struct {
		name       string
		size       int
		wantReused int
	}{
		{"off: every call signs", 0, 0},
		{"bounded", 4, 4},
		{"negative means the default", -1, 6},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, keys.EdDSA, []keys.Key{genKey(t, keys.EdDSA)},
				func(o *identity.AssertionOptions) { o.CacheSize = tc.size })
			sessions := make([]*session.Session, 6)
			tokens := make([]string, len(sessions))
			for i := range sessions {
				sessions[i] = alice()
				sessions[i].ID = fmt.Sprintf("session-%d", i)
				tokens[i], _ = f.asserter.Assertion(sessions[i])
			}
			f.clock.Advance(time.Second)
			reused := 0
			for i := len(sessions) - 1; i >= 0; i-- {
				tok, err := f.asserter.Assertion(sessions[i])
				if err != nil {
					t.Fatal(err)
				}
				if tok == tokens[i] {
					reused++
				}
				if _, err := f.verifier(t).Verify(context.Background(), tok); err != nil {
					t.Fatal(err)
				}
			}
			if reused != tc.wantReused {
				t.Errorf("%d of %d assertions reused, want %d", reused, len(sessions), tc.wantReused)
			}
		})
	}
}

func TestGroupsTruncated(t *testing.T) {
	f := newFixture(t, keys.ES256, []keys.Key{genKey(t, keys.ES256)},
		func(o *identity.AssertionOptions) { o.MaxBytes = 2048 })
	s := alice()
	s.Groups = nil
	for i := range 400 {
		s.Groups = append(s.Groups, fmt.Sprintf("group-with-a-long-name-%03d", i))
	}
	token, err := f.asserter.Assertion(s)
	if err != nil {
		t.Fatal(err)
	}
	if n := len("X-Gatehouse-Assertion") + len(token); n > 2048 || n < 1900 {
		t.Errorf("header line is %d bytes, want close to and at most 2048", n)
	}
	c, err := f.verifier(t).Verify(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	if !c.GroupsTruncated || len(c.Groups) == 0 || len(c.Groups) >= 400 || c.Groups[0] != "group-with-a-long-name-000" {
		t.Errorf("groups_truncated %v with %d groups", c.GroupsTruncated, len(c.Groups))
	}
	for range 3 {
		f.clock.Advance(3 * time.Minute) // re-signs each time
		if _, err := f.asserter.Assertion(s); err != nil {
			t.Fatal(err)
		}
	}
	if n := f.logs.FilterMessageSnippet("trimmed").Len(); n != 1 {
		t.Errorf("%d truncation warnings for one session, want 1", n)
	}
	if got := f.asserter.TruncatedSessions(); got != 1 {
		t.Errorf("counter = %d, want 1", got)
	}
	for _, e := range f.logs.All() {
		if strings.Contains(fmt.Sprint(e.ContextMap()), s.ID) {
			t.Error("the warning contains the session id")
		}
	}
}

func decodeJSON(t *testing.T, part string, into any) {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, into); err != nil {
		t.Fatal(err)
	}
}

func decodeMap(t *testing.T, part string) map[string]any {
	m := map[string]any{}
	decodeJSON(t, part, &m)
	return m
}

func kidOf(t *testing.T, token string) string {
	return decodeMap(t, strings.Split(token, ".")[0])["kid"].(string)
}

func claimsOf(t *testing.T, token string) string {
	b, _ := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[1])
	return string(b)
}

func b64json(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// BenchmarkAssertion compares a cached assertion (the steady state) with
// signing one anew for every request, per algorithm.
func BenchmarkAssertion(b *testing.B) {
	for _, alg := range []string{keys.ES256, keys.EdDSA, keys.HS256} {
		var ks []keys.Key
		if alg != keys.HS256 {
			k, _ := keys.Generate(alg)
			ks = []keys.Key{k}
		}
		f := newFixture(b, alg, ks)
		s := alice()
		b.Run(alg+"/cached", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := f.asserter.Assertion(s); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(alg+"/signing", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				f.clock.Advance(3 * time.Minute) // past half the lifetime: re-sign
				if _, err := f.asserter.Assertion(s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
