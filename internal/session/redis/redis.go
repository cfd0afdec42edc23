// Package redis is the session.Store on Redis (standalone, Sentinel or Cluster)
// through rueidis, shared by every gatehouse replica so that a logout anywhere
// ends the session everywhere.
package redis

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/rueidis"
	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/cache"
	"github.com/gatehouse/gatehouse/internal/session"
)

var _ session.Backend = (*Store)(nil)

// Store keeps each session as JSON under KeyPrefix+"s:"+id and each claim under
// KeyPrefix+"c:"+key, always with a TTL so nothing outlives its session.
type Store struct {
	prefix   string
	timeout  time.Duration
	cacheTTL time.Duration // 0: reads bypass the client-side cache
	logger   *zap.Logger
	conn     *conn
	metrics  *metrics
	// decoded spares steady-state reads the JSON decoding of a record they
	// decoded before (the bytes are still read from Redis or its cache).
	decoded *session.DecodeCache
	// recent names the sessions read recently, whose records go through the
	// client-side cache and keep their decoding (admission.go); each until
	// when it counts as recent.
	recent *cache.Cache[string, time.Time]
	now    func() time.Time // admission's clock
	// canceled is a context canceled at creation: what a call's deadline
	// context becomes when the call ends before it was armed (deadline.go).
	canceled context.Context
}

// New validates opts and returns a store. It does not contact Redis: an
// unreachable Redis at startup is an outage (calls fail with
// session.ErrUnavailable until it comes up), not a configuration error.
func New(opts Options, logger *zap.Logger) (*Store, error) {
	if err := opts.validate(); err != nil {
		return nil, fmt.Errorf("redis session store: %w", err)
	}
	if opts.Timeout == 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.CacheEntries < 0 {
		opts.CacheEntries = DefaultCacheEntries
	}
	if logger == nil {
		logger = zap.NewNop()
	}
	logger = logger.With(zap.String("component", "session.redis"))
	tlsCfg, err := opts.TLS.tlsConfig()
	if err != nil {
		return nil, fmt.Errorf("redis session store: %w", err)
	}
	if opts.TLS.Enabled && opts.TLS.InsecureSkipVerify {
		logger.Warn("INSECURE: session.redis.tls.insecure_skip_verify is on; any server can pose as Redis " +
			"and read every session. Use tls.ca_file instead")
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, fmt.Errorf("redis session store: register metrics: %w", err)
	}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	return &Store{
		canceled: canceled,
		prefix:   opts.KeyPrefix,
		timeout:  opts.Timeout,
		cacheTTL: opts.ClientCache,
		logger:   logger,
		conn:     &conn{opt: opts.clientOption(tlsCfg), logger: logger},
		metrics:  m,
		decoded:  session.NewDecodeCache(opts.CacheEntries),
		recent:   cache.New[string, time.Time](clientCacheEntries(opts.CacheEntries), time.Now),
		now:      time.Now,
	}, nil
}

// DefaultCacheEntries is Options.CacheEntries when it is
// negative, the default of session.cache_entries: the sessions active within
// a few minutes on one replica.
const DefaultCacheEntries = 10000

func (s *Store) sessionKey(id string) string { return s.prefix + "s:" + id }
func (s *Store) claimKey(key string) string  { return s.prefix + "c:" + key }

// do runs one command within the store's timeout. Every command goes through
// here (or through exec) so that connecting, bounding, metrics and error
// mapping live in one place.
func (s *Store) do(parent context.Context, op string, build func(rueidis.Builder) rueidis.Completed) (rueidis.RedisResult, error) {
	return s.exec(parent, op, func(ctx context.Context, cl rueidis.Client) rueidis.RedisResult {
		return cl.Do(ctx, build(cl.B()))
	})
}

// Load returns the session or session.ErrNotFound.
func (s *Store) Load(ctx context.Context, id string) (*session.Session, error) {
	if id == "" {
		return nil, session.ErrNotFound
	}
	admitted := s.admit(id)
	res, err := s.get(ctx, "load", s.sessionKey(id), admitted)
	if err != nil {
		return nil, err
	}
	return s.record(id, res, admitted)
}

// stringReply is a reply holding one string: a command's result, or a
// value of an MGET's array.
type stringReply interface{ ToString() (string, error) }

