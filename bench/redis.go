package main

import (
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/redis/rueidis"
)

// redisServer is a redis-server the benchmark started, and a plain client
// (no client-side cache) for INFO, MEMORY USAGE and seeding.
type redisServer struct {
	addr   string
	cmd    *exec.Cmd
	client rueidis.Client
}

func startRedis(pin pinning, dir string) (*redisServer, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := pin.redisCommand("--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir, "--loglevel", "warning")
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start redis-server: %w", err)
	}
	r := &redisServer{addr: fmt.Sprintf("127.0.0.1:%d", port), cmd: cmd}
	deadline := time.Now().Add(10 * time.Second)
	for {
		r.client, err = rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{r.addr}, DisableCache: true})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			r.stop()
			return nil, fmt.Errorf("redis-server on %s: %w", r.addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return r, nil
}

func (r *redisServer) stop() {
	if r.client != nil {
		r.client.Close()
	}
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
}

// commandCalls is the number of commands Redis has executed, from INFO
// commandstats, leaving out INFO itself (the benchmark's own reads).
func (r *redisServer) commandCalls(ctx context.Context) (int64, error) {
	text, err := r.client.Do(ctx, r.client.B().Info().Section("commandstats").Build()).ToString()
	if err != nil {
		return 0, err
	}
	var total int64
	for _, line := range strings.Split(text, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") || name == "cmdstat_info" {
			continue
		}
		for _, kv := range strings.Split(rest, ",") {
			if v, ok := strings.CutPrefix(kv, "calls="); ok {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return 0, err
				}
				total += n
			}
		}
	}
	return total, nil
}

// memoryUsage is MEMORY USAGE of key in bytes (0 when the key is missing).
func (r *redisServer) memoryUsage(ctx context.Context, key string) (int64, error) {
	n, err := r.client.Do(ctx, r.client.B().MemoryUsage().Key(key).Samples(0).Build()).AsInt64()
	if rueidis.IsRedisNil(err) {
		return 0, nil
	}
	return n, err
}

// usedMemory is INFO memory's used_memory in bytes.
func (r *redisServer) usedMemory(ctx context.Context) (int64, error) {
	text, err := r.client.Do(ctx, r.client.B().Info().Section("memory").Build()).ToString()
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
			return strconv.ParseInt(v, 10, 64)
		}
	}
	return 0, fmt.Errorf("no used_memory in INFO memory")
}

// keys lists the keys matching pattern (the benchmark's databases are small
// when it asks).
func (r *redisServer) keys(ctx context.Context, pattern string) ([]string, error) {
	return r.client.Do(ctx, r.client.B().Keys().Pattern(pattern).Build()).AsStrSlice()
}
