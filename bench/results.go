package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// window is one measured window.
type window struct {
	Config    string  `json:"config"`
	Conns     int     `json:"connections"`
	Rep       int     `json:"rep,omitempty"`
	Requests  int64   `json:"requests"`
	RPS       float64 `json:"requests_per_second"`
	P50       float64 `json:"p50_us"`
	P99       float64 `json:"p99_us"`
	CPUPer10k float64 `json:"cpu_seconds_per_10k"` // -1: unknown
	// UpstreamCPUPer10k is the upstream's CPU for the same requests: it
	// shares the servers' core, and gatehouse's larger requests (identity
	// headers, assertion) cost it more to parse.
	UpstreamCPUPer10k float64 `json:"upstream_cpu_seconds_per_10k"`
	// RedisCmdsPerReq is nil for stores without Redis.
	RedisCmdsPerReq *float64 `json:"redis_commands_per_request,omitempty"`
}

// summary is the median over repetitions of one configuration at one
// concurrency, with ratios to the bare proxy at the same concurrency.
type summary struct {
	window
	RPSRatio float64 `json:"rps_ratio_to_bare"`
	P99Ratio float64 `json:"p99_ratio_to_bare"`
	CPURatio float64 `json:"cpu_ratio_to_bare"`
	AddedP50 float64 `json:"added_p50_us"`
	// Ratios to bare-identity, the bare proxy sending a copy of gatehouse's
	// headers: what gatehouse's own work costs, the headers set apart.
	RPSRatioIdentity float64 `json:"rps_ratio_to_bare_identity,omitempty"`
	CPURatioIdentity float64 `json:"cpu_ratio_to_bare_identity,omitempty"`
	Reps             int     `json:"reps"`
}

type loginResult struct {
	Config   string  `json:"config"`
	Logins   int     `json:"logins"`
	MedianMs float64 `json:"median_ms"`
	P90Ms    float64 `json:"p90_ms"`
}

type memoryResult struct {
	PerSession        int64            `json:"bytes_per_session"` // session + index keys
	ByKind            map[string]int64 `json:"bytes_by_key_kind"`
	SealedBytes       int              `json:"sealed_tokens_bytes"`
	IDTokenBytes      int              `json:"id_token_bytes"`
	AccessTokenBytes  int              `json:"access_token_bytes"`
	RefreshTokenBytes int              `json:"refresh_token_bytes"`
}

type scaleResult struct {
	Config               string  `json:"config"`
	Sessions             int     `json:"sessions"`
	Conns                int     `json:"connections"`
	RedisBytesPerSession float64 `json:"redis_used_memory_per_session"`
	RSSBeforeMiB         float64 `json:"rss_before_mib"`
	RSSAfterMiB          float64 `json:"rss_after_mib"`
	One                  window  `json:"one_session_in_store"`
	OneOfMany            window  `json:"one_session_among_all"`
	Spread               window  `json:"spread_over_all"`
	// TwoReplicas is the spread over all sessions through two replicas on
	// the same Redis, requests alternating between them (replicas.go).
	TwoReplicas   window    `json:"two_replicas_spread_over_all"`
	ReplicaRSSMiB []float64 `json:"replica_rss_mib,omitempty"`
	// Reps is the spread of requests/s over the repetitions, by measurement.
	Reps map[string]rpsSpread `json:"rps_over_reps,omitempty"`
}

type setup struct {
	Method     string    `json:"method"`
	GoVersion  string    `json:"go"`
	CPUs       int       `json:"cpus"`
	Duration   string    `json:"window"`
	Warmup     string    `json:"warmup"`
	Reps       int       `json:"reps"`
	Conns      []int     `json:"connections"`
	Smoke      bool      `json:"smoke"`
	StartedAt  time.Time `json:"started_at"`
	UpstreamKB float64   `json:"upstream_response_kib"`
	Request    string    `json:"request"` // -request: minimal or browser
}

// results is everything a run measured; it is also the JSON output.
type results struct {
	Setup           setup         `json:"setup"`
	Windows         []window      `json:"windows"`
	Summary         []summary     `json:"summary"`
	Unauthenticated *window       `json:"unauthenticated_302,omitempty"`
	Login           *loginResult  `json:"login_round_trip,omitempty"`
	Memory          *memoryResult `json:"redis_memory_per_session,omitempty"`
	Scale           *scaleResult  `json:"scale,omitempty"`
	Storm           []stormResult `json:"login_storm,omitempty"`
	StormNote       string        `json:"login_storm_note,omitempty"`
	Errors          []string      `json:"errors,omitempty"`
}

