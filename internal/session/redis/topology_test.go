package redis

import (
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	gatehousemetrics "github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/internal/redistest"
	"github.com/gatehouse/gatehouse/internal/session"
	"github.com/gatehouse/gatehouse/internal/session/sessiontest"
)

func open(t *testing.T, opts Options, logger *zap.Logger) *Store {
	t.Helper()
	if logger == nil {
		logger = zaptest.NewLogger(t)
	}
	if opts.KeyPrefix == "" {
		opts.KeyPrefix = "gatehouse:"
	}
	if opts.Timeout == 0 {
		opts.Timeout = testTimeout
	}
	if opts.CacheEntries == 0 {
		opts.CacheEntries = -1 // as gatehouse runs by default
	}
	s, err := New(opts, logger)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestCluster(t *testing.T) {
	cluster := redistest.StartCluster(t, 3)
	t.Run("conformance", func(t *testing.T) {
		sessiontest.Run(t, func(t *testing.T) session.Backend {
			return open(t, Options{Addresses: cluster.Addrs(), KeyPrefix: t.Name() + ":", ClientCache: time.Minute}, nil)
		})
	})
	t.Run("sessions spread over every node", func(t *testing.T) {
		s := open(t, Options{Addresses: cluster.Addrs()[:1], ClientCache: time.Minute}, nil)
		ids := make([]string, 50)
		for i := range ids {
			ids[i] = sessiontest.NewID(t)
			if err := s.Save(t.Context(), &session.Session{ID: ids[i], Subject: "u" + strconv.Itoa(i)}, time.Minute); err != nil {
				t.Fatalf("Save %d: %v", i, err)
			}
		}
		for i, n := range cluster.Nodes {
			if keys := n.Info("keyspace")["db0"]; keys == "" {
				t.Errorf("node %d holds no key after 50 sessions; keyspace %q", i, keys)
			}
		}
		if err := s.Delete(t.Context(), ids[7]); err != nil {
			t.Fatal(err)
		}
		for i, id := range ids {
			_, err := s.Load(t.Context(), id)
			if want := i == 7; errors.Is(err, session.ErrNotFound) != want || (!want && err != nil) {
				t.Errorf("Load %d = %v", i, err)
			}
		}
	})
	t.Run("record and kept assertion in one MGET on every node", func(t *testing.T) {
		s := open(t, Options{Addresses: cluster.Addrs(), ClientCache: time.Minute}, nil)
		ids := make([]string, 30)
		for i := range ids {
			ids[i] = sessiontest.NewID(t)
			if err := s.Save(t.Context(), &session.Session{ID: ids[i], Subject: "u" + strconv.Itoa(i)}, time.Minute); err != nil {
				t.Fatal(err)
			}
			if err := s.SaveAssertion(t.Context(), ids[i], []byte("kept-"+strconv.Itoa(i)), time.Minute); err != nil {
				t.Fatal(err)
			}
		}
		fresh := open(t, Options{Addresses: cluster.Addrs(), ClientCache: time.Minute}, nil) // nothing admitted
		for i, id := range ids {
			got, kept, _, err := fresh.LoadWithAssertion(t.Context(), id)
			if err != nil || got.Subject != "u"+strconv.Itoa(i) || string(kept) != "kept-"+strconv.Itoa(i) {
				t.Fatalf("LoadWithAssertion %d = %+v, %q, %v", i, got, kept, err)
			}
		}
		var mgets int
		for _, n := range cluster.Nodes {
			mgets += commandCalls(t, n, "mget")
		}
		if mgets < len(ids) {
			t.Errorf("%d MGETs on the nodes for %d reads, want one each", mgets, len(ids))
		}
	})
	t.Run("db is refused clearly", func(t *testing.T) {
		core, logs := observer.New(zap.ErrorLevel)
		s := open(t, Options{Addresses: cluster.Addrs(), DB: 3}, zap.New(core))
		err := s.Ping(t.Context())
		if !errors.Is(err, ErrClusterDB) || !errors.Is(err, session.ErrUnavailable) {
			t.Fatalf("Ping with db 3 on a cluster = %v, want ErrClusterDB and ErrUnavailable", err)
		}
		if logs.Len() != 1 || !strings.Contains(logs.All()[0].Message, "session.redis.db") {
			t.Fatalf("logs = %v, want one error naming session.redis.db", logs.All())
		}
	})
	stats := cluster.ErrorStats()
	t.Logf("cluster error statistics: %v", stats) // ERR: CLIENT SETINFO, unknown to Redis 7.0
	if stats["CROSSSLOT"] != 0 {
		t.Errorf("%d CROSSSLOT errors on the cluster", stats["CROSSSLOT"])
	}
}

// TestClientCacheInvalidation plays two gatehouse replicas, each with its own
// store and cache: a delete or update on one must reach the other.
//
// Redis pushes the invalidation to b in the same event-loop turn in which it
// answers a, but b's connection reads it a few microseconds later, so a read
// on b issued the instant a's call returns can still be answered from the
// cache. The test therefore waits (at most a second) for b to see each change
// and logs how many immediate reads were stale and the longest wait.
func TestClientCacheInvalidation(t *testing.T) {
	srv := redistest.Start(t)
	regB := prometheus.NewRegistry()
	a := open(t, Options{Addresses: []string{srv.Addr()}, ClientCache: time.Minute}, nil)
	b := open(t, Options{Addresses: []string{srv.Addr()}, ClientCache: time.Minute, Registerer: regB}, nil)
	ctx := t.Context()
	hits := func() float64 {
		return testutil.ToFloat64(b.metrics.cache.WithLabelValues("hit"))
	}
	var stale int
	var longest time.Duration
	var currentID string
	// seen waits until b's Load satisfies ok.
	seen := func(round int, what string, ok func(*session.Session, error) bool) {
		t.Helper()
		start := time.Now()
		for i := 0; ; i++ {
			got, err := b.Load(ctx, currentID)
			if ok(got, err) {
				if i > 0 {
					stale++
				}
				longest = max(longest, time.Since(start))
				return
			}
			if time.Since(start) > time.Second {
				t.Fatalf("round %d: b still sees the record 1s after the %s on a: %+v, %v", round, what, got, err)
			}
			time.Sleep(100 * time.Microsecond)
		}
	}
	const rounds = 50
	for round := range rounds {
		sess := &session.Session{ID: sessiontest.NewID(t), Subject: "alice", Email: "a@example.com"}
		currentID = sess.ID
		if err := a.Save(ctx, sess, time.Minute); err != nil {
			t.Fatal(err)
		}
		for range 3 { // warm b's cache
			if _, err := b.Load(ctx, sess.ID); err != nil {
				t.Fatalf("round %d: Load on b: %v", round, err)
			}
		}
		before := hits()
		if _, err := b.Load(ctx, sess.ID); err != nil || hits() != before+1 {
			t.Fatalf("round %d: warm Load on b = %v, hits %v -> %v: not served from the cache", round, err, before, hits())
		}
		sess.Email = "changed@example.com"
		if err := a.Update(ctx, sess, time.Minute); err != nil {
			t.Fatal(err)
		}
		seen(round, "update", func(got *session.Session, err error) bool {
			return err == nil && got.Email == "changed@example.com"
		})
		if _, err := a.Load(ctx, sess.ID); err != nil { // a caches it too
			t.Fatal(err)
		}
		if err := a.Delete(ctx, sess.ID); err != nil {
			t.Fatal(err)
		}
		// On the replica that deleted, the very next read must miss.
		if got, err := a.Load(ctx, sess.ID); !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("round %d: Load on a right after its own delete = %+v, %v; want ErrNotFound", round, got, err)
		}
		seen(round, "delete", func(_ *session.Session, err error) bool {
			return errors.Is(err, session.ErrNotFound)
		})
	}
	t.Logf("%d of %d reads on b issued the instant a's write returned were still stale; longest until b saw the change: %v",
		stale, 2*rounds, longest)
}

