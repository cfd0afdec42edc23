package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"time"
)

// replicaOfEnv gives a gatehouse child the public URL of another: a second
// replica behind the same name (roles.go).
const replicaOfEnv = "GATEHOUSE_BENCH_REPLICA_OF"

// replicaName is the second replica of the scaled gatehouse.
const replicaName = scaledName + "-2"

// startReplica starts a second gatehouse on t's Redis with t's public URL and
// configuration: two replicas behind one load balancer.
func (b *bench) startReplica(ctx context.Context, t *target) (*target, error) {
	env := append(slices.Clone(b.env), "GATEHOUSE_SESSION_STORE=redis",
		"GATEHOUSE_SESSION_REDIS_ADDRESSES="+t.redis.addr, replicaOfEnv+"="+t.url)
	if b.o.profileDir != "" {
		env = append(env, profileEnv+"="+filepath.Join(b.o.profileDir, replicaName+".pprof"))
	}
	c, err := b.child(replicaName, env, "-role", "gatehouse")
	if err != nil {
		return nil, err
	}
	if err := waitReady(ctx, "http://"+c.addrs[1]+"/readyz"); err != nil {
		return nil, fmt.Errorf("%s: %w (log: %s)", replicaName, err, c.log)
	}
	return &target{name: replicaName, proc: c, url: "http://" + c.addrs[0], redis: t.redis}, nil
}

// windowReplicas measures requests alternating between the replicas ts
// (each connection sends to one, then the next): their CPU is the sum of
// theirs, and the Redis commands are those of their shared server.
func (b *bench) windowReplicas(ctx context.Context, ts []*target, conns int, cookies *cookieCycle, warm time.Duration) (window, error) {
	var cpu [2]float64
	var cmds [2]int64
	var errs []error
	around := func(start bool) {
		i := 1
		if start {
			i = 0
		}
		for _, t := range ts {
			c, err := t.proc.cpuSeconds()
			cpu[i] += c
			errs = append(errs, err)
		}
		n, err := ts[0].redis.commandCalls(ctx)
		cmds[i] = n
		errs = append(errs, err)
	}
	urls := make([]string, len(ts))
	for i, t := range ts {
		urls[i] = t.url + "/bench-page"
	}
	lr, err := runLoad(ctx, loadSpec{
		urls: urls, conns: conns, warmup: warm, duration: b.o.duration,
		wantStatus: http.StatusOK, cookies: cookies, shape: requestShapes[b.o.request],
	}, around)
	if err != nil {
		return window{}, err
	}
	w := window{
		Config: fmt.Sprintf("%d replicas", len(ts)), Conns: conns, Requests: lr.Requests, RPS: lr.RPS,
		P50: micros(lr.P50), P99: micros(lr.P99), CPUPer10k: (cpu[1] - cpu[0]) / float64(lr.Requests) * 10000,
	}
	for _, e := range errs {
		if e != nil {
			w.CPUPer10k = -1
		}
	}
	per := float64(cmds[1]-cmds[0]) / float64(lr.Requests)
	w.RedisCmdsPerReq = &per
	return w, nil
}
