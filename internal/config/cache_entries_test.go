package config

import (
	"testing"
)

func TestSessionCacheEntries(t *testing.T) {
	cases := []struct {
		name    string
		yaml    string
		env     map[string]string
		want    int
		wantErr string // one whole line of the error; "" means it loads
	}{
		{name: "default", want: 10000},
		{name: "file", yaml: "session:\n  cache_entries: 250000\n", want: 250000},
		{name: "env", env: map[string]string{"GATEHOUSE_SESSION_CACHE_ENTRIES": "64"}, want: 64},
		{name: "env over file", yaml: "session:\n  cache_entries: 5\n", env: map[string]string{"GATEHOUSE_SESSION_CACHE_ENTRIES": "7"}, want: 7},
		{name: "zero turns the caches off", yaml: "session:\n  cache_entries: 0\n", want: 0},
		{name: "negative", yaml: "session:\n  cache_entries: -1\n",
			wantErr: "session.cache_entries: must not be negative (0 turns the caches off)"},
		{name: "negative from env", env: map[string]string{"GATEHOUSE_SESSION_CACHE_ENTRIES": "-10"},
			wantErr: "session.cache_entries: must not be negative (0 turns the caches off)"},
		{name: "not an integer", env: map[string]string{"GATEHOUSE_SESSION_CACHE_ENTRIES": "10k"},
			wantErr: `session.cache_entries: "10k" is not an integer`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := loadCase(t, tc.yaml, tc.env, tc.wantErr)
			if c == nil {
				return
			}
			if c.Session.CacheEntries != tc.want {
				t.Errorf("session.cache_entries = %d, want %d", c.Session.CacheEntries, tc.want)
			}
		})
	}
}
