package oidcclient

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"go.uber.org/zap"
)

// TestProviderConnectionsReused: requests to the provider that come all at
// once, as the token exchanges of a login storm do, reuse the connections
// the previous wave opened instead of each opening (with TLS: a handshake)
// and closing one. Go's default transport keeps two idle connections per
// host, so each wave after the first opened all but two anew.
func TestProviderConnectionsReused(t *testing.T) {
	const wave, waves = 16, 3
	var opened atomic.Int32
	arrived := make(chan struct{}, wave)
	var release atomic.Pointer[chan struct{}] // the current wave's
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		arrived <- struct{}{}
		<-*release.Load() // every request of a wave is in flight at once
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)

	client := New(Options{Issuer: srv.URL}, zap.NewNop()).opts.HTTPClient
	for w := range waves {
		ch := make(chan struct{})
		release.Store(&ch)
		var wg sync.WaitGroup
		for range wave {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := client.Get(srv.URL + "/token")
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
			}()
		}
		for range wave {
			<-arrived
		}
		close(ch)
		wg.Wait()
		t.Logf("after wave %d: %d connections opened", w+1, opened.Load())
	}
	// A connection handed back a moment after the next wave started may
	// make that wave open one more; every wave opening most of its own is
	// what must not happen.
	if n := opened.Load(); n > wave+wave/2 {
		t.Fatalf("%d connections opened for %d waves of %d requests, want about %d (reused)", n, waves, wave, wave)
	}
}
