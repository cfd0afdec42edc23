package config

import (
	"slices"
	"testing"
	"time"
)

func TestUpstreamUpgradeKeys(t *testing.T) {
	cases := []struct {
		name     string
		yaml     string
		env      map[string]string
		upgrades []string
		origins  []string
		check    time.Duration
		wantErr  string // one whole line of the error; "" means it loads
	}{
		{name: "defaults", upgrades: []string{"websocket"}, origins: []string{}, check: 30 * time.Second},
		{name: "names are lower-cased", yaml: "upstream:\n  allowed_upgrades: [WebSocket, TLS]\n",
			upgrades: []string{"websocket", "tls"}, origins: []string{}, check: 30 * time.Second},
		{name: "none allowed", yaml: "upstream:\n  allowed_upgrades: []\n",
			upgrades: []string{}, origins: []string{}, check: 30 * time.Second},
		{name: "origins and interval from env",
			env:      map[string]string{"GATEHOUSE_UPSTREAM_WEBSOCKET_ORIGINS": "https://a.example.com,http://b.example.com:8080", "GATEHOUSE_UPSTREAM_UPGRADE_SESSION_CHECK": "5s"},
			upgrades: []string{"websocket"}, origins: []string{"https://a.example.com", "http://b.example.com:8080"}, check: 5 * time.Second},
		{name: "h2c", yaml: "upstream:\n  allowed_upgrades: [websocket, H2C]\n",
			wantErr: "upstream.allowed_upgrades[1]: h2c may not be allowed: an HTTP/2 connection to the upstream would carry every later request past authentication"},
		{name: "h2c from env", env: map[string]string{"GATEHOUSE_UPSTREAM_ALLOWED_UPGRADES": "h2c"},
			wantErr: "upstream.allowed_upgrades[0]: h2c may not be allowed: an HTTP/2 connection to the upstream would carry every later request past authentication"},
		{name: "not a token", yaml: "upstream:\n  allowed_upgrades: [\"web socket\"]\n",
			wantErr: "upstream.allowed_upgrades[0]: \"web socket\" is not a protocol name (letters, digits and !#$%&'*+-.^_`|~ only)"},
		{name: "empty name", yaml: "upstream:\n  allowed_upgrades: [\"\"]\n",
			wantErr: "upstream.allowed_upgrades[0]: \"\" is not a protocol name (letters, digits and !#$%&'*+-.^_`|~ only)"},
		{name: "origin with path", yaml: "upstream:\n  websocket_origins: [https://a.example.com/]\n",
			wantErr: `upstream.websocket_origins[0]: "https://a.example.com/" must be scheme://host[:port] only, without path, query, fragment or user`},
		{name: "origin without scheme", yaml: "upstream:\n  websocket_origins: [a.example.com]\n",
			wantErr: `upstream.websocket_origins[0]: "a.example.com" must start with http:// or https://`},
		{name: "origin wildcard", yaml: "upstream:\n  websocket_origins: [\"*\"]\n",
			wantErr: `upstream.websocket_origins[0]: "*" must start with http:// or https://`},
		{name: "origin with user", yaml: "upstream:\n  websocket_origins: [\"https://u@a.example.com\"]\n",
			wantErr: `upstream.websocket_origins[0]: "https://u@a.example.com" must be scheme://host[:port] only, without path, query, fragment or user`},
		{name: "check too short", env: map[string]string{"GATEHOUSE_UPSTREAM_UPGRADE_SESSION_CHECK": "100ms"},
			wantErr: "upstream.upgrade_session_check: 100ms is shorter than 1s"},
		{name: "check off is not an option", yaml: "upstream:\n  upgrade_session_check: 0s\n",
			wantErr: "upstream.upgrade_session_check: 0s is shorter than 1s"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := loadCase(t, tc.yaml, tc.env, tc.wantErr)
			if c == nil {
				return
			}
			u := c.Upstream
			if !slices.Equal(u.AllowedUpgrades, tc.upgrades) || !slices.Equal(u.WebSocketOrigins, tc.origins) || u.UpgradeSessionCheck != tc.check {
				t.Errorf("upstream = %q %q %s, want %q %q %s", u.AllowedUpgrades, u.WebSocketOrigins, u.UpgradeSessionCheck,
					tc.upgrades, tc.origins, tc.check)
			}
		})
	}
}
