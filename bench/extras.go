package main

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/cookie"
	"github.com/gatehouse/gatehouse/internal/session"
	redisstore "github.com/gatehouse/gatehouse/internal/session/redis"
)

// extras measures what is not a throughput window of the main table: the
// redirect to log in, the login round trip, and scale. A failure is
// reported with the results rather than losing them.
func (b *bench) extras(ctx context.Context) {
	for _, e := range []struct {
		name string
		run  func(context.Context) error
	}{{"unauthenticated", b.unauthenticated}, {"login round trip", b.logins}, {"login storm", b.storm}, {"scale", b.scaleOf}} {
		if err := e.run(ctx); err != nil {
			msg := fmt.Sprintf("%s: %v", e.name, err)
			fmt.Fprintln(os.Stderr, "bench:", msg)
			b.res.Errors = append(b.res.Errors, msg)
		}
	}
}

// extrasTarget is the gatehouse the extras measure: Redis with the cache.
func (b *bench) extrasTarget() *target {
	if t := b.target("redis-cache"); t != nil {
		return t
	}
	return b.target("memory")
}

func (b *bench) unauthenticated(ctx context.Context) error {
	t := b.extrasTarget()
	top := slices.Max(b.o.conns)
	// Not logged in: the 302 to the provider.
	w, err := b.window(ctx, t, top, nil, http.StatusFound)
	if err != nil {
		return err
	}
	b.res.Unauthenticated = &w
	fmt.Fprintf(os.Stderr, "bench: unauthenticated (302) %s c=%d: %.0f req/s\n", t.name, top, w.RPS)
	return nil
}

func (b *bench) logins(ctx context.Context) error {
	t := b.extrasTarget()
	var took []float64
	for range b.o.logins {
		_, d, err := login(t.url, b.issuer)
		if err != nil {
			return err
		}
		took = append(took, micros(d)/1000)
	}
	slices.Sort(took)
	b.res.Login = &loginResult{Config: t.name, Logins: len(took), MedianMs: took[len(took)/2], P90Ms: took[len(took)*9/10]}
	fmt.Fprintf(os.Stderr, "bench: login round trip median %.1f ms over %d\n", b.res.Login.MedianMs, len(took))
	return nil
}

func (b *bench) scaleOf(ctx context.Context) error {
	base := b.target("redis-cache")
	if b.scaled == nil || base == nil {
		fmt.Fprintln(os.Stderr, "bench: no Redis: skipping the scale measurement")
		return nil
	}
	if b.o.sessions <= 0 {
		fmt.Fprintln(os.Stderr, "bench: -sessions 0: skipping the scale measurement")
		return nil
	}
	return b.scale(ctx, base, b.scaled, slices.Max(b.o.conns))
}

// parentConfig is the configuration the Redis gatehouses run with, for
// cookie names and key prefix.
func (b *bench) parentConfig(t *target) (*config.Config, error) {
	env := append(slices.Clone(b.env), "GATEHOUSE_PUBLIC_URL="+t.url,
		"GATEHOUSE_SESSION_STORE=redis", "GATEHOUSE_SESSION_REDIS_ADDRESSES="+t.redis.addr)
	return config.Load("", env)
}

// realSession reads back the session the benchmark's login created: its
// record and its tokens (opened with the key from the cookie).
func (b *bench) realSession(ctx context.Context, t *target, cfg *config.Config) (*session.Session, session.Tokens, error) {
	var value string
	for _, part := range strings.Split(t.cookie, "; ") {
		if v, ok := strings.CutPrefix(part, cfg.SessionCookieName()+"="); ok {
			value = v
		}
	}
	codec, err := cookie.NewCodec(cfg.Cookie.DecodedSecrets, cfg.Session.AbsoluteTimeout)
	if err != nil {
		return nil, session.Tokens{}, err
	}
	var ref cookie.SessionRef
	if err := codec.Decode(cfg.SessionCookieName(), value, &ref); err != nil {
		return nil, session.Tokens{}, fmt.Errorf("read the login's session cookie: %w", err)
	}
	id, key := ref.ID, ref.Key
	store, err := redisstore.New(redisstore.Options{Addresses: []string{t.redis.addr}, KeyPrefix: cfg.Session.Redis.KeyPrefix}, nil)
	if err != nil {
		return nil, session.Tokens{}, err
	}
	defer store.Close()
	s, err := store.Load(ctx, id)
	if err != nil {
		return nil, session.Tokens{}, fmt.Errorf("read the login's session: %w", err)
	}
	tokens, err := session.Open(key, id, s.Sealed)
	return s, tokens, err
}

// sessionMemory reports MEMORY USAGE of everything one login left in an
// empty Redis, by kind of key: the session ("s"), its indexes ("sub",
// "sid") and the login's one-time state ("c", gone after 10 minutes).
func (b *bench) sessionMemory(ctx context.Context, t *target) error {
	cfg, err := b.parentConfig(t)
	if err != nil {
		return err
	}
	s, tokens, err := b.realSession(ctx, t, cfg)
	if err != nil {
		return err
	}
	m := &memoryResult{
		ByKind:       map[string]int64{},
		SealedBytes:  len(s.Sealed),
		IDTokenBytes: len(tokens.IDToken), AccessTokenBytes: len(tokens.AccessToken), RefreshTokenBytes: len(tokens.RefreshToken),
	}
	keys, err := t.redis.keys(ctx, "*")
	if err != nil {
		return err
	}
	for _, k := range keys {
		kind, _, _ := strings.Cut(strings.TrimPrefix(k, cfg.Session.Redis.KeyPrefix), ":")
		n, err := t.redis.memoryUsage(ctx, k)
		if err != nil {
			return err
		}
		m.ByKind[kind] += n
		if kind != "c" {
			m.PerSession += n
		}
	}
	b.res.Memory = m
	return nil
}