func (r *results) describe(o options, pin pinning) {
	method := "unpinned (no taskset or one core): servers and load generator share the cores"
	if pin.servers != "" {
		method = "servers (upstream, proxy, Redis) pinned to core 0, load generator and provider to core 1 (taskset)"
		if pin.redis != pin.servers {
			method = "servers (upstream, proxy) pinned to core 0, load generator, provider and Redis to core 1 (taskset, -redis-apart)"
		}
	}
	cpus := runtime.NumCPU()
	if n, err := strconv.Atoi(os.Getenv(pinnedEnv)); err == nil {
		cpus = n // the machine's, counted before pinning to one core
	}
	r.Setup = setup{
		Method: method, GoVersion: runtime.Version(), CPUs: cpus,
		Duration: o.duration.String(), Warmup: o.warmup.String(), Reps: o.reps, Conns: o.conns,
		Smoke: o.smoke, StartedAt: time.Now().UTC(), UpstreamKB: float64(len(upstreamBody)) / 1024,
		Request: o.request,
	}
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// summarize takes the median of every figure over the repetitions.
func (r *results) summarize() {
	type k struct {
		cfg   string
		conns int
	}
	var order []k
	groups := map[k][]window{}
	for _, w := range r.Windows {
		key := k{w.Config, w.Conns}
		if _, ok := groups[key]; !ok {
			order = append(order, key)
		}
		groups[key] = append(groups[key], w)
	}
	slices.SortStableFunc(order, func(a, b k) int { return a.conns - b.conns })
	med := func(ws []window, f func(window) float64) float64 {
		var xs []float64
		for _, w := range ws {
			xs = append(xs, f(w))
		}
		return median(xs)
	}
	for _, key := range order {
		ws := groups[key]
		s := summary{Reps: len(ws)}
		s.Config, s.Conns = key.cfg, key.conns
		s.RPS = med(ws, func(w window) float64 { return w.RPS })
		s.P50 = med(ws, func(w window) float64 { return w.P50 })
		s.P99 = med(ws, func(w window) float64 { return w.P99 })
		s.CPUPer10k = med(ws, func(w window) float64 { return w.CPUPer10k })
		s.UpstreamCPUPer10k = med(ws, func(w window) float64 { return w.UpstreamCPUPer10k })
		if ws[0].RedisCmdsPerReq != nil {
			v := med(ws, func(w window) float64 { return *w.RedisCmdsPerReq })
			s.RedisCmdsPerReq = &v
		}
		for _, w := range ws {
			s.Requests += w.Requests
		}
		r.Summary = append(r.Summary, s)
	}
	for i := range r.Summary {
		s := &r.Summary[i]
		base := r.find("bare", s.Conns)
		if base == nil {
			continue
		}
		s.RPSRatio = s.RPS / base.RPS
		s.P99Ratio = s.P99 / base.P99
		s.AddedP50 = s.P50 - base.P50
		if s.CPUPer10k > 0 && base.CPUPer10k > 0 {
			s.CPURatio = s.CPUPer10k / base.CPUPer10k
		}
		if id := r.find(bareIdentityName, s.Conns); id != nil {
			s.RPSRatioIdentity = s.RPS / id.RPS
			if s.CPUPer10k > 0 && id.CPUPer10k > 0 {
				s.CPURatioIdentity = s.CPUPer10k / id.CPUPer10k
			}
		}
	}
}

func (r *results) find(cfg string, conns int) *summary {
	for i := range r.Summary {
		if r.Summary[i].Config == cfg && r.Summary[i].Conns == conns {
			return &r.Summary[i]
		}
	}
	return nil
}

func (r *results) writeJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// markdown renders the results as the table docs/performance.md describes.
func (r *results) markdown() string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("## gatehouse vs bare httputil.ReverseProxy\n\n")
	p("%s; %s, %d CPUs; %s windows after %s warmup, median of %d interleaved repetitions; upstream %.0f KiB; %s request (-request).\n\n",
		r.Setup.Method, r.Setup.GoVersion, r.Setup.CPUs, r.Setup.Duration, r.Setup.Warmup, r.Setup.Reps, r.Setup.UpstreamKB, r.Setup.Request)
	p("| config | conns | req/s | ×bare | p50 µs | +p50 µs | p99 µs | p99 ×bare | CPU s/10k req | CPU ×bare | upstream CPU s/10k | Redis cmds/req | req/s ×bare-identity | CPU ×bare-identity |\n")
	p("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, s := range r.Summary {
		cmds := "–"
		if s.RedisCmdsPerReq != nil {
			cmds = fmt.Sprintf("%.3f", *s.RedisCmdsPerReq)
		}
		cpu, cpuRatio := "n/a", "n/a"
		if s.CPUPer10k >= 0 {
			cpu = fmt.Sprintf("%.3f", s.CPUPer10k)
		}
		if s.CPURatio > 0 {
			cpuRatio = fmt.Sprintf("%.2f", s.CPURatio)
		}
		idRPS, idCPU := "–", "–"
		baseline := s.Config == "bare" || s.Config == bareIdentityName
		if s.RPSRatioIdentity > 0 && !baseline {
			idRPS = fmt.Sprintf("%.2f", s.RPSRatioIdentity)
		}
		if s.CPURatioIdentity > 0 && !baseline {
			idCPU = fmt.Sprintf("%.2f", s.CPURatioIdentity)
		}
		p("| %s | %d | %.0f | %.2f | %.0f | %+.0f | %.0f | %.2f | %s | %s | %.3f | %s | %s | %s |\n",
			s.Config, s.Conns, s.RPS, s.RPSRatio, s.P50, s.AddedP50, s.P99, s.P99Ratio, cpu, cpuRatio, s.UpstreamCPUPer10k, cmds, idRPS, idCPU)
	}
	p("\n- bare-identity is the bare proxy sending a fixed copy of the headers gatehouse sent upstream for the logged-in user " +
		"(identity headers, assertion, X-Forwarded-Host/-Proto, X-Request-Id) and no Cookie: the cost of the headers themselves, " +
		"on both sides of the upstream connection. The ×bare-identity columns are the cost of gatehouse's own work.\n")
	if u := r.Unauthenticated; u != nil {
		p("- Not logged in (302 to the provider), %s, %d conns: %.0f req/s, p50 %.0f µs, p99 %.0f µs, CPU %.3f s/10k req.\n",
			u.Config, u.Conns, u.RPS, u.P50, u.P99, u.CPUPer10k)
	}
	if l := r.Login; l != nil {
		p("- Login round trip (protected page → provider form → callback → page), %s: median %.1f ms, p90 %.1f ms over %d logins (provider in the load generator's process).\n",
			l.Config, l.MedianMs, l.P90Ms, l.Logins)
	}
	if m := r.Memory; m != nil {
		p("- Redis memory per session (MEMORY USAGE of the session key and its index keys, right after one real login): %d bytes %v "+
			"(c: the login's one-time state, not counted; it expires after 10 min); tokens: ID %d, access %d, refresh %d bytes, sealed %d bytes.\n",
			m.PerSession, m.ByKind, m.IDTokenBytes, m.AccessTokenBytes, m.RefreshTokenBytes, m.SealedBytes)
	}
	p("%s", r.stormLines()) // storm.go
	for _, e := range r.Errors {
		p("- FAILED: %s\n", e)
	}
	if s := r.Scale; s != nil {
		p("- %d live sessions (written through the Redis store, realistic sizes), %s, %d conns: Redis used_memory %.0f bytes/session; "+
			"gatehouse RSS %.0f MiB before seeding, %.0f MiB after every session was used.\n",
			s.Sessions, s.Config, s.Conns, s.RedisBytesPerSession, s.RSSBeforeMiB, s.RSSAfterMiB)
		p("  Throughput (median of %d alternations with an identical gatehouse whose store holds 1 session): 1 session %.0f req/s (CPU %.3f s/10k); "+
			"one session among %d %.0f req/s (×%.2f, CPU %.3f); requests spread over all %d %.0f req/s (×%.2f, p99 %.0f µs, CPU %.3f, Redis %s cmds/req).\n",
			r.Setup.Reps, s.One.RPS, s.One.CPUPer10k, s.Sessions, s.OneOfMany.RPS, s.OneOfMany.RPS/s.One.RPS, s.OneOfMany.CPUPer10k,
			s.Sessions, s.Spread.RPS, s.Spread.RPS/s.One.RPS, s.Spread.P99, s.Spread.CPUPer10k, cmdsPerReq(s.Spread))
		p("%s", s.replicaLines())
	}
	return b.String()
}

