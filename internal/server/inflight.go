package server

import (
	"context"
	"net/http"
	"sync"
)

// inflight wraps the main handler to know when every request has returned,
// including upgraded (hijacked) connections, which http.Server.Shutdown does
// not track.
type inflight struct {
	next http.Handler
	wg   sync.WaitGroup
}

func (f *inflight) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.wg.Add(1)
	defer f.wg.Done()
	f.next.ServeHTTP(w, r)
}

// wait returns when every request has returned, or ctx's error first. Call it
// after Shutdown, when no new request can start.
func (f *inflight) wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		f.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
