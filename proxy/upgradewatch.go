package proxy

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/session"
)

// Ticker is what an upgraded connection waits on between two checks of its
// session; tests drive one by hand instead of waiting for the clock.
type Ticker interface {
	C() <-chan time.Time
	Stop()
}

// Option changes how New builds the handler.
type Option func(*Handler)

// WithUpgradeTicker makes every upgraded connection wait on a ticker from
// newTicker(upstream.upgrade_session_check) instead of a time.Ticker.
func WithUpgradeTicker(newTicker func(time.Duration) Ticker) Option {
	return func(h *Handler) { h.upgrades.newTicker = newTicker }
}

type timeTicker struct{ t *time.Ticker }

func newTimeTicker(d time.Duration) Ticker { return timeTicker{time.NewTicker(d)} }
func (t timeTicker) C() <-chan time.Time   { return t.t.C }
func (t timeTicker) Stop()                 { t.t.Stop() }

// openUpgrades tracks the upgraded connections of this replica by session,
// so that a logout handled here closes them at once. Sessions that end
// elsewhere (another replica, an operator's revoke, expiry) are noticed by
// each connection's periodic check.
type openUpgrades struct {
	interval  time.Duration
	newTicker func(time.Duration) Ticker
	*upgradeSet
}

// upgradeSet is the part of openUpgrades that outlives a config reload: the
// handler built by the reload takes it over (WithPrevious, reload.go).
type upgradeSet struct {
	mu    sync.Mutex
	conns map[string]map[*openUpgrade]struct{} // session id → connections
	// latest is the newest handler sharing this set: a connection's checks
	// apply its policy, so a reload that denies a path also closes the
	// connections already open on it.
	latest atomic.Pointer[Handler]
}

// openUpgrade ends one upgraded connection: cancelling its request context
// makes ReverseProxy close both the client's and the upstream's connection.
type openUpgrade struct{ end context.CancelFunc }

func newOpenUpgrades(interval time.Duration) *openUpgrades {
	return &openUpgrades{interval: interval, newTicker: newTimeTicker, upgradeSet: &upgradeSet{conns: map[string]map[*openUpgrade]struct{}{}}}
}

// track registers a connection of session id until the returned func is called.
func (o *openUpgrades) track(id string, end context.CancelFunc) (untrack func()) {
	u := &openUpgrade{end: end}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.conns[id] == nil {
		o.conns[id] = map[*openUpgrade]struct{}{}
	}
	o.conns[id][u] = struct{}{}
	return func() {
		o.mu.Lock()
		defer o.mu.Unlock()
		delete(o.conns[id], u)
		if len(o.conns[id]) == 0 {
			delete(o.conns, id)
		}
	}
}

// endSessions closes every tracked connection of the given sessions and
// returns how many it closed. A nil receiver (a handler built without one)
// closes nothing.
func (o *openUpgrades) endSessions(ids ...string) int {
	if o == nil {
		return 0
	}
	var ends []context.CancelFunc
	o.mu.Lock()
	for _, id := range ids {
		for u := range o.conns[id] {
			ends = append(ends, u.end)
		}
	}
	o.mu.Unlock()
	for _, end := range ends {
		end()
	}
	return len(ends)
}

// endUpgrades closes this replica's upgraded connections of sessions that a
// logout handled here has just deleted.
func (h *Handler) endUpgrades(ids ...string) {
	if n := h.upgrades.endSessions(ids...); n > 0 {
		h.logger.Info("upgraded connections closed", zap.String("reason", "session ended"), zap.Int("connections", n))
	}
}

// serveUpgrade proxies an admitted upgrade of an authenticated, allowed
// request and keeps the connection only as long as its session lives.
func (h *Handler) serveUpgrade(w http.ResponseWriter, r *http.Request, req authz.Request, auth *authenticated) {
	ctx, end := context.WithCancel(r.Context())
	defer end()
	if auth.bearer == "" {
		defer h.upgrades.track(auth.session.ID, end)()
	}
	go h.watchUpgrade(ctx, end, req, auth)
	h.upstream.ServeHTTP(w, r.WithContext(ctx))
}

// watchUpgrade re-checks the connection's session at every tick until the
// connection ends, and ends it once the session is gone.
func (h *Handler) watchUpgrade(ctx context.Context, end context.CancelFunc, req authz.Request, auth *authenticated) {
	t := h.upgrades.newTicker(h.upgrades.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C():
		}
		if reason := h.upgrades.current(h).upgradeEnded(ctx, req, auth); reason != "" {
			if ctx.Err() != nil {
				return // the connection ended on its own meanwhile
			}
			h.log(ctx).Info("upgraded connection closed", zap.String("reason", reason),
				zap.String("user", auth.session.Subject), zap.String("session", session.HashID(auth.session.ID)))
			end()
			return
		}
	}
}

// upgradeEnded says why an upgraded connection may no longer stay open, or
// "" while its session is live and still allowed on path. A store that cannot
// answer ends it too: like a request, a connection is never kept on a session
// that cannot be confirmed (clients reconnect, and get 503 until the store is
// back).
func (h *Handler) upgradeEnded(ctx context.Context, req authz.Request, auth *authenticated) string {
	if auth.bearer != "" {
		// A bearer token's session exists for its request only: the
		// connection lasts until the token expires.
		if !auth.session.ExpiresAt.IsZero() && !h.now().Before(auth.session.ExpiresAt) {
			return "bearer token expired"
		}
		return ""
	}
	s, err := h.store.Load(ctx, auth.session.ID)
	switch {
	case errors.Is(err, session.ErrNotFound):
		return "session ended"
	case err != nil:
		h.repeatLog.Error("session store unavailable (logged at most every 10s)", zap.String("path", req.Path), zap.Error(err))
		return "session store unavailable"
	}
	s.ID = auth.session.ID
	if !h.live(ctx, s) {
		return "session expired"
	}
	if !h.policy.Allows(req, s) {
		return "policy no longer allows the path"
	}
	if _, ok := h.policy.StepUp(req, s, h.now(), h.opts.clockSkew); ok {
		return "the login is no longer recent or strong enough for the path"
	}
	return ""
}