// TestClientCacheSteadyState counts the GETs Redis receives for repeated
// reads of a few sessions: with the cache on, only the first two reads of
// each (the first admits the record, admission.go; the second caches it).
func TestClientCacheSteadyState(t *testing.T) {
	for _, tc := range []struct {
		cache   time.Duration
		maxGets int
	}{{cache: time.Minute, maxGets: 10}, {cache: 0, maxGets: 1000}} {
		t.Run("cache="+tc.cache.String(), func(t *testing.T) {
			srv := redistest.Start(t)
			s := open(t, Options{Addresses: []string{srv.Addr()}, ClientCache: tc.cache}, nil)
			ids := make([]string, 5)
			for i := range ids {
				ids[i] = sessiontest.NewID(t)
				if err := s.Save(t.Context(), &session.Session{ID: ids[i], Subject: "u"}, time.Minute); err != nil {
					t.Fatal(err)
				}
			}
			srv.Do("CONFIG", "RESETSTAT")
			for i := range 1000 {
				if _, err := s.Load(t.Context(), ids[i%len(ids)]); err != nil {
					t.Fatal(err)
				}
			}
			gets := commandCalls(t, srv, "get")
			t.Logf("client_cache=%v: %d GETs reached Redis for 1000 loads", tc.cache, gets)
			if gets > tc.maxGets || (tc.cache == 0 && gets != 1000) {
				t.Errorf("%d GETs for 1000 loads of 5 sessions, want at most %d", gets, tc.maxGets)
			}
		})
	}
}

