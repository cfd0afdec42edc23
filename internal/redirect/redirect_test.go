package redirect

import (
	"net/url"
	"testing"
)

func TestValidate(t *testing.T) {
	v := New("https://app.example.com", []string{"docs.example.com", "Wiki.Example.com:8443"})
	cases := map[string]string{
		"":                                   "/",
		"/":                                  "/",
		"/path?q=1#frag":                     "/path?q=1#frag",
		"//evil.example":                     "/",
		"///evil.example":                    "/",
		`/\evil.example`:                     "/",
		`/ok\..\..\evil`:                     "/",
		"/\t/evil.example":                   "/",
		"/\r\n/evil.example":                 "/",
		"https://evil.example/":              "/",
		"http://evil.example/":               "/",
		"javascript:alert(1)":                "/",
		"data:text/html,x":                   "/",
		"evil.example":                       "/",
		"https://app.example.com/x":          "https://app.example.com/x",
		"https://APP.example.com/x":          "https://APP.example.com/x",
		"https://docs.example.com/a":         "https://docs.example.com/a",
		"https://wiki.example.com:8443/a":    "https://wiki.example.com:8443/a",
		"https://docs.example.com.evil.com/": "/",
		"https://evil.com#docs.example.com":  "/",
		"https://user@docs.example.com/":     "/",
		"https://docs.example.com@evil.com/": "/",
		"ftp://docs.example.com/":            "/",
		"https:docs.example.com":             "/",
		"/%2F%2Fevil.example":                "/%2F%2Fevil.example",
		"http://docs.example.com/a":          "/", // https to http
		"http://app.example.com/x":           "/",
	}
	for rd, want := range cases {
		if got := v.Validate(rd); got != want {
			t.Errorf("Validate(%q) = %q, want %q", rd, got, want)
		}
	}
}

// TestValidateHTTP: on an http public_url (local development)
// http targets stay allowed; only https public_urls refuse a downgrade.
func TestValidateHTTP(t *testing.T) {
	v := New("http://127.0.0.1:4180", []string{"docs.example.com"})
	for rd, want := range map[string]string{
		"http://docs.example.com/a":  "http://docs.example.com/a",
		"https://docs.example.com/a": "https://docs.example.com/a",
		"http://127.0.0.1:4180/x":    "http://127.0.0.1:4180/x",
	} {
		if got := v.Validate(rd); got != want {
			t.Errorf("Validate(%q) = %q, want %q", rd, got, want)
		}
	}
}

// TestHostAllowed is the rule config applies to
// oidc.post_logout_redirect_uri: the host alone decides.
func TestHostAllowed(t *testing.T) {
	r := New("https://App.example.com", []string{"docs.example.com", "wiki.example.com:8443"})
	tests := []struct {
		url  string
		want bool
	}{
		{"https://app.example.com/bye", true},
		{"http://APP.example.com/bye", true}, // scheme is a warning in config, not this rule
		{"https://docs.example.com:9000/", true},
		{"https://wiki.example.com:8443/", true},
		{"https://wiki.example.com/", false},
		{"https://app.example.com:8443/", false},
		{"https://evil.example/", false},
		{"https://docs.example.com.evil.example/", false},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.HostAllowed(u); got != tt.want {
			t.Errorf("HostAllowed(%q) = %v, want %v", tt.url, got, tt.want)
		}
	}
}
