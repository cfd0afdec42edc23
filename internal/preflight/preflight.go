// Package preflight checks what a configuration needs at run time, from
// outside a running server: the provider's discovery document and the
// session store. `gatehouse check-config --online` runs it, so that a wrong
// issuer or an unreachable Redis shows up before users meet it.
package preflight

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/server"
)

// maxDiscoveryBytes bounds the discovery document read; real ones are a few
// KiB.
const maxDiscoveryBytes = 1 << 20

// Check runs every online check against cfg (a validated config) and returns
// one *config.FieldError per failure, named by the key to fix. client talks
// to the provider; nil means a client with oidc.http_timeout.
func Check(ctx context.Context, cfg *config.Config, client *http.Client, logger *zap.Logger) []error {
	if client == nil {
		client = &http.Client{Timeout: cfg.OIDC.HTTPTimeout}
	}
	var errs []error
	if err := checkDiscovery(ctx, cfg.OIDC.Issuer, client); err != nil {
		errs = append(errs, err)
	}
	if err := checkStore(ctx, cfg, logger); err != nil {
		errs = append(errs, err)
	}
	return errs
}

// checkDiscovery fetches the discovery document the way the relying party
// does and compares its issuer with oidc.issuer exactly: the provider puts
// that string in every ID token's iss, so any difference fails every login.
func checkDiscovery(ctx context.Context, issuer string, client *http.Client) error {
	wellKnown := strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
	fail := func(format string, args ...any) error {
		return &config.FieldError{Key: "oidc.issuer", Problem: fmt.Sprintf("discovery at %s ", wellKnown) + fmt.Sprintf(format, args...)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, wellKnown, nil)
	if err != nil {
		return fail("cannot be requested: %v", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return fail("is unreachable: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fail("answered HTTP %d", resp.StatusCode)
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxDiscoveryBytes)).Decode(&doc); err != nil {
		return fail("is not a JSON discovery document: %v", err)
	}
	if doc.Issuer != issuer {
		return fail("says issuer %q, but oidc.issuer is %q: they must match exactly, trailing slash included", doc.Issuer, issuer)
	}
	if doc.JWKSURI == "" {
		return fail("has no jwks_uri")
	}
	return nil
}

// checkStore opens the session store as serve does and pings it.
func checkStore(ctx context.Context, cfg *config.Config, logger *zap.Logger) error {
	if cfg.Session.Store != "redis" {
		return nil
	}
	key := "session.redis.addresses"
	where := strings.Join(cfg.Session.Redis.Addresses, ", ")
	if cfg.Session.Redis.SentinelMaster != "" {
		where = fmt.Sprintf("Sentinel master %q at %s", cfg.Session.Redis.SentinelMaster, where)
	}
	store, err := server.OpenStore(cfg, logger)
	if err != nil {
		return &config.FieldError{Key: key, Problem: fmt.Sprintf("%s is unreachable: %v", where, oneLine(err))}
	}
	defer store.Close()
	ctx, cancel := context.WithTimeout(ctx, cfg.Session.Redis.Timeout)
	defer cancel()
	if err := store.Ping(ctx); err != nil {
		return &config.FieldError{Key: key, Problem: fmt.Sprintf("%s is unreachable: %v", where, oneLine(err))}
	}
	return nil
}

// oneLine keeps a joined error on one line of output.
func oneLine(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}
