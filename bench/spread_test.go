package main

import (
	"strings"
	"testing"
)

func TestSpreadOf(t *testing.T) {
	for _, tc := range []struct {
		name string
		rps  []float64
		want rpsSpread
	}{
		{"none", nil, rpsSpread{}},
		{"one", []float64{5}, rpsSpread{Min: 5, Median: 5, Max: 5, N: 1}},
		{"three, unordered", []float64{300, 100, 200}, rpsSpread{Min: 100, Median: 200, Max: 300, N: 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ws []window
			for _, r := range tc.rps {
				ws = append(ws, window{RPS: r})
			}
			if got := spreadOf(ws); got != tc.want {
				t.Fatalf("spreadOf = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestRatioRange(t *testing.T) {
	a := rpsSpread{Min: 80, Median: 90, Max: 100, N: 3}
	b := rpsSpread{Min: 100, Median: 100, Max: 125, N: 3}
	if got, want := ratioRange(a, b), "×0.90 (0.64–1.00)"; got != want {
		t.Errorf("ratioRange = %q, want %q", got, want)
	}
	if got := ratioRange(a, rpsSpread{}); got != "n/a" {
		t.Errorf("ratioRange against nothing = %q, want n/a", got)
	}
}

func TestScaleReplicaLines(t *testing.T) {
	s := &scaleResult{Sessions: 1000, One: window{RPS: 200, Requests: 1}, TwoReplicas: window{RPS: 170, Requests: 1, P99: 900, CPUPer10k: 2},
		ReplicaRSSMiB: []float64{100, 60},
		Reps: map[string]rpsSpread{"one": {Min: 190, Median: 200, Max: 210, N: 3}, "one_of_many": {Min: 180, Median: 190, Max: 200, N: 3},
			"spread": {Min: 150, Median: 160, Max: 170, N: 3}, "two_replicas": {Min: 160, Median: 170, Max: 180, N: 3}}}
	got := s.replicaLines()
	for _, want := range []string{"170 req/s (×0.85 of 1 session", "RSS 100 MiB, 60 MiB", "two replicas ×0.85 (0.76–0.95)"} {
		if !strings.Contains(got, want) {
			t.Errorf("replica lines lack %q:\n%s", want, got)
		}
	}
	if (&scaleResult{}).replicaLines() != "" {
		t.Error("lines without a two-replica measurement")
	}
}

// TestCookieCycle: a cycle skips empty cookies, and windows that share one
// continue where the last stopped instead of starting again at the first
// session (which the in-process caches would still hold).
func TestCookieCycle(t *testing.T) {
	if cycleOf("", "") != nil {
		t.Fatal("cycleOf of no cookies: want nil (no Cookie header)")
	}
	c := cycleOf("a", "", "b", "c")
	var got []string
	for range 2 { // one window
		got = append(got, c.cookie())
	}
	for range 3 { // the next window, same cycle
		got = append(got, c.cookie())
	}
	if want := "a b c a b"; strings.Join(got, " ") != want {
		t.Fatalf("cookies sent: %q, want %q", strings.Join(got, " "), want)
	}
}
