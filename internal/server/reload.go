package server

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/metrics"
	"github.com/gatehouse/gatehouse/proxy"
)

// restartOnly lists the keys (and sections) that a reload does not apply,
// because what holds them is built once at start: the listeners and the
// http.Server limits, the session store and its connections, the OIDC
// client (its discovery, keys and registered redirect URI, which depends on
// public_url), the log encoder, and the watcher itself. A reload that
// changes one names it in a log line and keeps its running value.
var restartOnly = []string{
	"listen", "ops_listen", "public_url",
	"session.store", "session.redis", "session.cache_entries",
	"oidc",
	"server.max_header_bytes", "server.read_header_timeout", "server.read_timeout",
	"server.write_timeout", "server.idle_timeout", "server.shutdown_timeout",
	"log.format", "log.flush_interval",
	"reload.watch_interval",
}

// needsRestart reports whether key is restart-only: listed, or inside a
// listed section.
func needsRestart(key string) bool {
	for _, p := range restartOnly {
		if key == p || strings.HasPrefix(key, p+".") {
			return true
		}
	}
	return false
}

// ReloadOptions say where the running config came from, so that a reload
// reads it again exactly as start-up did.
type ReloadOptions struct {
	// Path and Env are what config.Load was given (Path "" : no file).
	Path string
	Env  []string
	// Level, when set, is the running logger's level: log.level changes
	// take effect through it.
	Level *zap.AtomicLevel
}

// errReloadOff: EnableReload was not called, so there is nothing to read again.
var errReloadOff = errors.New("server: reload is not enabled")

// liveHandler is the main listener's handler: the proxy built from the
// running config, replaced whole by a reload. A request loads it once, so it
// runs on one config from start to end, never on half of two.
type liveHandler struct{ atomic.Pointer[proxy.Handler] }

func (l *liveHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) { l.Load().ServeHTTP(w, r) }

// reloader holds what a reload needs and the config it last applied.
type reloader struct {
	live    liveHandler
	reloads *metrics.ConfigReloads
	// build makes the handler for a config as New did, as prev's successor.
	build func(cfg *config.Config, prev *proxy.Handler) (*proxy.Handler, error)

	mu      sync.Mutex // one reload at a time (SIGHUP and the watcher)
	opts    *ReloadOptions
	running *config.Config
}

func (r *reloader) init(cfg *config.Config, h *proxy.Handler, reloads *metrics.ConfigReloads, build func(*config.Config, *proxy.Handler) (*proxy.Handler, error)) {
	r.running, r.reloads, r.build = cfg, reloads, build
	r.live.Store(h)
}

// EnableReload lets Reload and the file watcher read the config again from
// o. Call it before Serve; without it the config is fixed for the process's
// life (as for the demo).
func (s *Server) EnableReload(o ReloadOptions) {
	s.reload.mu.Lock()
	defer s.reload.mu.Unlock()
	s.reload.opts = &o
}

// Reload reads the config again. A config with any error is refused whole:
// each error is logged with its key, the running config stays, and the
// error is returned. Otherwise the keys that need a restart keep their
// running values (named in a warning), and a request handler built from the
// new config replaces the running one atomically: requests already running
// finish on the old one, and open upgraded connections stay open.
func (s *Server) Reload() error {
	r := &s.reload
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.opts == nil {
		return errReloadOff
	}
	err := s.reloadLocked()
	r.reloads.Reloaded(err == nil, time.Now())
	return err
}

func (s *Server) reloadLocked() error {
	r := &s.reload
	next, err := config.Load(r.opts.Path, r.opts.Env)
	if err == nil {
		if held := slices.DeleteFunc(config.ChangedKeys(s.cfg, next), func(k string) bool { return !needsRestart(k) }); len(held) > 0 {
			s.logger.Warn("config reload: these keys need a restart; they keep their running values", zap.Strings("keys", held))
		}
		config.KeepKeys(next, s.cfg, needsRestart)
		// The running values with the new ones together are a config
		// nobody wrote: it must pass validation too.
		err = next.Validate()
	}
	if err != nil {
		s.logRefused(err)
		return fmt.Errorf("config reload: %w", err)
	}
	changed := config.ChangedKeys(r.running, next)
	if len(changed) == 0 {
		// Derived values follow from the keys: the running handler is this
		// config's already, and keeps its warm caches.
		s.logger.Info("config reloaded", zap.Strings("changed", changed))
		return nil
	}
	handler, err := r.build(next, r.live.Load())
	if err != nil {
		s.logger.Error("config reload refused; the running config stays", zap.Error(err))
		return fmt.Errorf("config reload: %w", err)
	}
	r.live.Store(handler)
	if r.opts.Level != nil {
		if lvl, err := zapcore.ParseLevel(next.Log.Level); err == nil {
			r.opts.Level.SetLevel(lvl)
		}
	}
	r.running = next
	s.logger.Info("config reloaded", zap.Strings("changed", changed))
	return nil
}

// logRefused writes one line per problem, naming its key. Problems never
// carry a secret value (config.FieldError's contract).
func (s *Server) logRefused(err error) {
	errs := []error{err}
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		errs = joined.Unwrap()
	}
	for _, e := range errs {
		var fe *config.FieldError
		if errors.As(e, &fe) {
			s.logger.Error("config reload refused; the running config stays", zap.String("key", fe.Key), zap.String("problem", fe.Problem))
			continue
		}
		s.logger.Error("config reload refused; the running config stays", zap.Error(e))
	}
}
