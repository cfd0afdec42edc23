package main

import (
	"strings"
	"testing"
)

func TestSummarize(t *testing.T) {
	cmds := func(v float64) *float64 { return &v }
	r := results{Windows: []window{
		{Config: "bare", Conns: 64, RPS: 100, P50: 10, P99: 20, CPUPer10k: 1},
		{Config: "bare", Conns: 64, RPS: 300, P50: 30, P99: 60, CPUPer10k: 3},
		{Config: "bare", Conns: 64, RPS: 200, P50: 20, P99: 40, CPUPer10k: 2},
		{Config: "redis-cache", Conns: 64, RPS: 180, P50: 25, P99: 44, CPUPer10k: 2.2, RedisCmdsPerReq: cmds(0)},
		{Config: "redis-cache", Conns: 64, RPS: 190, P50: 26, P99: 46, CPUPer10k: 2.4, RedisCmdsPerReq: cmds(0.01)},
		{Config: "redis-cache", Conns: 64, RPS: 170, P50: 24, P99: 42, CPUPer10k: 2.3, RedisCmdsPerReq: cmds(0.02)},
		{Config: "bare", Conns: 1, RPS: 50, P50: 5, P99: 9, CPUPer10k: 1},
	}}
	r.summarize()
	if len(r.Summary) != 3 || r.Summary[0].Conns != 1 {
		t.Fatalf("summary %+v: want 3 rows, lowest concurrency first", r.Summary)
	}
	s := r.find("redis-cache", 64)
	checks := []struct {
		name      string
		got, want float64
	}{
		{"median rps", s.RPS, 180},
		{"median p99", s.P99, 44},
		{"rps ratio", s.RPSRatio, 0.9},
		{"p99 ratio", s.P99Ratio, 1.1},
		{"added p50", s.AddedP50, 5},
		{"cpu ratio", s.CPURatio, 1.15},
		{"redis commands", *s.RedisCmdsPerReq, 0.01},
		{"reps", float64(s.Reps), 3},
	}
	for _, c := range checks {
		if diff := c.got - c.want; diff > 1e-9 || diff < -1e-9 {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	md := r.markdown()
	if !strings.Contains(md, "| redis-cache | 64 | 180 | 0.90 |") {
		t.Errorf("markdown lacks the redis-cache row:\n%s", md)
	}
}
