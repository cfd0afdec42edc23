package proxy

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"time"

	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/identity/keys"
	"github.com/gatehouse/gatehouse/internal/session"
)

// With many live sessions most requests come from a session outside the
// in-process assertion cache, and an ES256 signature per such request was
// the largest part of its cost. So a session's assertion is signed once per
// window (half its lifetime) for all replicas and kept beside the session
// record in the store, which deletes it with the record and never lets it
// outlive the record (internal/session/redis/assertion.go).
//
// What is kept is sealed (AES-256-GCM) under the session's key, which only
// the browser's cookie carries: a dump of the store yields no assertion, as
// it yields no token. The additional data binds it to the session id and to
// a fingerprint of the session record, so it answers only while the record
// states the same identity: a refresh that changes any claim, or any other
// change of the record except the sliding last-seen time, makes it unusable.

// sharedAssertions keeps sealed assertions beside session records: the
// Redis store. A store without it (memory: one process) signs per process.
type sharedAssertions interface {
	LoadAssertion(ctx context.Context, id string) ([]byte, error)
	SaveAssertion(ctx context.Context, id string, value []byte, ttl time.Duration) error
}

// keptLoader reads a session record and, when the record itself comes from
// Redis, the assertion kept beside it in the same command (the Redis store,
// also through the metrics wrapper); read tells whether it did. The kept
// value is nil when there is none or it could not be read.
type keptLoader interface {
	LoadWithAssertion(ctx context.Context, id string) (s *session.Session, kept []byte, read bool, err error)
}

// prefetched is the kept assertion read with the session record, when it
// was: sessionAssertion then does not read it again.
type prefetched struct {
	sealed []byte
	read   bool
}

// load reads session id from the store, and the assertion kept for it when
// the store reads the record from Redis anyway: a session not read lately,
// which with many sessions in use is most requests. Its assertion is then
// in no process's cache either, and a second round trip for it cost as
// much as the first. The store decides (its admission of recent reads), so
// a session in steady use pays nothing more.
func (h *Handler) load(ctx context.Context, id string) (*session.Session, prefetched, error) {
	if h.shared == nil || h.shared.loader == nil {
		s, err := h.store.Load(ctx, id)
		return s, prefetched{}, err
	}
	s, sealed, read, err := h.shared.loader.LoadWithAssertion(ctx, id)
	return s, prefetched{sealed: sealed, read: read}, err
}

// keysShared reports whether every replica signs with the same keys, which
// only configuration ensures (identity.assertion.keys, or the HS256 secret).
// With a key generated at start, a replica would forward an assertion that
// only another replica's JWKS verifies: each then signs its own.
func keysShared(cfg *config.Config) bool {
	a := cfg.Identity.Assertion
	return len(a.SigningKeys) > 0 || a.Algorithm == keys.HS256
}

// keptAssertions is the store of kept assertions and what binds one to the
// configuration that signed it.
type keptAssertions struct {
	store sharedAssertions
	// scope is the issuer, audience and signing key: replicas that state
	// them differently (a fleet half-way through a change of public_url, or
	// a key rotation by reload or rollout) never forward each other's
	// assertions, and a rotated-out key signs nothing more.
	scope string
	// loader reads a record and its kept assertion together: the handler's
	// store, so that the read is timed as every other load (nil: never).
	loader keptLoader
}

// newKeptAssertions returns nil (each process signs its own) unless the keys
// are shared and the store keeps assertions.
func newKeptAssertions(cfg *config.Config, store any, keyID string) *keptAssertions {
	st := sharedAssertionsOf(store)
	if st == nil || !keysShared(cfg) {
		return nil
	}
	loader, _ := store.(keptLoader)
	return &keptAssertions{store: st, loader: loader, scope: cfg.PublicURL + "\x00" + cfg.Identity.Assertion.Audience + "\x00" + keyID}
}

// sharedAssertionsOf finds the sharedAssertions behind store, looking
// through decorators (the metrics wrapper) that say what they wrap.
func sharedAssertionsOf(store any) sharedAssertions {
	for store != nil {
		if s, ok := store.(sharedAssertions); ok {
			return s
		}
		u, ok := store.(interface{ Unwrap() session.Backend })
		if !ok {
			return nil
		}
		store = u.Unwrap()
	}
	return nil
}

