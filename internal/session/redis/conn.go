package redis

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/redis/rueidis"
	"go.uber.org/zap"
)

// redialEvery spaces connection attempts while Redis is down, so a burst of
// requests cannot turn into a burst of dials.
const redialEvery = 500 * time.Millisecond

// warnEvery rate-limits warnings about an unreachable Redis: one outage should
// produce a handful of log lines, not one per request.
const warnEvery = 10 * time.Second

var errClosed = errors.New("store closed")

// ErrClusterDB means session.redis.db is set but the server is a Redis
// Cluster, which has database 0 only. It is a configuration error found at
// connect time; the store keeps answering ErrUnavailable until it is fixed.
var ErrClusterDB = errors.New("redis session store: db must be 0 on a Redis Cluster (session.redis.db)")

// conn creates the rueidis client lazily. rueidis.NewClient dials at once and
// fails when Redis is down, but gatehouse must start anyway and answer 503 until
// Redis comes up. Once created, the client reconnects by itself.
type conn struct {
	opt    rueidis.ClientOption
	logger *zap.Logger

	mu          sync.Mutex
	client      rueidis.Client
	dialing     chan struct{} // non-nil while an attempt runs; closed when it ends
	lastAttempt time.Time
	lastErr     error
	lastWarn    time.Time
	failing     bool // the last attempt or command failed; log recovery once
	closed      bool
}

// get returns the client, creating it if needed. At most one attempt runs at a
// time; callers wait for it as long as ctx allows.
func (c *conn) get(ctx context.Context) (rueidis.Client, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, errClosed
	}
	if c.client != nil {
		cl := c.client
		c.mu.Unlock()
		return cl, nil
	}
	ch := c.dialing
	if ch == nil {
		if since := time.Since(c.lastAttempt); since < redialEvery && c.lastErr != nil {
			err := c.lastErr
			c.mu.Unlock()
			return nil, err
		}
		ch = make(chan struct{})
		c.dialing = ch
		go c.dial(ch)
	}
	c.mu.Unlock()

	select {
	case <-ch:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.closed:
		return nil, errClosed
	case c.client != nil:
		return c.client, nil
	default:
		return nil, c.lastErr
	}
}

// dial runs in its own goroutine so that a caller whose context ends does not
// abandon a half-made client: the result is kept for the next caller.
func (c *conn) dial(done chan struct{}) {
	cl, err := rueidis.NewClient(c.opt)
	c.mu.Lock()
	defer c.mu.Unlock()
	defer close(done)
	c.dialing = nil
	c.lastAttempt = time.Now()
	if err != nil && c.opt.SelectDB != 0 && clusterRefusedSelect(err) {
		err = fmt.Errorf("%w (got %d): %w", ErrClusterDB, c.opt.SelectDB, err)
		c.lastErr = err
		c.failing = true
		if now := time.Now(); now.Sub(c.lastWarn) >= warnEvery {
			c.lastWarn = now
			c.logger.Error("configuration error: session.redis.db must be 0 (or unset) with Redis Cluster", zap.Error(err))
		}
		return
	}
	if err != nil {
		c.lastErr = err
		c.warnLocked("cannot connect to redis; session store unavailable", err)
		return
	}
	if c.closed {
		cl.Close()
		return
	}
	c.client, c.lastErr = cl, nil
	c.logger.Info("connected to redis")
	c.failing = false
}

// observe records the outcome of a command for logging. Reconnecting is
// rueidis's job; this only reports outages and recoveries.
func (c *conn) observe(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err == nil {
		if c.failing {
			c.failing = false
			c.logger.Info("redis reachable again")
		}
		return
	}
	c.warnLocked("redis command failed; session store unavailable", err)
}

// warnLocked logs at most once per warnEvery. err comes from the client and
// names addresses and causes, never stored values.
func (c *conn) warnLocked(msg string, err error) {
	c.failing = true
	if now := time.Now(); now.Sub(c.lastWarn) >= warnEvery {
		c.lastWarn = now
		c.logger.Warn(msg, zap.Error(err))
	}
}

// clusterRefusedSelect reports whether err is a server's refusal of SELECT
// because it runs in cluster mode. Redis states that only in the error text
// ("ERR SELECT is not allowed in cluster mode"); no code distinguishes it.
func clusterRefusedSelect(err error) bool {
	var re *rueidis.RedisError
	return errors.As(err, &re) && strings.Contains(strings.ToLower(re.Error()), "cluster mode")
}

func (c *conn) close() {
	c.mu.Lock()
	cl := c.client
	c.client, c.closed = nil, true
	c.mu.Unlock()
	if cl != nil {
		cl.Close()
	}
}
