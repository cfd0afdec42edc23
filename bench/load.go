package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// loadSpec is one measured window: conns keep-alive connections, each
// sending GETs back to back for duration after a warmup.
type loadSpec struct {
	url string
	// urls, when set, replace url: each connection's requests alternate
	// between them (replicas behind a load balancer).
	urls       []string
	conns      int
	warmup     time.Duration
	duration   time.Duration
	wantStatus int
	// cookies are the session cookies sent, round-robin across requests;
	// nil sends none.
	cookies *cookieCycle
	shape   requestShape
}

// cookieCycle is session cookies sent round-robin, and where the next
// request picks up. The windows of the spread over many sessions share one:
// each starts where the last stopped, so that a request's session was last
// used a whole cycle earlier, every other session in between, as with
// requests spread uniformly. Starting each window at the first cookie would
// send most of its requests to the few thousand sessions the previous
// window had just used, which the in-process caches still hold.
type cookieCycle struct {
	cookies []string
	next    atomic.Uint64
}

// cycleOf is a cycle of the non-empty cookies given; nil when there are none.
func cycleOf(cookies ...string) *cookieCycle {
	var cs []string
	for _, c := range cookies {
		if c != "" {
			cs = append(cs, c)
		}
	}
	if len(cs) == 0 {
		return nil
	}
	return &cookieCycle{cookies: cs}
}

// cookie is the next cookie of the cycle.
func (c *cookieCycle) cookie() string {
	return c.cookies[(c.next.Add(1)-1)%uint64(len(c.cookies))]
}

// requestShape is what the load generator's GET carries besides the session
// cookie.
type requestShape struct {
	header http.Header
	// appCookies are the application's own cookies, sent before the
	// session cookie ("" for none).
	appCookies string
}

