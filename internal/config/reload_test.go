package config

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestReloadWatchInterval(t *testing.T) {
	cases := []struct {
		yaml    string
		want    time.Duration
		problem string // "" when the load succeeds
	}{
		{"", time.Second, ""},
		{"reload: {watch_interval: 0s}\n", 0, ""},
		{"reload: {watch_interval: 50ms}\n", 50 * time.Millisecond, ""},
		{"reload: {watch_interval: 10ms}\n", 0, "reload.watch_interval: 10ms is neither 0"},
		{"reload: {watch_interval: -1s}\n", 0, "reload.watch_interval: -1s is neither 0"},
		{"reload: {watch_interval: often}\n", 0, "reload.watch_interval"},
	}
	for _, tc := range cases {
		c, err := load(t, tc.yaml, baseEnv())
		if tc.problem != "" {
			if err == nil || !strings.Contains(err.Error(), tc.problem) {
				t.Errorf("%q: got %v, want an error containing %q", tc.yaml, err, tc.problem)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.yaml, err)
			continue
		}
		if c.Reload.WatchInterval != tc.want {
			t.Errorf("%q: watch_interval %s, want %s", tc.yaml, c.Reload.WatchInterval, tc.want)
		}
	}
}

func TestChangedAndKeepKeys(t *testing.T) {
	a := mustLoad(t, "listen: 127.0.0.1:1\nauthorization: {rules: [{path: /a, allowed_groups: [x]}]}\n", baseEnv())
	b := mustLoad(t, "listen: 127.0.0.1:2\nauthorization: {rules: [{path: /a, allowed_groups: [y]}]}\nlog: {level: debug}\n", baseEnv())
	got := ChangedKeys(a, b)
	want := []string{"listen", "authorization.rules", "log.level"}
	if !slices.Equal(got, want) {
		t.Errorf("ChangedKeys = %v, want %v", got, want)
	}
	KeepKeys(b, a, func(key string) bool { return key == "listen" })
	if b.Listen != "127.0.0.1:1" || b.Log.Level != "debug" {
		t.Errorf("KeepKeys: listen %q (want the old), log.level %q (want the new)", b.Listen, b.Log.Level)
	}
	if got := ChangedKeys(a, b); !slices.Equal(got, []string{"authorization.rules", "log.level"}) {
		t.Errorf("after KeepKeys, ChangedKeys = %v", got)
	}
}
