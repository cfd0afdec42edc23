package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOAuth2ProxyPath(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "oauth2-proxy")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(dir, "not-executable")
	if err := os.WriteFile(plain, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ env, want string }{
		{exe, exe},
		{plain, ""},
		{filepath.Join(dir, "missing"), ""},
	} {
		t.Setenv(oauth2ProxyEnv, tc.env)
		if got := oauth2ProxyPath(); got != tc.want {
			t.Errorf("%s=%s: oauth2ProxyPath() = %q, want %q", oauth2ProxyEnv, tc.env, got, tc.want)
		}
	}
}

func TestSummarizeStorm(t *testing.T) {
	s := summarizeStorm("gatehouse", []stormRun{
		{perSec: 100, cpuMs: 2, idpCPUMs: 1, logins: 200},
		{perSec: 300, cpuMs: 4, idpCPUMs: 3, logins: 600, errors: 2, firstErr: "status 502"},
		{perSec: 200, cpuMs: 3, idpCPUMs: 2, logins: 400},
	})
	want := stormResult{Config: "gatehouse", Workers: stormWorkers, LoginsPerSec: rpsSpread{Min: 100, Median: 200, Max: 300, N: 3},
		CPUMsPerLogin: 3, ProviderCPUMsPerLogin: 2, Logins: 1200, Errors: 2, FirstError: "status 502"}
	if s != want {
		t.Fatalf("summarizeStorm = %+v\nwant %+v", s, want)
	}
	r := results{Storm: []stormResult{
		{Config: "gatehouse", Workers: 32, LoginsPerSec: rpsSpread{Min: 380, Median: 400, Max: 420, N: 3}, CPUMsPerLogin: 1},
		{Config: "oauth2-proxy", Workers: 32, LoginsPerSec: rpsSpread{Min: 190, Median: 200, Max: 210, N: 3}, CPUMsPerLogin: 2, Errors: 1, FirstError: "status 500"},
	}}
	md := r.stormLines()
	for _, line := range []string{
		"| gatehouse | 400 (380–420) | 1.00 |",
		"logins/s ×2.00 (1.81–2.21), CPU per login ×0.50",
		"oauth2-proxy: 1 failed logins during the storm (first: status 500)",
	} {
		if !strings.Contains(md, line) {
			t.Errorf("storm lines lack %q:\n%s", line, md)
		}
	}
	if got := (&results{StormNote: "oauth2-proxy v7.15.6 not built"}).stormLines(); !strings.Contains(got, "not built") {
		t.Errorf("storm lines without oauth2-proxy = %q", got)
	}
}
