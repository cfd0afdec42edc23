package redis

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redis/rueidis"
	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/session"
)

// The identity assertion of a session may be kept beside its record, so that
// every replica reuses one signature per session and lifetime window instead
// of signing on each replica whose in-process cache lacks it. What is kept
// is opaque here (the proxy seals it under the session's cookie key and binds
// it to the record's content); this file guarantees only that it never
// outlives the session record: it is written only while the record exists,
// expires no later than the record, and is deleted with it (deleteIDs).

// saveAssertionScript writes the assertion only while the session record
// exists, expiring with the record at the latest. One script, so that a
// logout's delete cannot fall between the check and the write.
// KEYS[1] session key, KEYS[2] assertion key; ARGV[1] value, ARGV[2] ttl (ms).
var saveAssertionScript = rueidis.NewLuaScript(`
local left = redis.call('PTTL', KEYS[1])
if left <= 0 then
  return 0
end
local ttl = tonumber(ARGV[2])
if left < ttl then
  ttl = left
end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ttl)
return 1`)

// assertionKey is where session id's assertion is kept, and false when the
// key prefix makes that impossible. The key lies in the session key's hash
// slot, so that the script above runs on Redis Cluster too: without a hash
// tag in the prefix, the session key itself is the new key's tag; with one,
// both keys are placed by it. A prefix with a brace that forms no tag
// cannot be matched: no assertion is kept (each replica signs its own).
func (s *Store) assertionKey(id string) (string, bool) {
	open := strings.IndexByte(s.prefix, '{')
	if open < 0 {
		if strings.IndexByte(s.prefix, '}') >= 0 {
			return "", false // it would end the tag inside the session key
		}
		return s.prefix + "a:{" + s.sessionKey(id) + "}", true
	}
	if end := strings.IndexByte(s.prefix[open+1:], '}'); end > 0 {
		return s.prefix + "a:" + id, true
	}
	return "", false
}

// LoadAssertion returns the value SaveAssertion kept for session id, or nil
// when there is none. It is read from Redis, never from the client-side
// cache: it is asked only when the process's own cache missed.
func (s *Store) LoadAssertion(ctx context.Context, id string) ([]byte, error) {
	key, ok := s.assertionKey(id)
	if !ok || id == "" {
		return nil, nil
	}
	res, err := s.do(ctx, "load assertion", func(b rueidis.Builder) rueidis.Completed {
		return b.Get().Key(key).Build()
	})
	if err != nil {
		return nil, err
	}
	v, err := res.AsBytes()
	if rueidis.IsRedisNil(err) {
		return nil, nil
	}
	if err != nil {
		return nil, unavailable("load assertion", err)
	}
	return v, nil
}

// LoadWithAssertion is Load, and, when the record is read from Redis
// rather than from the client-side cache, the value SaveAssertion kept
// beside it, by the same command (an MGET: both keys share a hash slot);
// read tells which. A session read recently (admission.go) is read as by
// Load: it is likely cached, and so is its assertion in the process, so a
// round trip for the assertion alone would be wasted. The error is the
// record's: an assertion that cannot be read is logged and returned as nil
// (the caller signs a new one), as a failed LoadAssertion costs a
// signature, never the request.
func (s *Store) LoadWithAssertion(ctx context.Context, id string) (sess *session.Session, kept []byte, read bool, err error) {
	key, ok := s.assertionKey(id)
	if !ok || id == "" || s.admit(id) {
		sess, err := s.Load(ctx, id)
		return sess, nil, false, err
	}
	res, err := s.do(ctx, "load", func(b rueidis.Builder) rueidis.Completed {
		return b.Mget().Key(s.sessionKey(id), key).Build()
	})
	if err != nil {
		return nil, nil, false, err
	}
	both, err := res.ToArray()
	if err != nil || len(both) != 2 {
		return nil, nil, false, unavailable("load", fmt.Errorf("MGET answered %d values: %w", len(both), err))
	}
	if sess, err = s.record(id, &both[0], false); err != nil {
		return nil, nil, false, err
	}
	kept, err = both[1].AsBytes()
	switch {
	case rueidis.IsRedisNil(err):
		return sess, nil, true, nil
	case err != nil:
		s.logger.Warn("read the kept identity assertion; a new one is signed", zap.Error(err))
		return sess, nil, true, nil
	}
	return sess, kept, true, nil
}

// SaveAssertion keeps value beside session id for ttl, or less when the
// session ends sooner. It writes nothing when the session no longer exists
// (a logout won the race) or the key prefix allows no such key.
func (s *Store) SaveAssertion(ctx context.Context, id string, value []byte, ttl time.Duration) error {
	key, ok := s.assertionKey(id)
	if !ok || id == "" {
		return nil
	}
	ms, err := ttlMillis(ttl)
	if err != nil {
		return fmt.Errorf("redis session store: save assertion: %w", err)
	}
	return s.run(ctx, "save assertion", func(ctx context.Context, cl rueidis.Client) error {
		return saveAssertionScript.Exec(ctx, cl, []string{s.sessionKey(id), key},
			[]string{rueidis.BinaryString(value), fmt.Sprint(ms)}).Error()
	})
}
