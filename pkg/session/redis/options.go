package redis

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"time"

	"github.com/redis/rueidis"
)

// DefaultTimeout bounds every store call when Options.Timeout is zero.
const DefaultTimeout = 2 * time.Second

// Options configure the Redis store. They mirror the session.redis.* config keys.
type Options struct {
	// Addresses are host:port of the Redis server, of some Cluster nodes (the
	// topology is discovered), or of the Sentinels when SentinelMaster is set.
	// At least one is required.
	Addresses []string
	// SentinelMaster is the master set name monitored by the Sentinels; empty
	// means no Sentinel.
	SentinelMaster string
	// Username and Password authenticate to Redis (ACL user or requirepass).
	// They are not sent to the Sentinels, which commonly run without a password
	// and reject AUTH.
	Username, Password string
	// DB is the database number for standalone and Sentinel; default 0.
	DB int
	// KeyPrefix starts every key the store writes. The config layer supplies the
	// product default "gatehouse:"; here an empty prefix is taken as given.
	KeyPrefix string
	// Timeout bounds each store call, including connecting; default 2s.
	Timeout time.Duration
}

// validate rejects what can never work, so that a bad configuration fails at
// startup and not as an endless stream of 503s.
func (o Options) validate() error {
	var errs []error
	if len(o.Addresses) == 0 {
		errs = append(errs, errors.New("addresses: at least one address is required"))
	}
	for i, a := range o.Addresses {
		if a == "" {
			errs = append(errs, fmt.Errorf("addresses[%d]: empty address", i))
		}
	}
	if o.DB < 0 {
		errs = append(errs, fmt.Errorf("db: must not be negative, got %d", o.DB))
	}
	if o.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout: must not be negative, got %v", o.Timeout))
	}
	return errors.Join(errs...)
}

// clientOption builds the rueidis options. Client-side caching stays off until
// reads go through DoCache; with it off no CLIENT TRACKING is negotiated.
func (o Options) clientOption() rueidis.ClientOption {
	co := rueidis.ClientOption{
		InitAddress:  slices.Clone(o.Addresses),
		Username:     o.Username,
		Password:     o.Password,
		SelectDB:     o.DB,
		DisableCache: true,
		// A dial must not outlast the call that triggered it.
		Dialer: rueidisDialer(o.Timeout),
	}
	if o.SentinelMaster != "" {
		co.Sentinel = rueidis.SentinelOption{
			MasterSet: o.SentinelMaster,
			Dialer:    rueidisDialer(o.Timeout),
		}
	}
	return co
}

func rueidisDialer(timeout time.Duration) net.Dialer {
	return net.Dialer{Timeout: timeout}
}
