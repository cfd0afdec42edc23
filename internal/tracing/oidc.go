package tracing

import (
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// ProviderClient returns an HTTP client for the OpenID provider whose calls
// are client spans named by what they do: "oidc discovery", "oidc jwks",
// "oidc token", "oidc userinfo" ("oidc other" for anything else). timeout
// bounds each call, as the client oidcclient makes itself would.
func ProviderClient(tp trace.TracerProvider, next http.RoundTripper, timeout time.Duration) *http.Client {
	return &http.Client{Transport: Transport(tp, next, providerSpanName), Timeout: timeout}
}

// providerSpanName tells the provider's endpoints apart by their paths'
// conventions (Hydra, Keycloak, Zitadel, Google, Entra ID, Auth0 all keep
// them): the transport cannot see the discovery document that names them.
func providerSpanName(r *http.Request) string {
	return "oidc " + providerOperation(r.URL.Path)
}

func providerOperation(path string) string {
	path = strings.ToLower(strings.TrimSuffix(path, "/"))
	last := path[strings.LastIndexByte(path, '/')+1:]
	switch {
	case strings.HasSuffix(path, "/.well-known/openid-configuration"),
		strings.HasSuffix(path, "/.well-known/oauth-authorization-server"):
		return "discovery"
	case strings.Contains(last, "jwks"), last == "keys", last == "certs":
		return "jwks"
	case last == "token":
		return "token"
	case last == "userinfo":
		return "userinfo"
	}
	return "other"
}
