package proxy

import "testing"

func TestHostGuard(t *testing.T) {
	tests := []struct {
		name      string
		publicURL string
		allowed   []string
		yes, no   []string
		public    string
	}{
		{
			name: "https default port", publicURL: "https://app.example.com", allowed: []string{"app.example.com"},
			yes:    []string{"app.example.com", "APP.Example.COM", "app.example.com:443"},
			no:     []string{"", "evil.example", "app.example.com:80", "app.example.com:8443", "app.example.com.", "app.example.com.evil.example", "xapp.example.com"},
			public: "app.example.com",
		},
		{
			name: "http with a port", publicURL: "http://127.0.0.1:4180", allowed: []string{"127.0.0.1:4180"},
			yes:    []string{"127.0.0.1:4180"},
			no:     []string{"127.0.0.1", "127.0.0.1:80", "localhost:4180", "127.0.0.2:4180"},
			public: "127.0.0.1:4180",
		},
		{
			name: "aliases, with and without port", publicURL: "https://app.example.com",
			allowed: []string{"www.example.com", "alias.example.com:8443"},
			yes:     []string{"app.example.com", "www.example.com", "www.example.com:443", "alias.example.com:8443", "ALIAS.example.com:8443"},
			no:      []string{"alias.example.com", "alias.example.com:443", "www.example.com:8443"},
			public:  "app.example.com",
		},
		{
			name: "IPv6", publicURL: "http://[::1]:4180", allowed: []string{"[::1]", "[fe80::1]:8080"},
			yes:    []string{"[::1]:4180", "[::1]", "[::1]:80", "[FE80::1]:8080"},
			no:     []string{"::1", "[::2]:4180", "[fe80::1]"},
			public: "[::1]:4180",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newHostGuard(tt.publicURL, tt.allowed)
			for _, h := range tt.yes {
				if !g.allows(h) {
					t.Errorf("Host %q refused", h)
				}
			}
			for _, h := range tt.no {
				if g.allows(h) {
					t.Errorf("Host %q allowed", h)
				}
			}
			if g.public != tt.public {
				t.Errorf("public = %q, want %q", g.public, tt.public)
			}
		})
	}
}
