package idp

import "testing"

func TestFormActionSources(t *testing.T) {
	tests := []struct {
		name string
		uris []string
		want string
	}{
		{"none", nil, "'self'"},
		{"one", []string{"http://127.0.0.1:4180/oauth2/callback"}, "'self' http://127.0.0.1:4180"},
		{"two", []string{"https://a.test/cb", "http://b.test:8080/x?y=1"}, "'self' https://a.test http://b.test:8080"},
		{"relative is skipped", []string{"/oauth2/callback"}, "'self'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := formActionSources(tt.uris); got != tt.want {
				t.Errorf("formActionSources(%q) = %q, want %q", tt.uris, got, tt.want)
			}
		})
	}
}
