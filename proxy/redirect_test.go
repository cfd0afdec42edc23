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
	}
	for rd, want := range cases {
		if got := v.Validate(rd); got != want {
			t.Errorf("Validate(%q) = %q, want %q", rd, got, want)
		}
	}
}