// commandCalls reads the calls of one command from INFO commandstats.
func commandCalls(t *testing.T, srv *redistest.Server, cmd string) int {
	t.Helper()
	v := srv.Info("commandstats")["cmdstat_"+cmd] // calls=5,usec=...
	for _, f := range strings.Split(v, ",") {
		if n, ok := strings.CutPrefix(f, "calls="); ok {
			calls, _ := strconv.Atoi(n)
			return calls
		}
	}
	return 0
}

// TestClientCacheNotServedAfterReconnect: what was cached before an outage is
// gone after it, because rueidis drops a connection's cache with the
// connection; invalidations missed meanwhile cannot leave a stale session.
func TestClientCacheNotServedAfterReconnect(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, Options{Addresses: []string{srv.Addr()}, ClientCache: time.Hour}, nil)
	ctx := t.Context()
	sess := &session.Session{ID: sessiontest.NewID(t), Subject: "u", Email: "before@example.com"}
	if err := s.Save(ctx, sess, time.Hour); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := s.Load(ctx, sess.ID); err != nil {
			t.Fatal(err)
		}
	}
	srv.Stop()
	// rueidis drops a connection's cache when it sees the connection fail;
	// until its reader sees the close (well under a second) the cached copy,
	// still a valid session, may be served. After that: ErrUnavailable.
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		got, err := s.Load(ctx, sess.ID)
		if errors.Is(err, session.ErrUnavailable) {
			break
		}
		if err != nil || got.Email != sess.Email || time.Now().After(deadline) {
			t.Fatalf("Load during the outage = %+v, %v; want ErrUnavailable once the connection is seen down", got, err)
		}
	}
	srv.Start() // empty: the session is gone
	recovered(t, s)
	if got, err := s.Load(ctx, sess.ID); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Load after the restart = %+v, %v; want ErrNotFound, not the cached copy", got, err)
	}
}

// TestNoGoroutineLeakDuringOutage sends many calls at a Redis that is down,
// then brings it back: the goroutine count must return to where it was.
func TestNoGoroutineLeakDuringOutage(t *testing.T) {
	srv := redistest.Start(t)
	s := open(t, Options{Addresses: []string{srv.Addr()}, ClientCache: time.Minute, Timeout: 200 * time.Millisecond}, zap.NewNop())
	recovered(t, s)
	before := settledGoroutines()

	srv.Stop()
	const calls = 300
	errs := make(chan error, calls)
	for range calls {
		go func() { _, err := s.Load(t.Context(), "id"); errs <- err }()
	}
	for range calls {
		if err := <-errs; !errors.Is(err, session.ErrUnavailable) {
			t.Fatalf("Load during the outage = %v, want ErrUnavailable", err)
		}
	}
	srv.Start()
	recovered(t, s)

	after := settledGoroutines()
	t.Logf("goroutines: %d before the outage, %d after %d failed calls and recovery", before, after, calls)
	if after > before+10 {
		t.Errorf("goroutines grew from %d to %d across an outage of %d calls", before, after, calls)
	}
}

