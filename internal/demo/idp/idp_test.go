package idp_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse/gatehouse/internal/demo/idp"
)

func validOptions() idp.Options {
	return idp.Options{
		Issuer:       "http://127.0.0.1:5556/",
		ClientID:     "gatehouse",
		ClientSecret: "secret",
		RedirectURIs: []string{"http://127.0.0.1:4180/oauth2/callback"},
		Users:        []idp.User{{ID: "u1", Username: "demo", Password: "demo"}},
	}
}

func TestNewRejectsInvalidOptions(t *testing.T) {
	for name, mutate := range map[string]func(*idp.Options){
		"empty issuer":       func(o *idp.Options) { o.Issuer = "" },
		"issuer scheme":      func(o *idp.Options) { o.Issuer = "ftp://127.0.0.1/" },
		"issuer path":        func(o *idp.Options) { o.Issuer = "http://127.0.0.1:5556/idp" },
		"issuer query":       func(o *idp.Options) { o.Issuer = "http://127.0.0.1:5556/?a=b" },
		"no client id":       func(o *idp.Options) { o.ClientID = "" },
		"no client secret":   func(o *idp.Options) { o.ClientSecret = "" },
		"no redirect URIs":   func(o *idp.Options) { o.RedirectURIs = nil },
		"no users":           func(o *idp.Options) { o.Users = nil },
		"user without id":    func(o *idp.Options) { o.Users = []idp.User{{Username: "x"}} },
		"duplicate username": func(o *idp.Options) { o.Users = append(o.Users, idp.User{ID: "u2", Username: "demo"}) },
		"duplicate id":       func(o *idp.Options) { o.Users = append(o.Users, idp.User{ID: "u1", Username: "other"}) },
	} {
		t.Run(name, func(t *testing.T) {
			o := validOptions()
			mutate(&o)
			if _, err := idp.New(o); !errors.Is(err, idp.ErrInvalidOptions) {
				t.Fatalf("New = %v, want ErrInvalidOptions", err)
			}
		})
	}
}

// TestIssuerUsedVerbatim checks that discovery reports the issuer exactly as
// configured, with and without a trailing slash.
func TestIssuerUsedVerbatim(t *testing.T) {
	for _, slash := range []string{"", "/"} {
		t.Run("slash="+slash, func(t *testing.T) {
			var h http.Handler
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
			defer srv.Close()
			o := validOptions()
			o.Issuer = srv.URL + slash
			p, err := idp.New(o)
			if err != nil {
				t.Fatal(err)
			}
			h = p.Handler()
			resp, err := http.Get(srv.URL + "/.well-known/openid-configuration")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var d struct {
				Issuer string `json:"issuer"`
				Auth   string `json:"authorization_endpoint"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
				t.Fatal(err)
			}
			if d.Issuer != o.Issuer || d.Auth != srv.URL+"/auth" {
				t.Fatalf("discovery issuer %q authorization_endpoint %q; want %q and %q", d.Issuer, d.Auth, o.Issuer, srv.URL+"/auth")
			}
		})
	}
}
