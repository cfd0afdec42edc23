package redis

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/rueidis"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"github.com/gatehouse/gatehouse/internal/redistest"
	"github.com/gatehouse/gatehouse/internal/session"
	"github.com/gatehouse/gatehouse/internal/session/sessiontest"
	"github.com/gatehouse/gatehouse/internal/testutil"
)

// testTimeout keeps outage tests short; it is what Options.Timeout is set to.
const testTimeout = 500 * time.Millisecond

func newStore(t *testing.T, addr, prefix string, logger *zap.Logger) *Store {
	t.Helper()
	if logger == nil {
		logger = zaptest.NewLogger(t)
	}
	s, err := New(Options{Addresses: []string{addr}, KeyPrefix: prefix, Timeout: testTimeout, CacheEntries: -1}, logger)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// rawClient talks to the test server directly, to inspect what the store wrote.
func rawClient(t *testing.T, addr string) rueidis.Client {
	t.Helper()
	c, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{addr}, DisableCache: true})
	if err != nil {
		t.Fatalf("rueidis.NewClient: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

func TestConformance(t *testing.T) {
	srv := redistest.Start(t)
	sessiontest.Run(t, func(t *testing.T) session.Backend {
		// One server, a prefix per subtest: parallel subtests cannot collide.
		return newStore(t, srv.Addr(), t.Name()+":", nil)
	})
}

func TestNewValidates(t *testing.T) {
	for name, o := range map[string]Options{
		"no addresses":     {},
		"empty address":    {Addresses: []string{""}},
		"negative db":      {Addresses: []string{"127.0.0.1:6379"}, DB: -1},
		"negative timeout": {Addresses: []string{"127.0.0.1:6379"}, Timeout: -time.Second},
	} {
		if _, err := New(o, nil); err == nil {
			t.Errorf("%s: New = nil error, want error", name)
		}
	}
}

// assertUnavailable runs every store call against a Redis that is down: each
// must fail with session.ErrUnavailable, quickly, and never look like a miss.
func assertUnavailable(t *testing.T, s *Store) {
	t.Helper()
	ctx := t.Context()
	calls := map[string]func() error{
		"Load": func() error { _, err := s.Load(ctx, "id"); return err },
		"Save": func() error {
			return s.Save(ctx, &session.Session{ID: "id", Subject: "u"}, time.Minute)
		},
		"Delete": func() error { return s.Delete(ctx, "id") },
		"Claim":  func() error { _, err := s.Claim(ctx, "k", time.Minute); return err },
		"Ping":   func() error { return s.Ping(ctx) },
	}
	for name, call := range calls {
		start := time.Now()
		err := call()
		if el := time.Since(start); el > testTimeout+time.Second {
			t.Errorf("%s took %v with Redis down, want about %v at most", name, el, testTimeout)
		}
		if !errors.Is(err, session.ErrUnavailable) {
			t.Errorf("%s = %v, want ErrUnavailable", name, err)
		}
		if errors.Is(err, session.ErrNotFound) {
			t.Errorf("%s = %v, must not be ErrNotFound", name, err)
		}
	}
}

// recovered waits until the store answers again after an outage, then checks
// that it saves, loads and claims.
func recovered(t *testing.T, s *Store) {
	t.Helper()
	var err error
	if !testutil.Poll(5*time.Second, func() bool { err = s.Ping(t.Context()); return err == nil }) {
		t.Fatalf("store still failing 5s after Redis came back: %v", err)
	}
	ctx := t.Context()
	sess := &session.Session{ID: sessiontest.NewID(t), Subject: "u"}
	if err := s.Save(ctx, sess, time.Minute); err != nil {
		t.Fatalf("Save after recovery: %v", err)
	}
	if _, err := s.Load(ctx, sess.ID); err != nil {
		t.Fatalf("Load after recovery: %v", err)
	}
	if first, err := s.Claim(ctx, sess.ID, time.Minute); err != nil || !first {
		t.Fatalf("Claim after recovery = %v, %v", first, err)
	}
}

func TestRedisRestart(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv.Addr(), "gatehouse:", nil)
	ctx := t.Context()
	sess := &session.Session{ID: sessiontest.NewID(t), Subject: "u"}
	if err := s.Save(ctx, sess, time.Minute); err != nil {
		t.Fatalf("Save: %v", err)
	}

	srv.Stop()
	assertUnavailable(t, s)

	srv.Start() // same port, empty data set
	recovered(t, s)
	if _, err := s.Load(ctx, sess.ID); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Load of a session lost with the restart = %v, want ErrNotFound", err)
	}
}

