package config

import "time"

// Server holds the limits of gatehouse's HTTP servers.
type Server struct {
	// MaxHeaderBytes is the largest request header block accepted; larger
	// requests get 431 (key server.max_header_bytes, default 32768).
	MaxHeaderBytes int `key:"max_header_bytes"`
	// ReadHeaderTimeout bounds reading the request headers
	// (key server.read_header_timeout, default 10s).
	ReadHeaderTimeout time.Duration `key:"read_header_timeout"`
	// ReadTimeout bounds reading a whole request; 0 means no limit so request
	// bodies may stream (key server.read_timeout, default 0).
	ReadTimeout time.Duration `key:"read_timeout"`
	// WriteTimeout bounds writing a response; 0 means no limit, as streaming
	// responses and WebSockets need (key server.write_timeout, default 0).
	WriteTimeout time.Duration `key:"write_timeout"`
	// IdleTimeout closes keep-alive connections idle this long
	// (key server.idle_timeout, default 120s).
	IdleTimeout time.Duration `key:"idle_timeout"`
	// ShutdownTimeout is how long in-flight requests may finish after SIGTERM
	// (key server.shutdown_timeout, default 30s).
	ShutdownTimeout time.Duration `key:"shutdown_timeout"`

	// AllowedHosts lists the hosts (host or host:port, compared ignoring
	// case; a host without a port stands for public_url's default port) that
	// the main listener answers for. A request naming any other host gets
	// 421, because applications build absolute links, such as those in
	// password-reset mails, from Host. public_url's host is always allowed;
	// peers in trusted_proxies and the forward-auth endpoint are not checked
	// (key server.allowed_hosts, default [public_url's host[:port]]).
	AllowedHosts []string `key:"allowed_hosts"`
	// LoginRateLimit is how many requests per second one client address may
	// make to <path_prefix>/start and the callback together, refilling a
	// bucket of login_rate_burst; over it the answer is 429 with Retry-After.
	// 0 turns the limit off (key server.login_rate_limit, default 5).
	LoginRateLimit int `key:"login_rate_limit"`
	// LoginRateBurst is how many login requests one client address may make
	// at once before login_rate_limit applies (key server.login_rate_burst,
	// default 20).
	LoginRateBurst int `key:"login_rate_burst"`
}

// ForwardAuth configures <path_prefix>/auth, the endpoint a proxy in front
// asks whether to let a request through.
type ForwardAuth struct {
	// Enabled serves <path_prefix>/auth (and <path_prefix>/auth/<path> for
	// Envoy). Off, both are 404: the endpoint hands the signed assertion to
	// whoever asks, and when gatehouse itself is the proxy, the page's own
	// JavaScript could read it (key forward_auth.enabled, default false).
	Enabled bool `key:"enabled"`
}

// Log configures logging.
type Log struct {
	// Level is the lowest level logged: debug, info, warn or error
	// (key log.level, default "info").
	Level string `key:"level"`
	// Format is json or console (key log.format, default "json").
	Format string `key:"format"`
	// FlushInterval buffers log output and writes it at least this often,
	// instead of one write per line; 0 writes every line at once (key
	// log.flush_interval, default 1s, at most 1m).
	FlushInterval time.Duration `key:"flush_interval"`
}
