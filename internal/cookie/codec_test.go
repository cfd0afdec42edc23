package cookie

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

type payload struct {
	ID  string `json:"i"`
	Key []byte `json:"k"`
}

func secret(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func TestCodecRoundTripAndRotation(t *testing.T) {
	old, err := NewCodec([][]byte{secret(1)}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := NewCodec([][]byte{secret(2), secret(1)}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	retired, err := NewCodec([][]byte{secret(2)}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	in := payload{ID: "abc", Key: []byte{1, 2, 3}}
	v, err := old.Encode("gatehouse", in)
	if err != nil {
		t.Fatal(err)
	}
	var out payload
	if err := rotated.Decode("gatehouse", v, &out); err != nil || out.ID != "abc" || !bytes.Equal(out.Key, in.Key) {
		t.Fatalf("value made with the old secret does not decode after rotation: %v %+v", err, out)
	}
	if err := retired.Decode("gatehouse", v, &out); !errors.Is(err, ErrInvalid) {
		t.Fatalf("value made with a removed secret decoded: %v", err)
	}
}

func TestCodecRejects(t *testing.T) {
	c, _ := NewCodec([][]byte{secret(1)}, time.Hour)
	valid, _ := c.Encode("gatehouse", payload{ID: "x"})
	flipped := []byte(valid)
	flipped[10] ^= 1
	cases := map[string]struct{ name, value string }{
		"other cookie name": {"other", valid},
		"bit flipped":       {"gatehouse", string(flipped)},
		"truncated":         {"gatehouse", valid[:len(valid)-4]},
		"empty":             {"gatehouse", ""},
		"oversized":         {"gatehouse", string(bytes.Repeat([]byte("A"), 5000))},
		"not base64":        {"gatehouse", "%%%"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var out payload
			if err := c.Decode(tc.name, tc.value, &out); !errors.Is(err, ErrInvalid) {
				t.Fatalf("Decode = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestNewCodecNeedsSecrets(t *testing.T) {
	if _, err := NewCodec(nil, time.Hour); err == nil {
		t.Fatal("NewCodec without secrets succeeded")
	}
}
