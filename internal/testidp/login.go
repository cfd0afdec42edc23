package testidp

import (
	"net/http"
	"testing"

	"github.com/gatehouse/gatehouse/internal/demo/idp"
)

// ErrLoginRejected means the provider showed its login form again after the
// credentials were submitted (wrong username or password).
var ErrLoginRejected = idp.ErrLoginRejected

// Login drives the provider's login form like a browser would; see
// idp.Login, which does the work (the load benchmark uses it too).
// It returns the URL the provider redirected to outside itself (normally the
// relying party's callback with code and state) without requesting it.
func (p *IDP) Login(t testing.TB, client *http.Client, authorizeURL, username, password string) (callbackURL string, err error) {
	t.Helper()
	return idp.Login(client, p.Issuer, authorizeURL, username, password)
}
