package verify

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

type keySet struct {
	byKID     map[string]publicKey
	fetchedAt time.Time
}

type publicKey struct {
	alg string // from the JWK, "" when absent
	key any    // *ecdsa.PublicKey or ed25519.PublicKey
}

// key finds kid, fetching the JWKS when the cache is stale or, rate limited,
// when kid is unknown.
func (v *Verifier) key(ctx context.Context, kid string) (publicKey, error) {
	set := v.keys.Load()
	if set != nil {
		if k, ok := set.byKID[kid]; ok && (v.opts.JWKSURL == "" || v.opts.Now().Sub(set.fetchedAt) < v.opts.CacheTTL) {
			return k, nil
		}
	}
	if v.opts.JWKSURL == "" {
		return publicKey{}, fmt.Errorf("%w: %q", ErrUnknownKey, kid)
	}
	set, err := v.refresh(ctx, set)
	if set == nil {
		return publicKey{}, err
	}
	if k, ok := set.byKID[kid]; ok {
		return k, nil // a stale set still serves when a fetch fails
	}
	if err != nil {
		return publicKey{}, err
	}
	return publicKey{}, fmt.Errorf("%w: %q", ErrUnknownKey, kid)
}

// refresh fetches the JWKS unless another caller just did (seen differs from
// the current set) or the last fetch is more recent than RefetchInterval.
func (v *Verifier) refresh(ctx context.Context, seen *keySet) (*keySet, error) {
	v.fetchMu.Lock()
	defer v.fetchMu.Unlock()
	cur := v.keys.Load()
	if cur != seen {
		return cur, nil
	}
	now := v.opts.Now()
	if !v.lastFetch.IsZero() && now.Sub(v.lastFetch) < v.opts.RefetchInterval {
		if cur == nil {
			return nil, fmt.Errorf("%w: the last fetch failed less than %s ago", ErrKeys, v.opts.RefetchInterval)
		}
		return cur, nil
	}
	v.lastFetch = now
	set, err := v.fetch(ctx)
	if err != nil {
		return cur, err
	}
	set.fetchedAt = now
	v.keys.Store(set)
	return set, nil
}

func (v *Verifier) fetch(ctx context.Context) (*keySet, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.opts.JWKSURL, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKeys, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := v.opts.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKeys, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %s answered %d", ErrKeys, v.opts.JWKSURL, resp.StatusCode)
	}
	var body bytes.Buffer
	if _, err := body.ReadFrom(http.MaxBytesReader(nil, resp.Body, 1<<20)); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKeys, err)
	}
	return parseJWKS(body.Bytes())
}

// parseJWKS reads the EC P-256 and Ed25519 keys of a JWKS; other keys are
// skipped.
func parseJWKS(b []byte) (*keySet, error) {
	var doc struct {
		Keys []struct {
			Kty, Crv, X, Y, Alg, Kid, Use string
		} `json:"keys"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKeys, err)
	}
	set := &keySet{byKID: map[string]publicKey{}}
	b64 := base64.RawURLEncoding
	for _, k := range doc.Keys {
		if k.Kid == "" || (k.Use != "" && k.Use != "sig") {
			continue
		}
		x, errX := b64.DecodeString(k.X)
		switch {
		case k.Kty == "EC" && k.Crv == "P-256":
			y, errY := b64.DecodeString(k.Y)
			if errX != nil || errY != nil || len(x) != 32 || len(y) != 32 {
				continue
			}
			pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
			if err != nil {
				continue
			}
			set.byKID[k.Kid] = publicKey{alg: k.Alg, key: pub}
		case k.Kty == "OKP" && k.Crv == "Ed25519":
			if errX != nil || len(x) != ed25519.PublicKeySize {
				continue
			}
			set.byKID[k.Kid] = publicKey{alg: k.Alg, key: ed25519.PublicKey(x)}
		}
	}
	return set, nil
}
