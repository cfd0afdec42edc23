package config

import "time"

// Session configures server-side sessions and where they are stored.
type Session struct {
	// Store is the session backend: redis or memory; memory suits one instance
	// only (key session.store, default "redis").
	Store string `key:"store"`
	// IdleTimeout ends a session that has not been used for this long; every use
	// extends it (key session.idle_timeout, default 8h).
	IdleTimeout time.Duration `key:"idle_timeout"`
	// AbsoluteTimeout ends a session this long after login however active it is;
	// it is at least idle_timeout (key session.absolute_timeout, default 24h).
	AbsoluteTimeout time.Duration `key:"absolute_timeout"`
	// RefreshBefore is how long before the access token expires it is
	// refreshed; with tokens shorter than that, at half their remaining
	// lifetime (key session.refresh_before, default 1m).
	RefreshBefore time.Duration `key:"refresh_before"`
	// CacheEntries bounds, per replica, how many sessions' verified cookie,
	// decoded Redis record and signed assertion are kept in memory, each in
	// its own cache; 0 turns the three caches off, so that every request
	// verifies the cookie, decodes the record and signs an assertion (key
	// session.cache_entries, default 10000).
	CacheEntries int `key:"cache_entries"`
	// RevalidateInterval re-reads a session's identity from the provider's
	// userinfo at most this often, once across replicas, for providers whose
	// access tokens outlive the time a group change may take to apply; 0
	// turns it off (key session.revalidate_interval, default 0).
	RevalidateInterval time.Duration `key:"revalidate_interval"`
	// Redis configures the Redis store (section session.redis), used when store is
	// redis.
	Redis Redis `key:"redis"`
}

// Redis configures the connection to Redis (standalone, Sentinel or Cluster).
type Redis struct {
	// Addresses are the host:port of the Redis nodes, or of the Sentinels when
	// sentinel_master is set (key session.redis.addresses, default
	// ["127.0.0.1:6379"]).
	Addresses []string `key:"addresses"`
	// SentinelMaster is the Sentinel master name; empty means no Sentinel
	// (key session.redis.sentinel_master, default "").
	SentinelMaster string `key:"sentinel_master"`
	// Username is the Redis ACL user name (key session.redis.username, default "").
	Username string `key:"username"`
	// Password is the Redis password (key session.redis.password, default "";
	// never together with session.redis.password_file).
	Password string `key:"password"`
	// PasswordFile names a file whose content, trailing whitespace trimmed, is the
	// Redis password (key session.redis.password_file, default none).
	PasswordFile string `key:"password_file"`
	// DB is the Redis database number (key session.redis.db, default 0).
	DB int `key:"db"`
	// KeyPrefix starts every key gatehouse writes to Redis
	// (key session.redis.key_prefix, default "gatehouse:").
	KeyPrefix string `key:"key_prefix"`
	// Timeout bounds every Redis call (key session.redis.timeout, default 2s).
	Timeout time.Duration `key:"timeout"`
	// ClientCache is how long a session read may be answered from the
	// server-assisted client-side cache; Redis invalidates a cached session on
	// every replica the moment it changes or is deleted. 0 disables the cache
	// (key session.redis.client_cache, default 1m).
	ClientCache time.Duration `key:"client_cache"`
	// TLS configures TLS to Redis and the Sentinels (section session.redis.tls).
	TLS RedisTLS `key:"tls"`
}

// RedisTLS configures TLS towards Redis.
type RedisTLS struct {
	// Enabled turns TLS on (key session.redis.tls.enabled, default false).
	Enabled bool `key:"enabled"`
	// CAFile is a PEM file of the CAs that sign the Redis server certificate;
	// empty means the system roots (key session.redis.tls.ca_file, default "").
	CAFile string `key:"ca_file"`
	// CertFile is the client certificate (PEM) for servers that require one;
	// set together with key_file (key session.redis.tls.cert_file, default "").
	CertFile string `key:"cert_file"`
	// KeyFile is the client certificate's private key (PEM)
	// (key session.redis.tls.key_file, default "").
	KeyFile string `key:"key_file"`
	// ServerName is the name checked in the server certificate; empty means
	// the host of each address (key session.redis.tls.server_name, default "").
	ServerName string `key:"server_name"`
	// InsecureSkipVerify accepts any server certificate, for tests only;
	// gatehouse logs a warning at startup (key
	// session.redis.tls.insecure_skip_verify, default false).
	InsecureSkipVerify bool `key:"insecure_skip_verify"`
}

// Cookie configures the session cookie and the keys that protect it.
type Cookie struct {
	// Name is the base name of the session cookie; on https gatehouse adds the
	// "__Host-" prefix itself (key cookie.name, default "gatehouse").
	Name string `key:"name"`
	// Secrets are base64 strings of at least 32 random bytes each; the first
	// encodes, all decode, so keys rotate by prepending a new one (key
	// cookie.secrets, required unless cookie.secrets_file is set; never both).
	Secrets []string `key:"secrets"`
	// SecretsFile names a file with one secret per line; blank lines and lines
	// starting with # are ignored (key cookie.secrets_file, default none).
	SecretsFile string `key:"secrets_file"`
	// DecodedSecrets are Secrets decoded from base64, in the same order. It is
	// filled by Validate and cannot be set by a key.
	DecodedSecrets [][]byte `key:"-"`
}