// record is the session that res, the reply to a read of id's record,
// holds. Its decoding is remembered for the next read only when the session
// was read recently (admission.go): one that was not is unlikely to be read
// again before the decoded record would be evicted.
func (s *Store) record(id string, res stringReply, admitted bool) (*session.Session, error) {
	data, err := res.ToString() // no copy: with the cache on, the cached string itself
	if rueidis.IsRedisNil(err) {
		return nil, session.ErrNotFound
	}
	if err != nil {
		return nil, unavailable("load", err)
	}
	decode := s.decoded.DecodeTransient
	if admitted {
		decode = s.decoded.Decode
	}
	out, err := decode(id, data, decodeRecord)
	if err != nil {
		// A record we cannot read is as good as no session: the user logs in
		// again instead of getting a 500 on every request.
		s.logger.Warn("unreadable session record; treating as not found", zap.Error(err))
		return nil, session.ErrNotFound
	}
	return out, nil
}

// Save writes the session under s.ID for ttl, replacing any previous record.
func (s *Store) Save(ctx context.Context, sess *session.Session, ttl time.Duration) error {
	return s.write(ctx, "save", sess, ttl, false)
}

// Update rewrites the session only while it still exists (SET XX), so a
// request racing a logout cannot bring the session back.
func (s *Store) Update(ctx context.Context, sess *session.Session, ttl time.Duration) error {
	return s.write(ctx, "update", sess, ttl, true)
}

func (s *Store) write(ctx context.Context, op string, sess *session.Session, ttl time.Duration, onlyIfExists bool) error {
	if sess == nil || sess.ID == "" {
		return fmt.Errorf("redis session store: %s: session without id", op)
	}
	ms, err := ttlMillis(ttl)
	if err != nil {
		return fmt.Errorf("redis session store: %s: %w", op, err)
	}
	data, err := encodeRecord(sess)
	if err != nil {
		return fmt.Errorf("redis session store: encode session: %w", err)
	}
	res, err := s.doWrite(ctx, op, s.sessionKey(sess.ID), func(b rueidis.Builder) rueidis.Completed {
		set := b.Set().Key(s.sessionKey(sess.ID)).Value(rueidis.BinaryString(data))
		if onlyIfExists {
			// GET: the record replaced tells whether the index needs writing
			// (slide.go); it costs no extra command.
			return set.Xx().Get().PxMilliseconds(ms).Build()
		}
		return set.PxMilliseconds(ms).Build()
	})
	if err != nil {
		return err
	}
	if onlyIfExists {
		// SET XX answers nil when there was nothing to overwrite.
		previous, err := res.ToString()
		if rueidis.IsRedisNil(err) {
			return session.ErrNotFound
		}
		if err == nil && s.indexed(sess, previous, ttl) {
			return nil
		}
	}
	return s.index(ctx, op, sess, ttl) // index.go
}

// Delete removes the session and its index entries; a missing one is not an
// error.
func (s *Store) Delete(ctx context.Context, id string) error {
	_, err := s.deleteIDs(ctx, "delete", []string{id}) // index.go
	return err
}

// Claim sets the key only if absent (SET NX PX), so exactly one caller across
// all replicas sees first == true.
func (s *Store) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	ms, err := ttlMillis(ttl)
	if err != nil {
		return false, fmt.Errorf("redis session store: claim: %w", err)
	}
	res, err := s.do(ctx, "claim", func(b rueidis.Builder) rueidis.Completed {
		return b.Set().Key(s.claimKey(key)).Value("1").Nx().PxMilliseconds(ms).Build()
	})
	if err != nil {
		return false, err
	}
	// SET NX answers OK when it wrote and nil when the key existed.
	return !rueidis.IsRedisNil(res.Error()), nil
}

// Ping reports whether Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	_, err := s.do(ctx, "ping", func(b rueidis.Builder) rueidis.Completed {
		return b.Ping().Build()
	})
	return err
}

// Close releases the connections; later calls fail with session.ErrUnavailable.
func (s *Store) Close() error {
	s.conn.close()
	return nil
}

// ttlMillis converts ttl for PX, rounding up so a sub-millisecond ttl still
// expires rather than being rejected by Redis.
func ttlMillis(ttl time.Duration) (int64, error) {
	if ttl <= 0 {
		return 0, fmt.Errorf("ttl must be positive, got %v", ttl)
	}
	return int64((ttl + time.Millisecond - 1) / time.Millisecond), nil
}

// unavailable marks err as a failure to reach the store, keeping the cause
// inspectable with errors.Is/As.
func unavailable(op string, err error) error {
	// One line: errors.Join would put a newline into every log line of it.
	return fmt.Errorf("redis session store: %s: %w: %w", op, session.ErrUnavailable, err)
}
