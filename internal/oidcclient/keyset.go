package oidcclient

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	httphelper "github.com/zitadel/oidc/v3/pkg/http"
	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// DefaultKeyRefetchInterval is how often at most a token whose kid is unknown
// may make gatehouse fetch the provider's JWKS again.
const DefaultKeyRefetchInterval = time.Minute

// errKeysUnavailable means the JWKS could not be loaded and the last attempt
// is too recent to try again.
var errKeysUnavailable = errors.New("oidcclient: provider signing keys unavailable")

// keySet verifies JWS signatures against the provider's JWKS. Unlike
// zitadel's remote key set, which fetches the JWKS again for every token
// whose kid it does not know, it refetches at most once per interval: anyone
// can present a bearer token with a made-up kid, and each must not cost a
// request to the provider. A provider that rotates its key is still followed
// at once, because the first unknown kid after a quiet interval refetches.
//
// Symmetric keys in the JWKS are ignored: the JWKS is public, so an HMAC
// made with a published key proves nothing.
//
// It is kept hand-written on purpose: zitadel/oidc, the relying-party library
// gatehouse uses, has no rate-limited refetch (its remote key set fetches on
// every unknown kid), and go-jose below it only parses keys and checks
// signatures; neither fetches and caches a JWKS this way.
type keySet struct {
	client   *http.Client
	jwksURL  string
	interval time.Duration
	now      func() time.Time

	fetchMu sync.Mutex // one fetch at a time; waiters then see its result

	mu     sync.Mutex
	keys   []jose.JSONWebKey
	loaded bool // keys came from a successful fetch
	// fetches counts fetch attempts, so a waiter can tell that another
	// request fetched meanwhile.
	fetches int
	// lastLoad is the last attempt while nothing was loaded; lastRefetch the
	// last attempt to replace loaded keys. The first key rotation after a
	// load is followed at once; a flood of unknown kids costs one fetch per
	// interval.
	lastLoad, lastRefetch time.Time
}

var _ oidc.KeySet = (*keySet)(nil)

func newKeySet(client *http.Client, jwksURL string, interval time.Duration) *keySet {
	if interval <= 0 {
		interval = DefaultKeyRefetchInterval
	}
	return &keySet{client: client, jwksURL: jwksURL, interval: interval, now: time.Now}
}

// VerifySignature implements oidc.KeySet.
func (k *keySet) VerifySignature(ctx context.Context, jws *jose.JSONWebSignature) ([]byte, error) {
	kid, alg := oidc.GetKeyIDAndAlg(jws)
	keys, loaded, _ := k.snapshot()
	if loaded {
		payload, err, retry := verifyWith(jws, kid, alg, keys)
		if !retry {
			return payload, err
		}
	}
	keys, err := k.refetch(ctx)
	if err != nil {
		return nil, err
	}
	payload, err, _ := verifyWith(jws, kid, alg, keys)
	return payload, err
}

// verifyWith verifies jws with the key that kid and alg select. retry reports
// that a fresher JWKS might verify it: no key matched, or a key without the
// token's exact kid failed.
func verifyWith(jws *jose.JSONWebSignature, kid, alg string, keys []jose.JSONWebKey) (payload []byte, err error, retry bool) {
	key, err := oidc.FindMatchingKey(kid, oidc.KeyUseSignature, alg, keys...)
	if err != nil {
		return nil, fmt.Errorf("no signing key for kid %q and alg %q: %w", kid, alg, err), true
	}
	payload, err = jws.Verify(&key)
	if err == nil {
		return payload, nil, false
	}
	exact := kid != "" && key.KeyID == kid
	return nil, fmt.Errorf("signature verification failed: %w", err), !exact
}

func (k *keySet) snapshot() ([]jose.JSONWebKey, bool, int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.keys, k.loaded, k.fetches
}

// refetch fetches the JWKS unless the throttle forbids it; then it returns
// the keys it has (or errKeysUnavailable when none ever loaded).
func (k *keySet) refetch(ctx context.Context) ([]jose.JSONWebKey, error) {
	_, _, before := k.snapshot()
	k.fetchMu.Lock()
	defer k.fetchMu.Unlock()
	k.mu.Lock()
	keys, loaded, fetches := k.keys, k.loaded, k.fetches
	last := &k.lastRefetch
	if !loaded {
		last = &k.lastLoad
	}
	throttled := !last.IsZero() && k.now().Sub(*last) < k.interval
	if fetches != before || throttled {
		// Another request fetched while this one waited, or one did recently:
		// use what is there.
		k.mu.Unlock()
		return keysOrUnavailable(keys, loaded)
	}
	*last = k.now()
	k.fetches++
	k.mu.Unlock()

	fetched, err := k.fetch(ctx)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	k.keys, k.loaded = fetched, true
	k.mu.Unlock()
	return fetched, nil
}

func keysOrUnavailable(keys []jose.JSONWebKey, loaded bool) ([]jose.JSONWebKey, error) {
	if !loaded {
		return nil, errKeysUnavailable
	}
	return keys, nil
}

// fetch GETs the JWKS. Keys that do not parse, or are symmetric or private,
// are skipped rather than failing the whole set (a provider may publish key
// types gatehouse does not use).
func (k *keySet) fetch(ctx context.Context) ([]jose.JSONWebKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.jwksURL, nil)
	if err != nil {
		return nil, fmt.Errorf("JWKS request: %w", err)
	}
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := httphelper.HttpRequest(k.client, req, &doc); err != nil {
		return nil, fmt.Errorf("fetch JWKS %s: %w", k.jwksURL, err)
	}
	keys := make([]jose.JSONWebKey, 0, len(doc.Keys))
	for _, raw := range doc.Keys {
		var key jose.JSONWebKey
		if json.Unmarshal(raw, &key) != nil || !key.Valid() || !key.IsPublic() || !asymmetric(key.Key) {
			continue
		}
		keys = append(keys, key)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("fetch JWKS %s: no usable public signing key", k.jwksURL)
	}
	return slices.Clip(keys), nil
}

func asymmetric(key any) bool {
	switch key.(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
		return true
	}
	return false
}
