package e2e

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestShutdownDrainsAndClosesUpgradedConnections: on SIGTERM an in-flight
// request finishes, and an upgraded connection (which http.Server.Shutdown
// ignores) is closed, so shutdown completes instead of hanging on it.
func TestShutdownDrainsAndClosesUpgradedConnections(t *testing.T) {
	slowStarted := make(chan struct{})
	upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/slow":
			close(slowStarted)
			time.Sleep(300 * time.Millisecond)
			_, _ = io.WriteString(w, "finished")
		case "/echo":
			conn, rw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				return
			}
			defer conn.Close()
			fmt.Fprint(rw, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
			_ = rw.Flush()
			_, _ = io.Copy(conn, rw)
		}
	})
	// "echo" is no WebSocket: it has to be allowed (upstream.allowed_upgrades).
	g := startGate(t, withUpstream(upstream), withEnv("GATEHOUSE_UPSTREAM_ALLOWED_UPGRADES=echo"))
	b := newBrowser(t)
	b.loginAlice(g)

	host := strings.TrimPrefix(g.URL, "http://")
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "GET /echo HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: echo\r\nCookie: gatehouse=%s\r\n\r\n", host, b.sessionCookie(g))
	br := bufio.NewReader(conn)
	if resp, err := http.ReadResponse(br, nil); err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v %v", resp, err)
	}

	slow := make(chan string, 1)
	go func() {
		resp := b.navigate(g.URL + "/slow")
		body, _ := io.ReadAll(resp.Body)
		slow <- fmt.Sprintf("%d %s", resp.StatusCode, body)
	}()
	<-slowStarted
	if err := g.stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if got := <-slow; got != "200 finished" {
		t.Fatalf("in-flight request during shutdown: %q", got)
	}
	// The upgraded connection was closed by gatehouse, not left open.
	_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, err = br.ReadString('\n')
	var ne net.Error
	if err == nil || (errors.As(err, &ne) && ne.Timeout()) {
		t.Fatalf("the upgraded connection is still open after shutdown (read: %v)", err)
	}
}
