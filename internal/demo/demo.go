// Package demo runs everything gatehouse needs on one machine: an OpenID
// provider with a demo user, an upstream page that shows what it received, and
// gatehouse between them with the memory store.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/demo/idp"
	"github.com/gatehouse/gatehouse/internal/demo/upstream"
	"github.com/gatehouse/gatehouse/internal/identity/keys"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/pkg/identity/verify"
)

// Options configure the demo.
type Options struct {
	// Port is gatehouse's port on 127.0.0.1; the provider takes Port+1 when free.
	Port   int
	Out    io.Writer
	Logger *zap.Logger
}

// Run serves the demo until ctx ends.
func Run(ctx context.Context, opts Options) error {
	gateLn, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(opts.Port)))
	if err != nil {
		return fmt.Errorf("port %d is taken (choose another with --port): %w", opts.Port, err)
	}
	idpLn, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(opts.Port+1)))
	if err != nil {
		idpLn, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		_ = gateLn.Close()
		return fmt.Errorf("listen for the demo provider: %w", err)
	}
	upLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen for the demo upstream: %w", err)
	}
	opsLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen for the ops endpoints: %w", err)
	}

	publicURL := "http://" + gateLn.Addr().String()
	issuer := "http://" + idpLn.Addr().String()
	user := idp.User{
		ID: "demo-user-1", Username: "demo", Password: randomString(9),
		Email: "demo@gatehouse.test", GivenName: "Demo", FamilyName: "User",
		Groups: []string{"demo", "staff"},
	}
	clientSecret := randomString(24)
	provider, err := idp.New(idp.Options{
		Issuer:                 issuer,
		ClientID:               "gatehouse-demo",
		ClientSecret:           clientSecret,
		RedirectURIs:           []string{publicURL + "/oauth2/callback"},
		PostLogoutRedirectURIs: []string{publicURL + "/"},
		Users:                  []idp.User{user},
		LoginHint:              user.Username,
		LoginFailed: func(reason string) {
			opts.Logger.Named("provider").Warn("sign-in at the demo provider failed", zap.String("reason", reason))
		},
	})
	if err != nil {
		return fmt.Errorf("demo provider: %w", err)
	}

	// A key of its own, so the demo does not warn about a generated one.
	signingKey, err := keys.Generate(keys.ES256)
	if err != nil {
		return err
	}
	signingPEM, err := signingKey.PEM()
	if err != nil {
		return err
	}
	cfg, err := config.Load("", []string{
		"GATEHOUSE_IDENTITY_ASSERTION_KEYS=" + string(signingPEM),
		"GATEHOUSE_PUBLIC_URL=" + publicURL,
		"GATEHOUSE_UPSTREAM_URL=http://" + upLn.Addr().String(),
		"GATEHOUSE_OIDC_ISSUER=" + issuer,
		"GATEHOUSE_OIDC_CLIENT_ID=gatehouse-demo",
		"GATEHOUSE_OIDC_CLIENT_SECRET=" + clientSecret,
		"GATEHOUSE_COOKIE_SECRETS=" + randomString(48),
		"GATEHOUSE_SESSION_STORE=memory",
		// Cookies ignore ports: two demos on one machine (--port) must not
		// overwrite each other's session in one browser.
		"GATEHOUSE_COOKIE_NAME=" + CookieName(gateLn.Addr().(*net.TCPAddr).Port),
	})
	if err != nil {
		return fmt.Errorf("demo config: %w", err)
	}
	srv, err := server.New(cfg, opts.Logger)
	if err != nil {
		return err
	}
	// The demo app trusts nothing but what verifies against gatehouse's keys.
	verifier, err := verify.New(verify.Options{
		Issuer:   cfg.PublicURL,
		Audience: cfg.Identity.Assertion.Audience,
		JWKSURL:  publicURL + cfg.PathPrefix + "/jwks.json",
	})
	if err != nil {
		return fmt.Errorf("demo upstream verifier: %w", err)
	}

	// zitadel's example provider logs through slog's process-wide default
	// only; it is pointed at the demo's logger while the demo runs.
	previous := slog.Default()
	slog.SetDefault(slog.New(newProviderLog(opts.Logger)))
	defer slog.SetDefault(previous)

	side := []*http.Server{
		{Handler: provider.Handler(), ReadHeaderTimeout: 10 * time.Second},
		{Handler: upstream.Handler(verifier), ReadHeaderTimeout: 10 * time.Second},
	}
	go func() { _ = side[0].Serve(idpLn) }()
	go func() { _ = side[1].Serve(upLn) }()
	defer func() {
		for _, s := range side {
			_ = s.Close()
		}
	}()

	fmt.Fprintf(opts.Out, `gatehouse demo is running.

  Open       %s/
  Log in as  %s
  Password   %s

  identity provider  %s
  upstream app       http://%s (reach it only through gatehouse)
  ops endpoints      http://%s/healthz /readyz /metrics

Press Ctrl+C to stop.
`, publicURL, user.Username, user.Password, issuer, upLn.Addr(), opsLn.Addr())

	if err := srv.Serve(ctx, gateLn, opsLn); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// CookieName is the demo's session cookie name on port: one per port, so
// that demos side by side keep their own sessions.
func CookieName(port int) string { return "gatehouse-" + strconv.Itoa(port) }

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}
