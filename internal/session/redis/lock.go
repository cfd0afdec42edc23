package redis

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/redis/rueidis"
)

// unlockScript deletes the lock only while it still holds the caller's token.
// It touches one key, so it runs on Cluster as on a single server.
var unlockScript = rueidis.NewLuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`)

func (s *Store) lockKey(key string) string { return s.prefix + "lock:" + key }

// TryLock takes the lock with SET NX PX and a random token; exactly one
// caller across all replicas gets a token until the lock is released or
// expires.
func (s *Store) TryLock(ctx context.Context, key string, ttl time.Duration) (string, error) {
	ms, err := ttlMillis(ttl)
	if err != nil {
		return "", fmt.Errorf("redis session store: lock: %w", err)
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	token := base64.RawURLEncoding.EncodeToString(b)
	res, err := s.do(ctx, "lock", func(b rueidis.Builder) rueidis.Completed {
		return b.Set().Key(s.lockKey(key)).Value(token).Nx().PxMilliseconds(ms).Build()
	})
	if err != nil {
		return "", err
	}
	if rueidis.IsRedisNil(res.Error()) {
		return "", nil // held by someone else
	}
	return token, nil
}

// Unlock releases the lock by compare-and-delete.
func (s *Store) Unlock(ctx context.Context, key, token string) error {
	return s.run(ctx, "unlock", func(ctx context.Context, cl rueidis.Client) error {
		return unlockScript.Exec(ctx, cl, []string{s.lockKey(key)}, []string{token}).Error()
	})
}

// run is do for calls that need the client itself (scripts, several
// commands): one timeout for all of it and the same error mapping.
func (s *Store) run(parent context.Context, op string, fn func(ctx context.Context, cl rueidis.Client) error) error {
	ctx, cancel := context.WithTimeout(parent, s.timeout)
	defer cancel()
	cl, err := s.conn.get(ctx)
	if err != nil {
		return unavailable(op, err)
	}
	err = fn(ctx, cl)
	if parent.Err() == nil {
		s.conn.observe(err)
	}
	if err != nil {
		return unavailable(op, err)
	}
	return nil
}
