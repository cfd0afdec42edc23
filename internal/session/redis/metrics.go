package redis

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the store's Prometheus series. Every store call is one Redis
// command (or one cached read), so "op" names the store call.
type metrics struct {
	duration *prometheus.HistogramVec
	errors   *prometheus.CounterVec
	cache    *prometheus.CounterVec

	// Children for the request path's calls, resolved once on first use:
	// WithLabelValues hashes the labels and takes a lock on every call. A
	// series still appears only once it has been seen.
	durationBy map[string]*lazyObserver // the Store methods' ops
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

// requestPathOps are the ops with a pre-resolved duration child.
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
			Help:      "Session reads through the client-side cache, by result (hit: answered from memory; miss: fetched from Redis). Hit ratio = hit / sum.",
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

func (m *metrics) observe(op string, start time.Time, err error) {
	d := time.Since(start).Seconds()
	if l := m.durationBy[op]; l != nil {
		l.once.Do(func() { l.obs = m.duration.WithLabelValues(op) })
		l.obs.Observe(d)
	} else {
		m.duration.WithLabelValues(op).Observe(d)
	}
	if err != nil {
		m.errors.WithLabelValues(op).Inc()
	}
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
