package e2e

import (
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/gatehouse/gatehouse/internal/testidp"
)

// TestMetricsCountWhatHappened drives each request outcome, a login, a failed
// callback and a logout through the real server, then scrapes /metrics on the
// ops listener as Prometheus would and checks that each counter moved by
// exactly what happened.
func TestMetricsCountWhatHappened(t *testing.T) {
	crashing := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/crash" {
			panic(http.ErrAbortHandler) // the upstream drops the connection without answering
		}
		_, _ = w.Write([]byte("hello from upstream"))
	})
	g := startGate(t, withStore("redis"), withUpstream(crashing))
	b := newBrowser(t)

	if resp := b.api(g.URL + "/api/items"); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("api without session: %d, want 401", resp.StatusCode)
	}
	if resp := b.navigate(g.URL + "/page"); resp.StatusCode != http.StatusFound {
		t.Fatalf("navigation without session: %d, want 302", resp.StatusCode)
	}
	if resp := b.navigate(g.URL + "/oauth2/callback?state=forged&code=x"); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("forged callback: %d, want 400", resp.StatusCode)
	}
	b.login(g, "/", testidp.Alice.Username, testidp.Alice.Password)
	for range 3 {
		if resp := b.navigate(g.URL + "/"); resp.StatusCode != http.StatusOK {
			t.Fatalf("proxied request: %d, want 200", resp.StatusCode)
		}
	}
	if resp := b.navigate(g.URL + "/crash"); resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("crashing upstream: %d, want 502", resp.StatusCode)
	}
	// The test provider has an end_session endpoint: logout goes there.
	if resp := b.navigate(g.URL + "/oauth2/logout"); resp.StatusCode != http.StatusFound {
		t.Fatalf("logout: %d, want 302 to the provider", resp.StatusCode)
	}

	// A second browser is logged in when the store goes away.
	b2 := newBrowser(t)
	b2.loginAlice(g)
	g.Redis.Stop()
	if resp := b2.navigate(g.URL + "/"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("store down: %d, want 503", resp.StatusCode)
	}

	got := scrape(t, g)
	for series, want := range map[string]float64{
		`gatehouse_requests_total{outcome="unauthorized"}`:                                 1,
		`gatehouse_requests_total{outcome="redirected_to_login"}`:                          1,
		`gatehouse_requests_total{outcome="proxied"}`:                                      3,
		`gatehouse_requests_total{outcome="upstream_error"}`:                               1,
		`gatehouse_requests_total{outcome="store_unavailable"}`:                            1,
		`gatehouse_requests_total{outcome="forbidden"}`:                                    0,
		`gatehouse_logins_started_total`:                                                   2,
		`gatehouse_logins_completed_total`:                                                 2,
		`gatehouse_logins_failed_total{reason="invalid_callback"}`:                         1,
		`gatehouse_logins_failed_total{reason="exchange_failed"}`:                          0,
		`gatehouse_sessions_created_total`:                                                 2,
		`gatehouse_sessions_deleted_total{reason="logout"}`:                                1,
		`gatehouse_logouts_total{kind="user"}`:                                             1,
		`gatehouse_token_refreshes_total{result="ok"}`:                                     0,
		`gatehouse_upstream_request_duration_seconds_count{code="2xx"}`:                    3,
		`gatehouse_upstream_request_duration_seconds_count{code="error"}`:                  1,
		`gatehouse_store_operation_duration_seconds_count{operation="save",result="ok"}`:   2,
		`gatehouse_store_operation_duration_seconds_count{operation="delete",result="ok"}`: 1,
		`gatehouse_store_operation_duration_seconds_count{operation="claim",result="ok"}`:  2,
		`gatehouse_oidc_provider_ready`:                                                    1,
	} {
		if got[series] != want {
			t.Errorf("%s = %v, want %v", series, got[series], want)
		}
	}
	// Load ran for every request with a cookie; with Redis stopped it failed.
	for _, series := range []string{
		`gatehouse_store_operation_duration_seconds_count{operation="load",result="ok"}`,
		`gatehouse_store_operation_duration_seconds_count{operation="load",result="error"}`,
	} {
		if got[series] < 1 {
			t.Errorf("%s = %v, want at least 1", series, got[series])
		}
	}
}

// scrape reads /metrics in the text format and returns each sample under its
// name and sorted labels, written as in PromQL: name{a="x",b="y"}.
func scrape(t *testing.T, g *gate) map[string]float64 {
	t.Helper()
	resp, err := http.Get(g.OpsURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %d", resp.StatusCode)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	out := map[string]float64{}
	for name, fam := range families {
		for _, m := range fam.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+`="`+l.GetValue()+`"`)
			}
			sort.Strings(labels)
			key := func(suffix string) string {
				if len(labels) == 0 {
					return name + suffix
				}
				return name + suffix + "{" + strings.Join(labels, ",") + "}"
			}
			switch {
			case m.Counter != nil:
				out[key("")] = m.GetCounter().GetValue()
			case m.Gauge != nil:
				out[key("")] = m.GetGauge().GetValue()
			case m.Histogram != nil:
				out[key("_count")] = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return out
}

// TestMetricsCountRefreshes: a request after the access token is due for
// refresh moves gatehouse_token_refreshes_total{result="ok"}.
func TestMetricsCountRefreshes(t *testing.T) {
	clock := newClock()
	g := startGate(t, clockTokens(clock, withStore("redis"))...)
	b := newBrowser(t)
	b.loginAlice(g)
	clock.Advance(untilDue)
	if resp := b.api(g.URL + "/api/items"); resp.StatusCode != http.StatusOK {
		t.Fatalf("request after refresh is due: %d", resp.StatusCode)
	}
	got := scrape(t, g)
	for series, want := range map[string]float64{
		`gatehouse_token_refreshes_total{result="ok"}`:     1,
		`gatehouse_token_refreshes_total{result="failed"}`: 0,
	} {
		if got[series] != want {
			t.Errorf("%s = %v, want %v", series, got[series], want)
		}
	}
}
