package redis

import (
	"context"
	"time"

	"github.com/redis/rueidis"
)

// exec runs call within the store's timeout: it gets the client, records the
// outcome (metrics.go says which calls it times) and maps failures to
// session.ErrUnavailable.
func (s *Store) exec(parent context.Context, op string, call func(context.Context, rueidis.Client) rueidis.RedisResult) (rueidis.RedisResult, error) {
	start := time.Now()
	ctx, release := withLazyDeadline(parent, start.Add(s.timeout), s.canceled)
	defer release()
	cl, err := s.conn.get(ctx)
	if err != nil {
		s.metrics.done(op, start, err)
		return rueidis.RedisResult{}, unavailable(op, err)
	}
	res := call(ctx, cl)
	err = res.Error()
	if err != nil && rueidis.IsRedisNil(err) {
		err = nil // a miss is an answer, not a failure
	}
	s.metrics.done(op, start, err)
	if parent.Err() == nil {
		// A caller that went away says nothing about Redis's health.
		s.conn.observe(err)
	}
	if err != nil {
		return res, unavailable(op, err)
	}
	return res, nil
}

// get reads one string key, through the client-side cache when cached is
// set (and the cache is on). A repeated cached read is answered from memory
// until Redis invalidates the key (any write or delete, from any client) or
// the cache TTL passes; the key's own TTL also caps it.
//
// rueidis keeps the cache per connection and drops it whenever that
// connection closes, so nothing cached before an outage or a failover is
// served after the reconnect: invalidations missed while disconnected cannot
// leave a stale session behind.
func (s *Store) get(ctx context.Context, op, key string, cached bool) (rueidis.RedisResult, error) {
	if s.cacheTTL == 0 || !cached {
		res, err := s.do(ctx, op, func(b rueidis.Builder) rueidis.Completed {
			return b.Get().Key(key).Build()
		})
		if err == nil && s.cacheTTL > 0 {
			s.metrics.cacheRead(false) // not admitted: fetched from Redis
		}
		return res, err
	}
	res, err := s.exec(ctx, op, func(ctx context.Context, cl rueidis.Client) rueidis.RedisResult {
		return cl.DoCache(ctx, cl.B().Get().Key(key).Cache(), s.cacheTTL)
	})
	if err == nil {
		s.metrics.cacheRead(res.IsCacheHit())
	}
	return res, err
}

// doWrite runs a command that changes key. With the cache on, a PTTL of the
// same key rides behind it in the same round trip, as a fence: Redis sends a
// connection the invalidations caused by its own command right after that
// command's reply, so once the fence's reply is in, this replica's cache has
// dropped the key and its very next read of it goes to Redis. Both commands
// share the key's slot, hence the node and the connection, also on Cluster.
func (s *Store) doWrite(ctx context.Context, op, key string, build func(rueidis.Builder) rueidis.Completed) (rueidis.RedisResult, error) {
	if s.cacheTTL == 0 {
		return s.do(ctx, op, build)
	}
	return s.exec(ctx, op, func(ctx context.Context, cl rueidis.Client) rueidis.RedisResult {
		return cl.DoMulti(ctx, build(cl.B()), cl.B().Pttl().Key(key).Build())[0]
	})
}