func TestStartsWhileRedisDown(t *testing.T) {
	srv := redistest.Start(t)
	srv.Stop()
	s := newStore(t, srv.Addr(), "gatehouse:", nil)
	assertUnavailable(t, s)
	assertUnavailable(t, s) // again, now inside the redial interval
	srv.Start()
	recovered(t, s)
}

func TestUnreachableLogsRateLimited(t *testing.T) {
	srv := redistest.Start(t)
	srv.Stop()
	core, logs := observer.New(zap.WarnLevel)
	s := newStore(t, srv.Addr(), "gatehouse:", zap.New(core))
	for range 20 {
		_, _ = s.Load(t.Context(), "id")
		time.Sleep(30 * time.Millisecond) // spans more than one redial interval
	}
	if n := logs.Len(); n < 1 || n > 2 {
		t.Errorf("%d warnings for one short outage, want 1 or 2", n)
	}
}

func TestKeysHaveTTLAndPrefix(t *testing.T) {
	srv := redistest.Start(t)
	const prefix = "pfx:"
	s := newStore(t, srv.Addr(), prefix, nil)
	ctx := t.Context()
	for range 3 {
		if err := s.Save(ctx, &session.Session{ID: sessiontest.NewID(t), Subject: "u", IDPSessionID: "sid-1"}, time.Hour); err != nil {
			t.Fatalf("Save: %v", err)
		}
	}
	if _, err := s.Claim(ctx, "jti-1", time.Minute); err != nil {
		t.Fatalf("Claim: %v", err)
	}
	if _, err := s.TryLock(ctx, "refresh-1", time.Minute); err != nil {
		t.Fatalf("TryLock: %v", err)
	}
	// A sub-millisecond ttl must still become a valid PX (rounded up).
	if err := s.Save(ctx, &session.Session{ID: "tiny", Subject: "u"}, time.Microsecond); err != nil {
		t.Fatalf("Save with 1µs ttl: %v", err)
	}

	rc := rawClient(t, srv.Addr())
	keys, err := rc.Do(ctx, rc.B().Keys().Pattern("*").Build()).AsStrSlice()
	if err != nil {
		t.Fatalf("KEYS: %v", err)
	}
	var sessions, claims, indexes, locks int
	for _, k := range keys {
		switch {
		case strings.HasPrefix(k, prefix+"s:"):
			sessions++
		case strings.HasPrefix(k, prefix+"c:"):
			claims++
		case k == prefix+"sub:u" || k == prefix+"sid:sid-1":
			indexes++
			// An index lives at least as long as the sessions it lists.
			if ttl, _ := rc.Do(ctx, rc.B().Pttl().Key(k).Build()).AsInt64(); ttl < (time.Hour - time.Minute).Milliseconds() {
				t.Errorf("index %q expires in %dms, before its sessions (1h)", k, ttl)
			}
		case strings.HasPrefix(k, prefix+"lock:"):
			locks++
		default:
			t.Errorf("key %q lacks the prefix %q", k, prefix)
		}
		ttl, err := rc.Do(ctx, rc.B().Pttl().Key(k).Build()).AsInt64()
		if err != nil {
			t.Fatalf("PTTL %s: %v", k, err)
		}
		if ttl == -1 { // -2 means it expired meanwhile (the 1µs one)
			t.Errorf("key %q has no ttl", k)
		}
	}
	if sessions < 3 || claims != 1 || indexes != 2 || locks != 1 {
		t.Errorf("found %d session, %d claim, %d index, %d lock keys, want 3, 1, 2, 1 (keys %q)", sessions, claims, indexes, locks, keys)
	}
	if v, err := rc.Do(ctx, rc.B().Get().Key(prefix+"c:jti-1").Build()).ToString(); err != nil || v == "" {
		t.Errorf("claim key = %q, %v", v, err)
	}
}

