package redistest

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/rueidis"
)

// client opens a plain connection (no client-side cache) for inspection.
func (s *Server) client(t testing.TB) rueidis.Client {
	t.Helper()
	c, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{s.Addr()}, DisableCache: true})
	if err != nil {
		t.Fatalf("redistest: connect to %s: %v", s.Addr(), err)
	}
	return c
}

// Keys returns every key matching pattern, found with SCAN (as an operator
// would, without blocking the server like KEYS).
func (s *Server) Keys(t testing.TB, pattern string) []string {
	t.Helper()
	c := s.client(t)
	defer c.Close()
	var keys []string
	cursor := uint64(0)
	for {
		entry, err := c.Do(context.Background(), c.B().Scan().Cursor(cursor).Match(pattern).Count(1000).Build()).AsScanEntry()
		if err != nil {
			t.Fatalf("redistest: SCAN %s: %v", pattern, err)
		}
		keys = append(keys, entry.Elements...)
		if cursor = entry.Cursor; cursor == 0 {
			return keys
		}
	}
}

// DataCalls is how many commands other than connection housekeeping (PING,
// HELLO, CLIENT, INFO, SCAN, ...) the server has run: a count that any store
// read or write of gatehouse's increases.
func (s *Server) DataCalls(t testing.TB) int {
	t.Helper()
	c := s.client(t)
	defer c.Close()
	info, err := c.Do(context.Background(), c.B().Info().Section("commandstats").Build()).ToString()
	if err != nil {
		t.Fatalf("redistest: INFO commandstats: %v", err)
	}
	total := 0
	for _, line := range strings.Split(info, "\n") {
		// cmdstat_get:calls=3,usec=...
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":calls=")
		if !ok {
			continue
		}
		switch strings.TrimPrefix(name, "cmdstat_") {
		case "ping", "hello", "cluster|slots", "cluster|shards", "client|setinfo", "client|tracking", "client|id", "client", "info", "scan", "command", "command|docs", "select", "auth", "readonly":
			continue
		}
		calls, _, _ := strings.Cut(rest, ",")
		n, _ := strconv.Atoi(calls)
		total += n
	}
	return total
}
