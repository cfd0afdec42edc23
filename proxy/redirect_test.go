package proxy

import "testing"

func TestRedirectValidator(t *testing.T) {
	v := newRedirectValidator("https://app.example.com", []string{"docs.example.com", "Wiki.Example.com:8443"})
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

// TestRedirectValidatorHTTP: on an http public_url (local development)
// http targets stay allowed; only https public_urls refuse a downgrade.
func TestRedirectValidatorHTTP(t *testing.T) {
	v := newRedirectValidator("http://127.0.0.1:4180", []string{"docs.example.com"})
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
