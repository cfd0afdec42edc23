package identity_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/identity/keys"
	"github.com/gatehouse/gatehouse/internal/session"
)

// randomText is n bytes of ASCII text that JSON escapes in places (quotes,
// backslashes, control characters, <>&), so the encoded claim is longer than
// the claim: a random slice of one random pool, cheap enough for many cases.
func randomText(r *rand.Rand, n int) string {
	start := r.IntN(len(textPool) - n)
	return textPool[start : start+n]
}

var textPool = func() string {
	const alphabet = "abcdef0123 \"\\\x01\x7f<>&"
	r := rand.New(rand.NewPCG(3, 4))
	b := make([]byte, 1<<16)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}()

// TestAssertionNeverExceedsTheCap: for random identities of every size, the
// assertion header line (name and value) is within identity.max_header_bytes,
// or signing refuses with ErrIdentityTooLarge, exactly when CheckFits does;
// groups are trimmed (and marked) before that ever happens.
func TestAssertionNeverExceedsTheCap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, alg := range []string{keys.ES256, keys.EdDSA, keys.HS256} {
		var ks []keys.Key
		if alg != keys.HS256 {
			ks = []keys.Key{genKey(t, alg)}
		}
		for _, maxBytes := range []int{1024, 4096, 8192} {
			f := newFixture(t, alg, ks, func(o *identity.AssertionOptions) { o.MaxBytes = maxBytes; o.CacheSize = 0 })
			v := f.verifier(t)
			for i := range 30 {
				scale := []int{10, 200, 2000, 9000}[r.IntN(4)]
				s := &session.Session{
					ID: "sid-" + randomText(r, 8), Subject: randomText(r, r.IntN(scale)+1),
					Email: randomText(r, r.IntN(scale)), Name: randomText(r, r.IntN(scale)),
					PreferredUsername: randomText(r, r.IntN(scale)),
				}
				for range r.IntN(1500) {
					s.Groups = append(s.Groups, randomText(r, r.IntN(60)+1))
				}
				fitErr := f.asserter.CheckFits(s)
				token, err := f.asserter.Assertion(s)
				bearerToken, bearerErr := f.asserter.BearerAssertion(s, "token-hash")
				if err != nil {
					if !errors.Is(err, identity.ErrIdentityTooLarge) {
						t.Fatalf("%s/%d/%d: %v", alg, maxBytes, i, err)
					}
					if !errors.Is(fitErr, identity.ErrIdentityTooLarge) {
						t.Fatalf("%s/%d/%d: signing refused, but CheckFits said it fits", alg, maxBytes, i)
					}
					if strings.Contains(err.Error(), s.PreferredUsername) && len(s.PreferredUsername) > 20 {
						t.Fatalf("the error quotes a claim value")
					}
					continue
				}
				if fitErr != nil {
					t.Fatalf("%s/%d/%d: CheckFits refused (%v) what signs within the cap", alg, maxBytes, i, fitErr)
				}
				for _, tok := range []string{token, bearerToken} {
					if tok == "" {
						continue // the bearer form is smaller; it may still not be refused
					}
					if n := len("X-Gatehouse-Assertion") + len(tok); n > maxBytes {
						t.Fatalf("%s/%d/%d: header line %d bytes over the cap", alg, maxBytes, i, n)
					}
				}
				if bearerErr != nil {
					t.Fatalf("%s/%d/%d: the bearer form (no sid) failed although the session form fits: %v", alg, maxBytes, i, bearerErr)
				}
				c, err := v.Verify(context.Background(), token)
				if err != nil {
					t.Fatalf("%s/%d/%d: verify: %v", alg, maxBytes, i, err)
				}
				if c.Subject != s.Subject || c.PreferredUsername != s.PreferredUsername {
					t.Fatalf("%s/%d/%d: a scalar claim was changed", alg, maxBytes, i)
				}
				if c.GroupsTruncated != (len(c.Groups) < len(s.Groups)) {
					t.Fatalf("%s/%d/%d: %d of %d groups, groups_truncated %v", alg, maxBytes, i, len(c.Groups), len(s.Groups), c.GroupsTruncated)
				}
			}
		}
	}
}