// settledGoroutines lets finished goroutines exit before counting.
func settledGoroutines() int {
	n := runtime.NumGoroutine()
	for range 20 {
		time.Sleep(50 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m == n {
			break
		}
		n = m
	}
	return n
}

func TestMetrics(t *testing.T) {
	srv := redistest.Start(t)
	reg := prometheus.NewRegistry()
	s := open(t, Options{Addresses: []string{srv.Addr()}, ClientCache: time.Minute, Registerer: reg}, nil)
	// As gatehouse runs it: the decorator times the Store calls, once, for
	// both its series and the store's.
	timed := gatehousemetrics.New(reg).InstrumentStore(s)
	ctx := t.Context()
	sess := &session.Session{ID: sessiontest.NewID(t), Subject: "u"}
	if err := timed.Save(ctx, sess, time.Minute); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := timed.Load(ctx, sess.ID); err != nil {
			t.Fatal(err)
		}
	}
	srv.Stop()
	_ = timed.Ping(ctx)

	const want = `
# HELP gatehouse_redis_client_cache_reads_total Session reads with the client-side cache on, by result (hit: answered from memory; miss: fetched from Redis, a read not yet admitted to the cache included). Hit ratio = hit / sum.
# TYPE gatehouse_redis_client_cache_reads_total counter
gatehouse_redis_client_cache_reads_total{result="hit"} 1
gatehouse_redis_client_cache_reads_total{result="miss"} 2
# HELP gatehouse_redis_errors_total Redis calls of the session store that failed (unreachable, timeout, error reply). A missing key is not an error.
# TYPE gatehouse_redis_errors_total counter
gatehouse_redis_errors_total{op="ping"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"gatehouse_redis_client_cache_reads_total", "gatehouse_redis_errors_total"); err != nil {
		t.Error(err)
	}
	// Every call is timed, failed ones included.
	if n := testutil.CollectAndCount(s.metrics.duration, "gatehouse_redis_command_duration_seconds"); n != 3 {
		t.Errorf("latency histogram has %d op series, want 3 (save, load, ping)", n)
	}
	if got := histogramSamples(t, s.metrics.duration.WithLabelValues("load")); got != 3 {
		t.Errorf("%d load durations for 3 loads, want 3", got)
	}
	// A second store on the same registry is a wiring bug and says so.
	if _, err := New(Options{Addresses: []string{srv.Addr()}, Registerer: reg}, nil); err == nil {
		t.Error("second store on one registry: New = nil error")
	}
}

// histogramSamples is the number of observations of a histogram child.
func histogramSamples(t *testing.T, o prometheus.Observer) uint64 {
	t.Helper()
	var pb dto.Metric
	if err := o.(prometheus.Histogram).Write(&pb); err != nil {
		t.Fatal(err)
	}
	return pb.GetHistogram().GetSampleCount()
}

func TestACLUser(t *testing.T) {
	srv := redistest.Start(t)
	// Least privilege: only gatehouse's keys, only the command groups it uses.
	srv.AddUser("gatehouse", "s3cret-pass", "~gatehouse:*", "+@read", "+@write", "+@connection", "+@transaction", "+@scripting", "+client")
	srv.Do("CONFIG", "SET", "requirepass", "default-only-for-admin") // nobody gets in unauthenticated
	t.Run("conformance", func(t *testing.T) {
		sessiontest.Run(t, func(t *testing.T) session.Backend {
			return open(t, Options{Addresses: []string{srv.Addr()}, Username: "gatehouse", Password: "s3cret-pass",
				KeyPrefix: "gatehouse:" + t.Name() + ":", ClientCache: time.Minute}, nil)
		})
	})
	t.Run("wrong password", func(t *testing.T) {
		s := open(t, Options{Addresses: []string{srv.Addr()}, Username: "gatehouse", Password: "wrong"}, zap.NewNop())
		if err := s.Ping(t.Context()); !errors.Is(err, session.ErrUnavailable) {
			t.Fatalf("Ping with a wrong password = %v, want ErrUnavailable", err)
		}
	})
}

func TestTLS(t *testing.T) {
	srv, files := redistest.StartTLS(t)
	good := TLSOptions{Enabled: true, CAFile: files.CAFile, CertFile: files.CertFile, KeyFile: files.KeyFile}
	t.Run("conformance", func(t *testing.T) {
		sessiontest.Run(t, func(t *testing.T) session.Backend {
			return open(t, Options{Addresses: []string{srv.Addr()}, TLS: good, KeyPrefix: t.Name() + ":", ClientCache: time.Minute}, nil)
		})
	})
	t.Run("server name", func(t *testing.T) {
		o := good
		o.ServerName = redistest.TLSServerName
		if err := open(t, Options{Addresses: []string{srv.Addr()}, TLS: o}, nil).Ping(t.Context()); err != nil {
			t.Fatalf("Ping with server_name %s: %v", o.ServerName, err)
		}
		o.ServerName = "not-redis.example"
		if err := open(t, Options{Addresses: []string{srv.Addr()}, TLS: o}, zap.NewNop()).Ping(t.Context()); !errors.Is(err, session.ErrUnavailable) {
			t.Fatalf("Ping with a wrong server_name = %v, want ErrUnavailable", err)
		}
	})
	t.Run("unknown CA is refused", func(t *testing.T) {
		o := good
		o.CAFile = ""
		if err := open(t, Options{Addresses: []string{srv.Addr()}, TLS: o}, zap.NewNop()).Ping(t.Context()); !errors.Is(err, session.ErrUnavailable) {
			t.Fatalf("Ping without the CA = %v, want ErrUnavailable", err)
		}
	})
	t.Run("insecure_skip_verify warns", func(t *testing.T) {
		o := good
		o.CAFile, o.InsecureSkipVerify = "", true
		core, logs := observer.New(zap.WarnLevel)
		s := open(t, Options{Addresses: []string{srv.Addr()}, TLS: o}, zap.New(core))
		if err := s.Ping(t.Context()); err != nil {
			t.Fatalf("Ping with insecure_skip_verify: %v", err)
		}
		if logs.FilterMessageSnippet("INSECURE").Len() != 1 {
			t.Fatalf("logs = %v, want one INSECURE warning", logs.All())
		}
	})
	t.Run("bad files name the key", func(t *testing.T) {
		for key, o := range map[string]TLSOptions{
			"tls.ca_file":   {Enabled: true, CAFile: files.KeyFile},
			"tls.cert_file": {Enabled: true, CertFile: files.CAFile, KeyFile: files.KeyFile},
		} {
			if _, err := New(Options{Addresses: []string{srv.Addr()}, TLS: o}, nil); err == nil || !strings.Contains(err.Error(), key) {
				t.Errorf("New with a bad %s = %v", key, err)
			}
		}
	})
	t.Run("plain text client is refused", func(t *testing.T) {
		if err := open(t, Options{Addresses: []string{srv.Addr()}}, zap.NewNop()).Ping(t.Context()); !errors.Is(err, session.ErrUnavailable) {
			t.Fatalf("Ping without TLS = %v, want ErrUnavailable", err)
		}
	})
}

// TestClientCacheIsBounded: session.cache_entries also bounds the client-side
// cache (clientCacheBytesPerEntry per session). Records that fit are read
// from memory on a third pass (admission.go: the second read caches); with
// more records than that they cannot all be, and the third pass goes back
// to Redis for some.
func TestClientCacheIsBounded(t *testing.T) {
	if got, want := clientCacheBytes(10000), 10000*clientCacheBytesPerEntry; got != want {
		t.Fatalf("clientCacheBytes(10000) = %d, want %d", got, want)
	}
	if got, want := clientCacheBytes(0), minClientCacheEntries*clientCacheBytesPerEntry; got != want {
		t.Fatalf("clientCacheBytes(0) = %d, want the minimum %d", got, want)
	}
	// 3000 records of ~4 KiB: 12 MiB, three times the minimum cache (1
	// entry asks for less than the 1000 sessions' worth it gets) and well
	// within 10000 sessions' worth.
	const records = 3000
	sealed := make([]byte, 4000)
	for _, tc := range []struct {
		entries    int
		wantMisses bool
	}{{entries: 1, wantMisses: true}, {entries: 10000, wantMisses: false}} {
		t.Run(fmt.Sprintf("entries=%d", tc.entries), func(t *testing.T) {
			srv := redistest.Start(t)
			s := open(t, Options{Addresses: []string{srv.Addr()}, ClientCache: time.Minute, CacheEntries: tc.entries}, nil)
			ids := make([]string, records)
			for i := range ids {
				ids[i] = sessiontest.NewID(t)
				if err := s.Save(t.Context(), &session.Session{ID: ids[i], Subject: "u", Sealed: sealed}, time.Minute); err != nil {
					t.Fatal(err)
				}
			}
			for range 2 { // the first read admits a record, the second caches it
				for _, id := range ids {
					if _, err := s.Load(t.Context(), id); err != nil {
						t.Fatal(err)
					}
				}
			}
			srv.Do("CONFIG", "RESETSTAT")
			for _, id := range ids {
				if _, err := s.Load(t.Context(), id); err != nil {
					t.Fatal(err)
				}
			}
			gets := commandCalls(t, srv, "get")
			t.Logf("cache_entries=%d: %d of %d third reads reached Redis", tc.entries, gets, records)
			if tc.wantMisses && gets < records/2 {
				t.Errorf("%d GETs on the third pass, want most of %d: the cache holds more than its bound", gets, records)
			}
			if !tc.wantMisses && gets > records/100 {
				t.Errorf("%d GETs on the third pass, want almost none: records that fit were not kept", gets)
			}
		})
	}
}
