package redis

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the store's Prometheus series. "op" names the store call
// (load, save, …) or, for calls that are not Store methods, what the Redis
// call does (lock, read index).
//
// Each call is timed once. The Store methods' calls are timed by the
// decorator that gatehouse wraps every backend in (internal/metrics,
// gatehouse_store_operation_duration_seconds), which hands the duration to
// ObserveStoreCall for this store's series too; exec times only the other
// calls. A store used without that decorator (gatehouse sessions, tests) has
// no duration series for its Store methods.
type metrics struct {
	duration *prometheus.HistogramVec
	errors   *prometheus.CounterVec
	cache    *prometheus.CounterVec

	// Children for the request path's calls, resolved once on first use:
	// WithLabelValues hashes the labels and takes a lock on every call. A
	// series still appears only once it has been seen.
	durationBy map[string]*lazyObserver // the Store methods' ops: timed by the caller
	cacheBy    [2]lazyCounter           // miss, hit
}

type lazyObserver struct {
	once sync.Once
	obs  prometheus.Observer
}

type lazyCounter struct {
	once sync.Once
	c    prometheus.Counter
}

// requestPathOps are the Store methods' ops, timed by the caller and
// observed through ObserveStoreCall, with a pre-resolved duration child.
var requestPathOps = []string{"load", "save", "update", "delete", "claim", "ping"}

// newMetrics registers the series on reg; a nil reg yields working but
// unregistered collectors, so the store never has to check.
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "gatehouse",
			Subsystem: "redis",
			Name:      "command_duration_seconds",
			Help:      "Time taken by Redis calls of the session store, including waiting for a connection; cached reads included.",
			// Loopback round trips are ~100µs; the top buckets catch timeouts.
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"op"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "gatehouse",
			Subsystem: "redis",
			Name:      "errors_total",
			Help:      "Redis calls of the session store that failed (unreachable, timeout, error reply). A missing key is not an error.",
		}, []string{"op"}),
		cache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "gatehouse",
			Subsystem: "redis",
			Name:      "client_cache_reads_total",
			Help:      "Session reads with the client-side cache on, by result (hit: answered from memory; miss: fetched from Redis, a read not yet admitted to the cache included). Hit ratio = hit / sum.",
		}, []string{"result"}),
	}
	m.durationBy = make(map[string]*lazyObserver, len(requestPathOps))
	for _, op := range requestPathOps {
		m.durationBy[op] = &lazyObserver{}
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.duration, m.errors, m.cache} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// done records the outcome of one Redis call of op that began at start: its
// error, and its duration unless the caller times op (a Store method).
func (m *metrics) done(op string, start time.Time, err error) {
	if err != nil {
		m.errors.WithLabelValues(op).Inc()
	}
	if m.durationBy[op] == nil {
		m.duration.WithLabelValues(op).Observe(time.Since(start).Seconds())
	}
}

// ObserveStoreCall records the duration of a Store method's call, as timed by
// gatehouse's store decorator (metrics.StoreCallObserver). op is the Store
// method, in lower case; others are ignored.
func (s *Store) ObserveStoreCall(op string, d time.Duration) {
	l := s.metrics.durationBy[op]
	if l == nil {
		return
	}
	l.once.Do(func() { l.obs = s.metrics.duration.WithLabelValues(op) })
	l.obs.Observe(d.Seconds())
}

func (m *metrics) cacheRead(hit bool) {
	i, result := 0, "miss"
	if hit {
		i, result = 1, "hit"
	}
	l := &m.cacheBy[i]
	l.once.Do(func() { l.c = m.cache.WithLabelValues(result) })
	l.c.Inc()
}