// scale fills the store of the scaled gatehouse with n live sessions and
// compares its throughput with that of base, an identical gatehouse whose
// Redis holds one session, measured alternately. The sessions are written
// through the Redis store (the code path a login takes to store a session)
// rather than by n real logins, which would take minutes: each has its own
// subject, key and sealed tokens of the sizes the real login produced.
func (b *bench) scale(ctx context.Context, base, t *target, conns int) error {
	cfg, err := b.parentConfig(t)
	if err != nil {
		return err
	}
	real, tokens, err := b.realSession(ctx, t, cfg)
	if err != nil {
		return err
	}
	// Seeding competes with the servers for the core: a generous timeout,
	// so that a loaded machine slows it down instead of failing it.
	store, err := redisstore.New(redisstore.Options{Addresses: []string{t.redis.addr}, KeyPrefix: cfg.Session.Redis.KeyPrefix, Timeout: 10 * time.Second}, nil)
	if err != nil {
		return err
	}
	defer store.Close()
	codec, err := cookie.NewCodec(cfg.Cookie.DecodedSecrets, cfg.Session.AbsoluteTimeout)
	if err != nil {
		return err
	}
	replica, err := b.startReplica(ctx, t)
	if err != nil {
		return err
	}
	rss0, _ := t.proc.rssMiB()
	used0, err := t.redis.usedMemory(ctx)
	if err != nil {
		return err
	}

	n := b.o.sessions
	cookies := make([]string, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				s := *real
				s.ID, s.Subject = session.NewID(), fmt.Sprintf("bench-user-%07d", i)
				if s.IDPSessionID != "" {
					s.IDPSessionID = fmt.Sprintf("bench-sid-%07d", i)
				}
				now := time.Now()
				s.CreatedAt, s.LastSeenAt = now, now
				// Copies of one refresh token cannot all be redeemed (they
				// rotate): the seeded sessions never refresh. Refreshing is
				// not the steady state this measures.
				s.AccessTokenExpiresAt, s.RefreshAt = time.Time{}, time.Time{}
				key := session.NewKey()
				var err error
				if s.Sealed, err = session.Seal(key, s.ID, tokens); err == nil {
					err = store.Save(ctx, &s, cfg.Session.IdleTimeout)
				}
				var value string
				if err == nil {
					value, err = codec.Encode(cfg.SessionCookieName(), cookie.SessionRef{ID: s.ID, Key: key})
				}
				if err != nil {
					errs <- err
					return
				}
				cookies[i] = cfg.SessionCookieName() + "=" + value
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return fmt.Errorf("seed sessions: %w", err)
	}
	used1, err := t.redis.usedMemory(ctx)
	if err != nil {
		return err
	}
	sc := &scaleResult{Config: base.name, Sessions: n, Conns: conns, RedisBytesPerSession: float64(used1-used0) / float64(n), RSSBeforeMiB: rss0}

	// Use every session once, then alternate: base with its one session,
	// the scaled gatehouse with requests for one of its n sessions, with
	// requests spread over all, and the spread through two replicas. The
	// spread windows continue one cycle, so that every request's session
	// was last used about n requests earlier.
	cycle := cycleOf(cookies...)
	if err := visitAll(ctx, t.url+"/bench-page", conns, cycle, requestShapes[b.o.request]); err != nil {
		return fmt.Errorf("scale: %w", err)
	}
	var one, hot, spread, pair []window
	for rep := 1; rep <= b.o.reps; rep++ {
		w, err := b.window(ctx, t, conns, cycle, http.StatusOK)
		if err != nil {
			return fmt.Errorf("scale, spread: %w", err)
		}
		spread = append(spread, w)
		if rep == 1 {
			sc.RSSAfterMiB, _ = t.proc.rssMiB()
		}
		if w, err = b.window(ctx, base, conns, cycleOf(base.cookie), http.StatusOK); err != nil {
			return fmt.Errorf("scale, one session: %w", err)
		}
		one = append(one, w)
		if w, err = b.window(ctx, t, conns, cycleOf(t.cookie), http.StatusOK); err != nil {
			return fmt.Errorf("scale, one of many: %w", err)
		}
		hot = append(hot, w)
		// The same spread through two replicas on the one Redis, requests
		// alternating between them; the second replica's caches start cold.
		if w, err = b.windowReplicas(ctx, []*target{t, replica}, conns, cycle, b.o.warmup); err != nil {
			return fmt.Errorf("scale, two replicas: %w", err)
		}
		pair = append(pair, w)
		if rep == 1 {
			a, _ := t.proc.rssMiB()
			c, _ := replica.proc.rssMiB()
			sc.ReplicaRSSMiB = []float64{a, c}
		}
		fmt.Fprintf(os.Stderr, "bench: rep %d  scale: 1 session %.0f req/s, one of %d %.0f req/s, spread over all %.0f req/s, two replicas %.0f req/s\n",
			rep, one[rep-1].RPS, n, hot[rep-1].RPS, spread[rep-1].RPS, pair[rep-1].RPS)
	}
	sc.One, sc.OneOfMany, sc.Spread = medianWindow(one), medianWindow(hot), medianWindow(spread)
	sc.TwoReplicas = medianWindow(pair)
	sc.Reps = map[string]rpsSpread{"one": spreadOf(one), "one_of_many": spreadOf(hot), "spread": spreadOf(spread), "two_replicas": spreadOf(pair)}
	b.res.Scale = sc
	return nil
}

// medianWindow is the window of median requests/s.
func medianWindow(ws []window) window {
	s := slices.Clone(ws)
	slices.SortFunc(s, func(a, b window) int { return cmp.Compare(a.RPS, b.RPS) })
	return s[len(s)/2]
}
