package redis

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/session"
)

func TestRecord(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Millisecond)
	full := &session.Session{
		Subject: "alice", Email: "a@example.com", Groups: []string{"a", "b"},
		Extra:     map[string]any{"dept": "x\u0000y"}, // a NUL inside a claim is escaped in the JSON
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour),
		// Sealed tokens are arbitrary bytes, NULs included.
		Sealed: []byte{0, 1, 0, '{', '}', 0xff, 0},
	}
	tests := []struct {
		name string
		s    *session.Session
	}{
		{"full", full},
		{"no tokens", &session.Session{Subject: "bob", CreatedAt: now, LastSeenAt: now, ExpiresAt: now}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := encodeRecord(tt.s)
			if err != nil {
				t.Fatal(err)
			}
			var got session.Session
			if err := decodeRecord(string(raw), &got); err != nil {
				t.Fatal(err)
			}
			want := *tt.s
			if len(want.Sealed) == 0 {
				got.Sealed, want.Sealed = nil, nil
			}
			if !reflect.DeepEqual(&got, &want) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, want)
			}
			legacy, _ := json.Marshal(tt.s) // the all-JSON form written before
			if len(raw) > len(legacy) {
				t.Errorf("record is %d bytes, the all-JSON form %d", len(raw), len(legacy))
			}
		})
	}

	t.Run("all-JSON record still reads", func(t *testing.T) {
		legacy, _ := json.Marshal(full)
		var got session.Session
		if err := decodeRecord(string(legacy), &got); err != nil || !bytes.Equal(got.Sealed, full.Sealed) || got.Subject != "alice" {
			t.Fatalf("decode all-JSON = %+v, %v", got, err)
		}
	})
	t.Run("broken record", func(t *testing.T) {
		var got session.Session
		if err := decodeRecord("{broken\x00tokens", &got); err == nil {
			t.Fatal("decode of a broken record = nil error")
		}
	})
}
