package redis

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/redistest"
	"github.com/gatehouse/gatehouse/internal/session"
)

// BenchmarkSlide measures what the request path pays to slide a session's
// idle timeout: a Load (as the request did) and an Update with a later
// LastSeenAt, over many sessions so that neither cache helps. Besides the
// client's time it reports Redis's own: the commands (INFO commandstats,
// those inside scripts included) and Redis's CPU time (INFO cpu) per slide,
// which the gatehouse process's profile does not show although Redis
// shares its core in go run ./bench.
func BenchmarkSlide(b *testing.B) {
	srv := redistest.Start(b)
	s, err := New(Options{Addresses: []string{srv.Addr()}, KeyPrefix: "bench:", Timeout: time.Second,
		ClientCache: time.Minute, CacheEntries: -1}, zap.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	ctx := b.Context()
	now := time.Now()
	sessions := make([]*session.Session, 1000)
	for i := range sessions {
		// About the size of a real login's record (~1.6 KiB with sealed tokens).
		sessions[i] = &session.Session{ID: "bench-" + strconv.Itoa(i), Subject: "user-" + strconv.Itoa(i),
			Email: "user@example.org", Groups: []string{"staff", "dev", "ops"}, IDPSessionID: "sid-" + strconv.Itoa(i),
			CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(8 * time.Hour), Sealed: bytes.Repeat([]byte{0xa5}, 975)}
		if err := s.Save(ctx, sessions[i], time.Hour); err != nil {
			b.Fatal(err)
		}
	}
	calls, cpu := redisWork(b, srv)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		sess, err := s.Load(ctx, sessions[n%len(sessions)].ID)
		if err != nil {
			b.Fatal(err)
		}
		sess.LastSeenAt = sess.LastSeenAt.Add(time.Minute)
		if err := s.Update(ctx, sess, time.Hour); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.StopTimer()
	calls2, cpu2 := redisWork(b, srv)
	b.ReportMetric(float64(calls2-calls)/float64(n), "redis-cmds/op")
	b.ReportMetric((cpu2-cpu)*1e6/float64(n), "redis-cpu-µs/op")
}

// redisWork returns how many commands Redis ran (INFO itself left out)
// and the CPU seconds it used so far.
func redisWork(b *testing.B, srv *redistest.Server) (calls int, cpu float64) {
	b.Helper()
	for name, v := range srv.Info("commandstats") {
		if name == "cmdstat_info" {
			continue
		}
		for _, f := range strings.Split(v, ",") {
			if n, ok := strings.CutPrefix(f, "calls="); ok {
				c, _ := strconv.Atoi(n)
				calls += c
			}
		}
	}
	info := srv.Info("cpu")
	for _, k := range []string{"used_cpu_sys", "used_cpu_user"} {
		v, err := strconv.ParseFloat(info[k], 64)
		if err != nil {
			b.Fatalf("INFO cpu %s = %q", k, info[k])
		}
		cpu += v
	}
	return calls, cpu
}