// sessionAssertion is the assertion of a cookie session: from the process's
// cache, else the one kept in the store when it still answers, else a new
// signature, which is then kept for the other replicas. A store that fails
// costs a signature, never the request.
func (h *Handler) sessionAssertion(ctx context.Context, auth *authenticated) (string, error) {
	s := auth.session
	if h.shared == nil || len(auth.key) != session.KeySize {
		return h.asserter.Assertion(s)
	}
	if token, ok := h.asserter.Cached(s); ok {
		return token, nil
	}
	fp, fpErr := recordFingerprint(h.shared.scope, s)
	if fpErr == nil {
		sealed, err := auth.kept.sealed, error(nil)
		if !auth.kept.read {
			sealed, err = h.shared.store.LoadAssertion(ctx, s.ID)
		}
		if err != nil {
			h.repeatLog.Warn("read the kept identity assertion (logged at most every 10s)", zap.Error(err))
		} else if token, until, ok := openAssertion(auth.key, s.ID, fp, sealed); ok && h.asserter.Adopt(s, token, until) {
			return token, nil
		}
	}
	token, until, err := h.asserter.AssertionUntil(s)
	if err != nil || fpErr != nil {
		return token, err
	}
	if ttl := until.Sub(h.now()); ttl > 0 {
		sealed, err := sealAssertion(auth.key, s.ID, fp, until, token)
		if err == nil {
			err = h.shared.store.SaveAssertion(ctx, s.ID, sealed, ttl)
		}
		if err != nil {
			h.repeatLog.Warn("keep the identity assertion (logged at most every 10s)", zap.Error(err))
		}
	}
	return token, nil
}

// recordFingerprint is a SHA-256 of the scope (issuer and audience) and of
// everything the session record says except when it was last seen, which
// slides every few minutes of use without changing who the user is. Fields added
// to the record later are covered without a change here.
func recordFingerprint(scope string, s *session.Session) ([sha256.Size]byte, error) {
	c := *s
	c.LastSeenAt, c.Sealed = time.Time{}, nil
	meta, err := json.Marshal(&c)
	if err != nil {
		return [sha256.Size]byte{}, err
	}
	h := sha256.New()
	h.Write([]byte(scope))
	h.Write([]byte{0})
	h.Write(meta)
	h.Write([]byte{0})
	h.Write(s.Sealed)
	var fp [sha256.Size]byte
	h.Sum(fp[:0])
	return fp, nil
}

// assertionAD is the additional data of a kept assertion: what it belongs to.
func assertionAD(id string, fp [sha256.Size]byte) []byte {
	ad := make([]byte, 0, len(assertionLabel)+len(id)+1+len(fp))
	ad = append(append(append(ad, assertionLabel...), id...), 0)
	return append(ad, fp[:]...)
}

// assertionLabel derives the kept assertion's key from the session key and
// sets its additional data apart from the sealed tokens'.
const assertionLabel = "gatehouse kept assertion\x00"

// sealAssertion seals token, to be reused until until, for the session id
// whose record has fingerprint fp: nonce, then the sealed renewal time
// (Unix ms, a varint) and token.
func sealAssertion(key []byte, id string, fp [sha256.Size]byte, until time.Time, token string) ([]byte, error) {
	aead, err := assertionAEAD(key)
	if err != nil {
		return nil, err
	}
	plain := binary.AppendVarint(make([]byte, 0, binary.MaxVarintLen64+len(token)), until.UnixMilli())
	plain = append(plain, token...)
	out := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	_, _ = rand.Read(out)
	return aead.Seal(out, out, plain, assertionAD(id, fp)), nil
}

// openAssertion reverses sealAssertion; ok is false for nothing kept, a
// value of another session or record, or anything damaged.
func openAssertion(key []byte, id string, fp [sha256.Size]byte, sealed []byte) (token string, until time.Time, ok bool) {
	aead, err := assertionAEAD(key)
	if err != nil || len(sealed) < aead.NonceSize() {
		return "", time.Time{}, false
	}
	nonce, box := sealed[:aead.NonceSize()], sealed[aead.NonceSize():]
	plain, err := aead.Open(nil, nonce, box, assertionAD(id, fp))
	if err != nil {
		return "", time.Time{}, false
	}
	ms, n := binary.Varint(plain)
	if n <= 0 || n == len(plain) {
		return "", time.Time{}, false
	}
	return string(plain[n:]), time.UnixMilli(ms), true
}

// assertionAEAD seals under a key derived from the session's key for this
// use alone, so the tokens and the assertion never share an AES-GCM key.
func assertionAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != session.KeySize {
		return nil, errors.New("kept assertion: session key of the wrong size")
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(assertionLabel))
	block, err := aes.NewCipher(mac.Sum(nil))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
