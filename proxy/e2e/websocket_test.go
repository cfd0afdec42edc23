package e2e

import (
	"bufio"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/testidp"
)

const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11" // RFC 6455

func wsAccept(key string) string {
	sum := sha1.Sum([]byte(key + wsGUID))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// wsEcho is a minimal RFC 6455 server: it completes the handshake, reports
// the identity it was given in a response header, and echoes one text frame.
var wsEcho = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		http.Error(w, "websocket only", http.StatusBadRequest)
		return
	}
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	fmt.Fprintf(rw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Accept: %s\r\nX-Seen-User: %s\r\n\r\n", wsAccept(r.Header.Get("Sec-WebSocket-Key")), r.Header.Get("X-Forwarded-User"))
	_ = rw.Flush()
	hdr := make([]byte, 2)
	if _, err := io.ReadFull(rw, hdr); err != nil {
		return
	}
	n := int(hdr[1] & 0x7f) // the test sends short frames only
	mask := make([]byte, 4)
	payload := make([]byte, n)
	if _, err := io.ReadFull(rw, mask); err != nil {
		return
	}
	if _, err := io.ReadFull(rw, payload); err != nil {
		return
	}
	for i := range payload {
		payload[i] ^= mask[i%4]
	}
	_, _ = rw.Write(append([]byte{0x81, byte(n)}, payload...)) // server frames are unmasked
	_ = rw.Flush()
})

// wsDial performs the opening handshake through gatehouse.
func wsDial(t *testing.T, g *gate, cookie string) (*http.Response, net.Conn, *bufio.Reader) {
	t.Helper()
	host := strings.TrimPrefix(g.URL, "http://")
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	k := base64.StdEncoding.EncodeToString(key)
	req := "GET /ws HTTP/1.1\r\nHost: " + host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + k + "\r\nX-Forwarded-User: admin\r\n"
	if cookie != "" {
		req += "Cookie: gatehouse=" + cookie + "\r\n"
	}
	fmt.Fprint(conn, req+"\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode == http.StatusSwitchingProtocols && resp.Header.Get("Sec-WebSocket-Accept") != wsAccept(k) {
		t.Fatal("wrong Sec-WebSocket-Accept")
	}
	return resp, conn, br
}

func TestWebSocketEcho(t *testing.T) {
	g := startGate(t, withUpstream(wsEcho))

	t.Run("with a session", func(t *testing.T) {
		b := newBrowser(t)
		b.loginAlice(g)
		resp, conn, br := wsDial(t, g, b.sessionCookie(g))
		if resp.StatusCode != http.StatusSwitchingProtocols {
			t.Fatalf("status %d, want 101", resp.StatusCode)
		}
		if got := resp.Header.Get("X-Seen-User"); got != testidp.Alice.ID {
			t.Fatalf("upstream saw X-Forwarded-User %q, want %q", got, testidp.Alice.ID)
		}
		msg := []byte("hello")
		mask := []byte{1, 2, 3, 4}
		frame := append([]byte{0x81, 0x80 | byte(len(msg))}, mask...)
		for i, c := range msg {
			frame = append(frame, c^mask[i%4])
		}
		if _, err := conn.Write(frame); err != nil {
			t.Fatal(err)
		}
		reply := make([]byte, 2+len(msg))
		if _, err := io.ReadFull(br, reply); err != nil {
			t.Fatal(err)
		}
		if string(reply[2:]) != "hello" {
			t.Fatalf("echo %q", reply[2:])
		}
	})

	t.Run("without a session", func(t *testing.T) {
		before := g.Upstream.count()
		resp, _, _ := wsDial(t, g, "")
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", resp.StatusCode)
		}
		if g.Upstream.count() != before {
			t.Fatal("the upgrade reached the upstream")
		}
	})
}
