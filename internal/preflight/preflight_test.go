package preflight

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestCheckDiscovery covers the answers a real provider does not give (a
// broken document, an error status): a small fake provider serves each one.
// The real provider and a real Redis are checked in cmd/gatehouse's tests.
func TestCheckDiscovery(t *testing.T) {
	var body string
	var status int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/realm/.well-known/openid-configuration" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(strings.ReplaceAll(body, "ISSUER", "http://"+r.Host+"/realm")))
	}))
	defer srv.Close()
	issuer := srv.URL + "/realm"
	cases := []struct {
		name, issuer, body string
		status             int
		want               string // "" means no error
	}{
		{"matches", issuer, `{"issuer":"ISSUER","jwks_uri":"ISSUER/keys"}`, 200, ""},
		{"trailing slash on our side", issuer + "/", `{"issuer":"ISSUER","jwks_uri":"ISSUER/keys"}`, 200,
			`oidc.issuer: discovery at ` + issuer + `/.well-known/openid-configuration says issuer "` + issuer + `", but oidc.issuer is "` + issuer + `/": they must match exactly, trailing slash included`},
		{"no jwks_uri", issuer, `{"issuer":"ISSUER"}`, 200, "has no jwks_uri"},
		{"not JSON", issuer, `<html>login</html>`, 200, "is not a JSON discovery document"},
		{"error status", issuer, `{}`, 503, "answered HTTP 503"},
		{"wrong path", srv.URL + "/other", `{}`, 200, "answered HTTP 404"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body, status = tc.body, tc.status
			err := checkDiscovery(context.Background(), tc.issuer, srv.Client())
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}