// requestShapes are the -request choices. minimal is what a Go client sends;
// browser is a desktop Firefox navigation to a PHP application: the headers
// every upstream behind gatehouse sees from real users, which a bare proxy
// forwards too.
var requestShapes = map[string]requestShape{
	"minimal": {header: http.Header{"Accept": {"text/html"}}},
	"browser": {
		header: http.Header{
			"User-Agent":                {"Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"},
			"Accept":                    {"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
			"Accept-Language":           {"en-US,en;q=0.5"},
			"Accept-Encoding":           {"gzip, deflate, br, zstd"},
			"Referer":                   {"https://intranet.example.org/dashboard"},
			"Upgrade-Insecure-Requests": {"1"},
			"Sec-Fetch-Dest":            {"document"},
			"Sec-Fetch-Mode":            {"navigate"},
			"Sec-Fetch-Site":            {"same-origin"},
			"Sec-Fetch-User":            {"?1"},
			"Priority":                  {"u=0, i"},
		},
		appCookies: "PHPSESSID=9c1f5e7b2a4d6f8e0a1b3c5d7e9f1a2b; _csrf=4f2b8d1e6a9c3f7b0e5d2a8c6f1b9e3d7a4c0f6b2e8d5a1c; theme=dark; lang=en",
	},
}

// cookieHeader is the Cookie line for a session cookie ("" for none).
func (s requestShape) cookieHeader(session string) string {
	switch {
	case s.appCookies == "":
		return session
	case session == "":
		return s.appCookies
	}
	return s.appCookies + "; " + session
}

// loadResult is what the load generator saw in the measured part.
type loadResult struct {
	Requests int64
	Errors   int64 // transport errors and unexpected statuses
	Seconds  float64
	RPS      float64
	P50, P99 time.Duration
}

// newLoadClient is a client with one keep-alive connection per worker that
// never follows redirects (a 302 is the answer being measured).
func newLoadClient(conns int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:               nil,
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			MaxConnsPerHost:     conns,
			DisableCompression:  true,
			IdleConnTimeout:     time.Minute,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// runLoad drives spec and calls measure(true) when the measured part starts
// and measure(false) when it ends (to read CPU and Redis counters exactly
// around it).
func runLoad(ctx context.Context, spec loadSpec, around func(start bool)) (loadResult, error) {
	client := newLoadClient(spec.conns)
	defer client.CloseIdleConnections()

	var (
		measuring atomic.Bool
		stop      atomic.Bool
		wg        sync.WaitGroup
		mu        sync.Mutex
		all       []time.Duration
		requests  atomic.Int64
		errs      atomic.Int64
		firstErr  atomic.Value
	)
	for range spec.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, 1<<16)
			urls := spec.urls
			if len(urls) == 0 {
				urls = []string{spec.url}
			}
			reqs := make([]*http.Request, len(urls))
			for i, u := range urls {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				// A browser's navigation (Accept: text/html in every shape):
				// not logged in, it is redirected to log in (an API client
				// would get 401).
				for k, v := range spec.shape.header {
					req.Header[k] = v
				}
				if c := spec.shape.cookieHeader(""); c != "" {
					req.Header.Set("Cookie", c)
				}
				reqs[i] = req
			}
			for n := 0; !stop.Load(); n++ {
				req := reqs[n%len(reqs)]
				if spec.cookies != nil {
					req.Header.Set("Cookie", spec.shape.cookieHeader(spec.cookies.cookie()))
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				ok := err == nil
				if ok {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					ok = resp.StatusCode == spec.wantStatus
					if !ok {
						firstErr.CompareAndSwap(nil, fmt.Errorf("status %d, want %d", resp.StatusCode, spec.wantStatus))
					}
				} else {
					firstErr.CompareAndSwap(nil, err)
				}
				d := time.Since(t0)
				if measuring.Load() {
					if ok {
						requests.Add(1)
						lat = append(lat, d)
					} else {
						errs.Add(1)
					}
				}
				if ctx.Err() != nil {
					return
				}
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		}()
	}

	sleep(ctx, spec.warmup)
	around(true)
	measuring.Store(true)
	start := time.Now()
	sleep(ctx, spec.duration)
	measuring.Store(false)
	elapsed := time.Since(start)
	around(false)
	stop.Store(true)
	wg.Wait()

	res := loadResult{Requests: requests.Load(), Errors: errs.Load(), Seconds: elapsed.Seconds()}
	res.RPS = float64(res.Requests) / res.Seconds
	if len(all) > 0 {
		slices.Sort(all)
		res.P50 = all[len(all)/2]
		res.P99 = all[len(all)*99/100]
	}
	if res.Requests == 0 {
		err, _ := firstErr.Load().(error)
		return res, fmt.Errorf("no successful request to %s: %w", spec.url, err)
	}
	if res.Errors > 0 {
		err, _ := firstErr.Load().(error)
		return res, fmt.Errorf("%d failed requests to %s (first: %w)", res.Errors, spec.url, err)
	}
	return res, ctx.Err()
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// visitAll sends, unmeasured, one GET of url for each cookie of the cycle
// from where it stands, over conns connections: every session is used
// once, as it would have been in the steady state measured next.
func visitAll(ctx context.Context, url string, conns int, cycle *cookieCycle, shape requestShape) error {
	client := newLoadClient(conns)
	defer client.CloseIdleConnections()
	left := atomic.Int64{}
	left.Store(int64(len(cycle.cookies)))
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for left.Add(-1) >= 0 && ctx.Err() == nil && firstErr.Load() == nil {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				for k, v := range shape.header {
					req.Header[k] = v
				}
				req.Header.Set("Cookie", shape.cookieHeader(cycle.cookie()))
				resp, err := client.Do(req)
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					firstErr.CompareAndSwap(nil, fmt.Errorf("status %d, want 200", resp.StatusCode))
				}
			}
		}()
	}
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return fmt.Errorf("visit every session at %s: %w", url, err)
	}
	return ctx.Err()
}