// replicaLines renders the two-replica spread and the spread over the
// repetitions of every scale measurement.
func (s *scaleResult) replicaLines() string {
	if s.TwoReplicas.Requests == 0 {
		return ""
	}
	var b strings.Builder
	rss := ""
	for i, m := range s.ReplicaRSSMiB {
		if i > 0 {
			rss += ", "
		}
		rss += fmt.Sprintf("%.0f MiB", m)
	}
	fmt.Fprintf(&b, "  Two replicas on the same Redis, requests alternating between them, spread over all %d: %.0f req/s (×%.2f of 1 session, p99 %.0f µs, CPU %.3f s/10k for both, Redis %s cmds/req); RSS %s.\n",
		s.Sessions, s.TwoReplicas.RPS, s.TwoReplicas.RPS/s.One.RPS, s.TwoReplicas.P99, s.TwoReplicas.CPUPer10k, cmdsPerReq(s.TwoReplicas), rss)
	if one, ok := s.Reps["one"]; ok {
		fmt.Fprintf(&b, "  Over %d repetitions, median (min–max) against 1 session: one among many %s, spread %s, two replicas %s.\n",
			one.N, ratioRange(s.Reps["one_of_many"], one), ratioRange(s.Reps["spread"], one), ratioRange(s.Reps["two_replicas"], one))
	}
	return b.String()
}

// cmdsPerReq is a window's Redis commands per request ("–" without Redis).
// Commands run by scripts count, as INFO commandstats counts them.
func cmdsPerReq(w window) string {
	if w.RedisCmdsPerReq == nil {
		return "–"
	}
	return fmt.Sprintf("%.1f", *w.RedisCmdsPerReq)
}
