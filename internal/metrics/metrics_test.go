package metrics

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/gatehouse/gatehouse/internal/session"
	"github.com/gatehouse/gatehouse/internal/session/memory"
)

func TestEachEventMovesOnlyItsSeries(t *testing.T) {
	for _, tc := range []struct {
		name  string
		event func(*Metrics)
		// series returns the collector that must read 1 afterwards.
		series func(*Metrics) prometheus.Collector
	}{
		{"request outcome", func(m *Metrics) { m.Request(OutcomeForbidden) },
			func(m *Metrics) prometheus.Collector { return m.requests.WithLabelValues("forbidden") }},
		{"login started", (*Metrics).LoginStarted,
			func(m *Metrics) prometheus.Collector { return m.loginsStarted }},
		{"login completed", (*Metrics).LoginCompleted,
			func(m *Metrics) prometheus.Collector { return m.loginsCompleted }},
		{"login failed", func(m *Metrics) { m.LoginFailed(LoginExchangeFailed) },
			func(m *Metrics) prometheus.Collector { return m.loginsFailed.WithLabelValues("exchange_failed") }},
		{"refresh", func(m *Metrics) { m.Refresh(RefreshFailed) },
			func(m *Metrics) prometheus.Collector { return m.refreshes.WithLabelValues("failed") }},
		{"logout", func(m *Metrics) { m.Logout(LogoutBackChannel, 0) },
			func(m *Metrics) prometheus.Collector { return m.logouts.WithLabelValues("backchannel") }},
		{"session created", (*Metrics).SessionCreated,
			func(m *Metrics) prometheus.Collector { return m.sessionsCreated }},
		{"session deleted", func(m *Metrics) { m.SessionDeleted(DeletedExpired) },
			func(m *Metrics) prometheus.Collector { return m.sessionsDeleted.WithLabelValues("expired") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := prometheus.NewPedanticRegistry()
			m := New(reg)
			before := totalCounters(t, reg)
			tc.event(m)
			if got := testutil.ToFloat64(tc.series(m)); got != 1 {
				t.Errorf("series = %v, want 1", got)
			}
			if after := totalCounters(t, reg); after != before+1 {
				t.Errorf("all counters moved by %v, want 1", after-before)
			}
		})
	}
}

// totalCounters sums every counter sample in reg.
func totalCounters(t *testing.T, reg prometheus.Gatherer) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, f := range families {
		for _, m := range f.GetMetric() {
			sum += m.GetCounter().GetValue()
		}
	}
	return sum
}

func TestKnownLabelsStartAtZero(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m := New(reg)
	for name, want := range map[string]int{
		"requests":        len(allOutcomes),
		"loginsFailed":    len(allLoginFailures),
		"refreshes":       len(allRefresh),
		"logouts":         len(allLogoutKinds),
		"sessionsDeleted": len(allDeleteReasons),
	} {
		c := map[string]prometheus.Collector{
			"requests": m.requests, "loginsFailed": m.loginsFailed, "refreshes": m.refreshes,
			"logouts": m.logouts, "sessionsDeleted": m.sessionsDeleted,
		}[name]
		if got := testutil.CollectAndCount(c); got != want {
			t.Errorf("%s: %d series, want %d", name, got, want)
		}
	}
}

func TestUpstreamStatusClass(t *testing.T) {
	for _, tc := range []struct {
		status int
		err    error
		want   string
	}{
		{200, nil, "2xx"},
		{302, nil, "3xx"},
		{404, nil, "4xx"},
		{503, nil, "5xx"},
		{0, errors.New("connection refused"), "error"},
		{999, nil, "error"},
	} {
		reg := prometheus.NewPedanticRegistry()
		m := New(reg)
		m.ObserveUpstream(tc.status, tc.err, 3*time.Millisecond)
		if got := testutil.CollectAndCount(m.upstreamDuration); got != 1 {
			t.Fatalf("%d: %d series", tc.status, got)
		}
		if n := histogramCount(t, m.upstreamDuration.WithLabelValues(tc.want)); n != 1 {
			t.Errorf("status %d, err %v: no observation under code=%q", tc.status, tc.err, tc.want)
		}
	}
}

func TestInstrumentedStoreTimesEveryCallByResult(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m := New(reg)
	store := m.InstrumentStore(memory.New())
	ctx := context.Background()

	if _, err := store.Load(ctx, "missing"); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("load missing: %v", err)
	}
	s := &session.Session{ID: "abc", Subject: "alice", ExpiresAt: time.Now().Add(time.Hour)}
	if err := store.Save(ctx, s, time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Load(ctx, "abc"); err != nil {
		t.Fatal(err)
	}
	if err := store.Update(ctx, s, time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Claim(ctx, "k", time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := store.Delete(ctx, "abc"); err != nil {
		t.Fatal(err)
	}
	if err := store.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	for _, lv := range [][2]string{
		{"load", "not_found"}, {"load", "ok"}, {"save", "ok"}, {"update", "ok"},
		{"claim", "ok"}, {"delete", "ok"}, {"ping", "ok"},
	} {
		if n := histogramCount(t, m.storeDuration.WithLabelValues(lv[0], lv[1])); n != 1 {
			t.Errorf("%s/%s: %d observations, want 1", lv[0], lv[1], n)
		}
	}
}

func TestNilMetricsDoNothing(t *testing.T) {
	var m *Metrics
	m.Request(OutcomeProxied)
	m.LoginStarted()
	m.LoginCompleted()
	m.LoginFailed(LoginInternalError)
	m.Refresh(RefreshOK)
	m.Logout(LogoutUser, 1)
	m.SessionCreated()
	m.SessionDeleted(DeletedLogout)
	m.ObserveUpstream(200, nil, time.Second)
	s := memory.New()
	if got := m.InstrumentStore(s); got != session.Backend(s) {
		t.Error("nil metrics wrapped the store")
	}
}

func histogramCount(t *testing.T, o prometheus.Observer) uint64 {
	t.Helper()
	h, ok := o.(prometheus.Histogram)
	if !ok {
		t.Fatalf("%T is not a histogram", o)
	}
	out := make(chan prometheus.Metric, 1)
	h.Collect(out)
	var pb dto.Metric
	if err := (<-out).Write(&pb); err != nil {
		t.Fatal(err)
	}
	return pb.GetHistogram().GetSampleCount()
}

// TestLogoutCountsEndedSessions: the sessions a logout ended are counted per
// kind and as sessions deleted for reason logout.
func TestLogoutCountsEndedSessions(t *testing.T) {
	m := New(prometheus.NewPedanticRegistry())
	m.Logout(LogoutBackChannel, 3)
	m.LogoutRejected(LogoutFrontChannel, "issuer")
	for name, c := range map[string]prometheus.Collector{
		"logouts":         m.logouts.WithLabelValues("backchannel"),
		"sessions ended":  m.logoutSessions.WithLabelValues("backchannel"),
		"sessions delete": m.sessionsDeleted.WithLabelValues("logout"),
		"rejected":        m.logoutRejected.WithLabelValues("frontchannel", "issuer"),
	} {
		want := 3.0
		if name == "logouts" || name == "rejected" {
			want = 1
		}
		if got := testutil.ToFloat64(c); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
}
