package sessionadmin_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/sessionadmin"
)

// TestWriteTableDevice: the network and device recorded at login are the
// last columns; sessions from before they were recorded show "-", and a
// tampered record cannot move the terminal's cursor.
func TestWriteTableDevice(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	rows := []sessionadmin.Row{
		{Session: "h1", Subject: "alice", Created: now, LastSeen: now, Expires: now, Address: "203.0.113.0/24", Device: "Chrome on Linux"},
		{Session: "h2", Subject: "alice", Created: now, LastSeen: now, Expires: now},
		{Session: "h3", Subject: "bob", Created: now, LastSeen: now, Expires: now, Address: "x", Device: "evil\x1b[2J"},
	}
	var out bytes.Buffer
	if err := sessionadmin.WriteTable(&out, rows); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	for i, want := range []string{"NETWORK         DEVICE", "203.0.113.0/24  Chrome on Linux", "-               -", "x               evil?[2J"} {
		if !strings.HasSuffix(lines[i], want) {
			t.Errorf("line %d %q does not end with %q", i, lines[i], want)
		}
	}
}
