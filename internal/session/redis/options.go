package redis

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/rueidis"
)

// DefaultTimeout bounds every store call when Options.Timeout is zero.
const DefaultTimeout = 2 * time.Second

// sentinelRefresh makes the Sentinel client re-check the master now and then,
// so that one missed +switch-master event cannot bind it to a demoted master.
const sentinelRefresh = 5 * time.Second

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
	// DB is the database number for standalone and Sentinel; default 0. A
	// Redis Cluster has only database 0: any other value fails at connect.
	DB int
	// KeyPrefix starts every key the store writes. The config layer supplies the
	// product default "gatehouse:"; here an empty prefix is taken as given.
	KeyPrefix string
	// Timeout bounds each store call, including connecting; default 2s.
	Timeout time.Duration
	// ClientCache is how long a session read may be served from the client-side
	// cache. Redis tracks the cached keys and tells every client to drop its
	// copy when a key changes, so a logout on one replica reaches all others at
	// once. Zero disables the cache (every read is a round trip).
	ClientCache time.Duration
	// CacheEntries is how many sessions the store keeps in process (key
	// session.cache_entries): decoded records, so that a read of an unchanged
	// record skips decoding it (0 keeps none: every read decodes), and, with
	// ClientCache, the client-side cache's records, allowing
	// clientCacheBytesPerEntry each (never fewer than minClientCacheEntries).
	// A negative value means DefaultCacheEntries.
	CacheEntries int
	// TLS, when Enabled, encrypts the connections to Redis and to the Sentinels.
	TLS TLSOptions
	// Registerer receives the store's metrics; nil registers nothing.
	Registerer prometheus.Registerer
}

// TLSOptions configure TLS towards Redis. Files are read once, by New.
type TLSOptions struct {
	Enabled bool
	// CAFile is a PEM bundle of the CAs that sign the server certificate;
	// empty means the system roots.
	CAFile string
	// CertFile and KeyFile are the client certificate and key (PEM), for a
	// server that requires client certificates; both or neither.
	CertFile, KeyFile string
	// ServerName is checked against the server certificate; empty means the
	// host of each address.
	ServerName string
	// InsecureSkipVerify accepts any server certificate. For tests only: it
	// leaves the connection open to anyone in the path.
	InsecureSkipVerify bool
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
	if o.ClientCache < 0 {
		errs = append(errs, fmt.Errorf("client_cache: must not be negative, got %v", o.ClientCache))
	}
	if (o.TLS.CertFile == "") != (o.TLS.KeyFile == "") {
		errs = append(errs, errors.New("tls.cert_file and tls.key_file: set both or neither"))
	}
	return errors.Join(errs...)
}

// tlsConfig reads the files named in o. It returns nil when TLS is off.
func (o TLSOptions) tlsConfig() (*tls.Config, error) {
	if !o.Enabled {
		return nil, nil
	}
	cfg := &tls.Config{
		MinVersion:         tls.VersionTLS12,
		ServerName:         o.ServerName,
		InsecureSkipVerify: o.InsecureSkipVerify, //nolint:gosec // opt-in, warned about loudly in New
	}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("tls.ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tls.ca_file: no PEM certificate in %s", o.CAFile)
		}
		cfg.RootCAs = pool
	}
	if o.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("tls.cert_file/tls.key_file: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// clientCacheBytesPerEntry is what the client-side cache allows a session
// record: a record with the test provider's tokens takes about 1.7 KB, and
// larger ID tokens leave room for fewer sessions rather than more memory.
const clientCacheBytesPerEntry = 4 << 10

// minClientCacheEntries keeps the client-side cache useful when CacheEntries
// turns the decoded-record cache off.
const minClientCacheEntries = 1000

// clientCacheEntries is how many session records the client-side cache is
// sized for (New has replaced a negative CacheEntries by the default).
func clientCacheEntries(entries int) int {
	return max(entries, minClientCacheEntries)
}

// clientCacheBytes is rueidis's cache size per connection for entries
// sessions.
func clientCacheBytes(entries int) int {
	return clientCacheEntries(entries) * clientCacheBytesPerEntry
}

// clientOption builds the rueidis options. With ClientCache zero no CLIENT
// TRACKING is negotiated.
func (o Options) clientOption(tlsCfg *tls.Config) rueidis.ClientOption {
	co := rueidis.ClientOption{
		InitAddress:  slices.Clone(o.Addresses),
		Username:     o.Username,
		Password:     o.Password,
		SelectDB:     o.DB,
		DisableCache: o.ClientCache == 0,
		TLSConfig:    tlsCfg,
		// A dial must not outlast the call that triggered it.
		Dialer: rueidisDialer(o.Timeout),
		// rueidis pings an idle connection every Dialer.KeepAlive (1s) and
		// drops it, with its client-side cache, when the answer takes longer
		// than this. The default (10s) would let a connection cut off
		// silently serve cached sessions whose invalidations it can no longer
		// receive for that long; bound it by the call timeout instead.
		ConnWriteTimeout: o.Timeout,
		// One connection per node. Redis sends the invalidation of a key to
		// the connection that cached it; when that is also the connection
		// that writes, the push arrives before the write's reply, so a
		// logout on this replica is seen by its very next read. With
		// several connections the write could travel on another one and a
		// read right after it could still hit the cache. One auto-pipelined
		// connection carries far more than a replica's session traffic.
		PipelineMultiplex: -1,
		// rueidis bounds the client-side cache in bytes, 128 MiB by default:
		// with 100k sessions used, that filled up and gatehouse's RSS reached
		// 402 MiB (bench/), for records that the other per-session caches,
		// sized by CacheEntries, no longer held anyway. With 40 MiB it was
		// 176 MiB, at the same throughput within the benchmark's noise.
		CacheSizeEachConn: clientCacheBytes(o.CacheEntries),
	}
	if o.SentinelMaster != "" {
		co.Sentinel = rueidis.SentinelOption{
			MasterSet:               o.SentinelMaster,
			Dialer:                  rueidisDialer(o.Timeout),
			TLSConfig:               tlsCfg,
			TopologyRefreshInterval: sentinelRefresh,
		}
	}
	return co
}

func rueidisDialer(timeout time.Duration) net.Dialer {
	return net.Dialer{Timeout: timeout}
}
