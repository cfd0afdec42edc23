package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testidp"
	"github.com/gatehouse/gatehouse/internal/testutil"
)

// TestIssuerMismatchPage: when discovery names another issuer than
// oidc.issuer (here a trailing slash), the user is told that the
// configuration is wrong, not that the provider cannot be reached, and the
// page carries no detail (those are in the log).
func TestIssuerMismatchPage(t *testing.T) {
	ln := testutil.Listen(t)
	base := "http://" + ln.Addr().String()
	idp := testidp.Start(t, []string{base + "/oauth2/callback"})
	g := startGate(t, withListener(ln), withoutReadyWait(),
		withProvider(idp.Issuer+"/", idp.ClientID, idp.ClientSecret))

	// Discovery runs in the background; the first attempt is over once the
	// provider has answered it, and the page changes from "not loaded yet".
	deadline := time.Now().Add(10 * time.Second)
	var body string
	for {
		resp := rawGetAt(t, g.URL, "/oauth2/start?rd=/", "Accept", "text/html")
		b, _ := io.ReadAll(resp.Body)
		body = string(b)
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("start: status %d, want 503", resp.StatusCode)
		}
		if strings.Contains(body, "misconfigured") || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(body, "configuration does not match the identity provider") {
		t.Errorf("page does not say the configuration is wrong:\n%s", body)
	}
	if strings.Contains(body, "cannot be reached") || strings.Contains(body, idp.Issuer) {
		t.Errorf("page blames the provider or shows details:\n%s", body)
	}
}