func TestCorruptRecordIsNotFound(t *testing.T) {
	srv := redistest.Start(t)
	core, logs := observer.New(zap.WarnLevel)
	s := newStore(t, srv.Addr(), "gatehouse:", zap.New(core))
	rc := rawClient(t, srv.Addr())
	const secret = "{not json, secret-value"
	if err := rc.Do(t.Context(), rc.B().Set().Key("gatehouse:s:bad").Value(secret).Px(time.Minute).Build()).Error(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(t.Context(), "bad"); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("Load of a corrupt record = %v, want ErrNotFound", err)
	}
	if logs.Len() != 1 {
		t.Fatalf("%d warnings, want 1", logs.Len())
	}
	for _, e := range logs.All() {
		if strings.Contains(e.Message, "secret-value") || strings.Contains(e.ContextMap()["error"].(string), "secret-value") {
			t.Errorf("log entry leaks the stored value: %v", e)
		}
	}
}

// TestTimeoutBoundsSlowRedis: a read that Redis does not answer fails within
// the store's timeout, with the client-side cache on (the read misses it and
// goes to Redis) and off.
func TestTimeoutBoundsSlowRedis(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cache time.Duration
	}{{"client-cache", time.Minute}, {"no-cache", 0}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := redistest.Start(t)
			s, err := New(Options{Addresses: []string{srv.Addr()}, KeyPrefix: "gatehouse:", Timeout: testTimeout, ClientCache: tc.cache}, zaptest.NewLogger(t))
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			t.Cleanup(func() { _ = s.Close() })
			if err := s.Ping(t.Context()); err != nil {
				t.Fatal(err)
			}
			// DEBUG SLEEP blocks the server, as an overloaded Redis would.
			rc := rawClient(t, srv.Addr())
			slept := make(chan error, 1)
			go func() {
				slept <- rc.Do(context.Background(), rc.B().Arbitrary("DEBUG", "SLEEP").Args("1.5").Build()).Error()
			}()
			time.Sleep(100 * time.Millisecond)
			start := time.Now()
			_, err = s.Load(t.Context(), "id")
			if !errors.Is(err, session.ErrUnavailable) {
				t.Fatalf("Load against a blocked Redis = %v, want ErrUnavailable", err)
			}
			if el := time.Since(start); el > testTimeout+500*time.Millisecond {
				t.Fatalf("Load took %v, want about %v", el, testTimeout)
			}
			if err := <-slept; err != nil {
				t.Fatalf("DEBUG SLEEP: %v", err)
			}
			// The late reply to the abandoned command must not poison the connection.
			recovered(t, s)
		})
	}
}

func TestClosed(t *testing.T) {
	srv := redistest.Start(t)
	s := newStore(t, srv.Addr(), "gatehouse:", nil)
	if err := s.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	if err := s.Ping(t.Context()); !errors.Is(err, session.ErrUnavailable) {
		t.Fatalf("Ping after Close = %v, want ErrUnavailable", err)
	}
}

// TestSentinel checks the wiring: with SentinelMaster set, Addresses name the
// Sentinels and the store finds the master through them.
func TestSentinel(t *testing.T) {
	master := redistest.Start(t)
	sentinel := redistest.StartSentinel(t, master.Addr(), "mymaster")
	s, err := New(Options{Addresses: []string{sentinel.Addr()}, SentinelMaster: "mymaster", KeyPrefix: "gatehouse:", Timeout: testTimeout}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	recovered(t, s)

	rc := rawClient(t, master.Addr())
	keys, err := rc.Do(t.Context(), rc.B().Keys().Pattern("gatehouse:*").Build()).AsStrSlice()
	if err != nil || len(keys) == 0 {
		t.Fatalf("keys on the master = %q, %v; want the store's keys", keys, err)
	}
}
