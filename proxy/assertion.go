package proxy

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/identity/keys"
)

// jwksMaxAge is how long verifiers may cache the JWKS. Short, because a
// rotated-in key signs at once; verifiers also refetch on an unknown kid.
const jwksMaxAge = 300

// emptyJWKS is the key set served when no assertion is signed: verifiers
// that still fetch it get a valid document that verifies nothing.
var emptyJWKS = []byte(`{"keys":[]}`)

// newAsserter builds the signer of the identity assertion. Without a
// configured key it generates one, which only this process knows: every
// replica then signs with a different key and publishes only its own.
// identity.assertion.enabled false gives nil: nothing is signed or sent.
func newAsserter(cfg *config.Config, mapper *identity.Mapper, logger *zap.Logger) (*identity.Asserter, error) {
	a := cfg.Identity.Assertion
	if !a.Enabled {
		return nil, nil
	}
	ks := a.SigningKeys
	if len(ks) == 0 && a.Algorithm != keys.HS256 {
		k, err := keys.Generate(a.Algorithm)
		if err != nil {
			return nil, fmt.Errorf("identity.assertion: %w", err)
		}
		ks = []keys.Key{k}
		logger.Warn("no identity.assertion.keys configured: signing the assertion with a key generated at start; "+
			"replicas will disagree and upstreams must refetch the JWKS after every restart "+
			"(create a key with `gatehouse keys generate`)",
			zap.String("algorithm", a.Algorithm), zap.String("kid", k.KID))
	}
	signer, err := identity.NewSigner(a.Algorithm, ks, []byte(a.HMACSecret))
	if err != nil {
		return nil, fmt.Errorf("identity.assertion: %w", err)
	}
	return identity.NewAsserter(identity.AssertionOptions{
		Signer:   signer,
		Issuer:   cfg.PublicURL,
		Audience: a.Audience,
		TTL:      a.TTL,
		Header:   a.Header,
		MaxBytes: cfg.Identity.MaxHeaderBytes,
		Mapper:   mapper,
		// 0 (session.cache_entries off) signs on every request.
		CacheSize: cfg.Session.CacheEntries,
		Logger:    logger,
	})
}

// setIdentity writes the identity headers and the signed assertion of auth's
// session into hdr: the outgoing request's headers when proxying, or the
// response headers of a forward-auth answer. The client's copies must already
// be gone. An assertion that cannot be signed is left out (and logged): the
// upstream then refuses the request, which is the safe failure.
func (h *Handler) setIdentity(ctx context.Context, hdr http.Header, auth *authenticated) {
	// Trimming is reported once per session by the asserter. The buffer
	// saves an allocation for up to 8 headers.
	var buf [8]identity.Header
	headers, _ := h.mapper.AppendHeaders(buf[:0], auth.session)
	// Every value in one backing array: hdr.Set would allocate one slice per
	// header on every request. The names are canonical already (config).
	values := make([]string, len(headers)+1)
	for i, hd := range headers {
		values[i] = hd.Value
		hdr[hd.Name] = values[i : i+1 : i+1]
	}
	h.setBasicAuth(hdr, auth)
	if h.asserter == nil {
		return // identity.assertion.enabled false: the headers alone
	}
	// A bearer identity has no session id: its assertion is cached under a
	// hash of its token and carries no sid.
	var v string
	var err error
	if auth.bearer != "" {
		v, err = h.asserter.BearerAssertion(auth.session, bearerCacheKey(auth.bearer))
	} else {
		v, err = h.sessionAssertion(ctx, auth) // sharedassertion.go
	}
	if err != nil {
		// Logged at most every 10s: every request of that session fails alike.
		h.repeatLog.Error("sign identity assertion (logged at most every 10s)", zap.Error(err))
		return
	}
	n := len(headers)
	values[n] = v
	hdr[h.asserter.Header()] = values[n : n+1 : n+1]
}

// jwks serves the public keys that verify the assertion. HS256 secrets are
// never in it. With the assertion off it serves an empty set rather than a
// 404, so that a verifier configured before the switch keeps starting; and
// rather than the configured keys, so that nothing suggests they are in use.
func (h *Handler) jwks(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return nil
	}
	body := emptyJWKS
	if h.asserter != nil {
		body = h.asserter.JWKS()
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Cache-Control", "public, max-age="+strconv.Itoa(jwksMaxAge))
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		return nil
	}
	_, _ = w.Write(body)
	return nil
}