func TestTooLongClaimNamesTheClaim(t *testing.T) {
	f := newFixture(t, keys.ES256, []keys.Key{genKey(t, keys.ES256)})
	s := alice()
	s.PreferredUsername = strings.Repeat("u", 9*1024)
	err := f.asserter.CheckFits(s)
	var tl *identity.TooLargeError
	if !errors.As(err, &tl) || tl.Claim != "preferred_username" || !errors.Is(err, identity.ErrIdentityTooLarge) {
		t.Fatalf("CheckFits = %v, want a TooLargeError for preferred_username", err)
	}
	if strings.Contains(err.Error(), "uuuu") {
		t.Error("the error quotes the claim")
	}
	if _, err := f.asserter.Assertion(s); !errors.Is(err, identity.ErrIdentityTooLarge) {
		t.Errorf("Assertion = %v, want ErrIdentityTooLarge", err)
	}

	m, err := identity.NewMapper(identity.MapperOptions{Headers: map[string]string{"X-Forwarded-User": "sub", "X-Forwarded-Preferred-Username": "preferred_username",
		"X-Forwarded-Groups": "groups"}, MaxBytes: 8192})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.CheckFits(s); !errors.As(err, &tl) || tl.Claim != "preferred_username" {
		t.Errorf("Mapper.CheckFits = %v, want preferred_username", err)
	}
	s.PreferredUsername = "alice"
	for range 5000 {
		s.Groups = append(s.Groups, "a-group-name")
	}
	if err := m.CheckFits(s); err != nil {
		t.Errorf("groups alone refused: %v", err)
	}
	if err := f.asserter.CheckFits(s); err != nil {
		t.Errorf("groups alone refused by the asserter: %v", err)
	}
}

// TestBearerAssertions: a bearer identity's assertion has no sid, is cached
// per token (never across tokens), and does not outlive the token.
func TestBearerAssertions(t *testing.T) {
	f := newFixture(t, keys.ES256, []keys.Key{genKey(t, keys.ES256)})
	v := f.verifier(t)
	one := &session.Session{Subject: "one", ExpiresAt: f.clock.Now().Add(time.Minute)}
	two := &session.Session{Subject: "two", ExpiresAt: f.clock.Now().Add(time.Hour)}

	a1, _ := f.asserter.BearerAssertion(one, "hash-1")
	a2, _ := f.asserter.BearerAssertion(two, "hash-2")
	again1, _ := f.asserter.BearerAssertion(one, "hash-1")
	if a1 != again1 {
		t.Error("the same token's assertion was signed again within its lifetime")
	}
	if a1 == a2 {
		t.Error("two tokens share an assertion")
	}
	c1, err := v.Verify(context.Background(), a1)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := v.Verify(context.Background(), a2)
	if err != nil {
		t.Fatal(err)
	}
	if c1.Subject != "one" || c2.Subject != "two" || c1.SessionID != "" || c2.SessionID != "" {
		t.Errorf("claims %+v / %+v: want own subjects and no sid", c1, c2)
	}
	if c1.ExpiresAt != one.ExpiresAt.Unix() {
		t.Errorf("exp %d, want the token's %d", c1.ExpiresAt, one.ExpiresAt.Unix())
	}
	if c2.ExpiresAt != f.clock.Now().Add(5*time.Minute).Unix() {
		t.Errorf("exp %d, want now + ttl", c2.ExpiresAt)
	}
	if strings.Contains(claimsOf(t, a1), `"sid"`) {
		t.Error("a bearer assertion carries a sid claim")
	}
	// A session with an empty id is not a bearer identity's slot, and vice versa.
	sess, _ := f.asserter.Assertion(&session.Session{Subject: "one"})
	if sess == a1 {
		t.Error("a bearer token and a session share a cache slot")
	}
}
