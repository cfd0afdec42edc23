package claims

import (
	"encoding/json"
	"slices"
	"testing"
	"time"
)

func TestText(t *testing.T) {
	cases := []struct {
		in   any
		want string
		ok   bool
	}{
		{"alice", "alice", true},
		{"", "", true},
		{true, "true", true},
		{false, "false", true},
		{42.0, "42", true},
		{1.5, "1.5", true},
		{1e21, "1000000000000000000000", true},
		{json.Number("12345678901234567890"), "12345678901234567890", true},
		{int64(7), "7", true},
		{uint8(7), "7", true},
		{nil, "", false},
		{[]any{"a"}, "", false},
		{map[string]any{"a": "b"}, "", false},
	}
	for _, tc := range cases {
		got, ok := Text(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Text(%#v) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestList(t *testing.T) {
	cases := []struct {
		name string
		in   any
		want []string
	}{
		{"array", []any{"admins", "staff"}, []string{"admins", "staff"}},
		{"array of strings", []string{"a", "b"}, []string{"a", "b"}},
		{"array with other types", []any{"a", 2.0, true, nil, map[string]any{"x": 1}, []any{"nested"}, ""}, []string{"a", "2", "true"}},
		{"single string", "admins", []string{"admins"}},
		{"comma-separated", "admins, staff ,,ops", []string{"admins", "staff", "ops"}},
		{"empty string", "", nil},
		{"number", 7.0, []string{"7"}},
		{"object", map[string]any{"roles": []any{"a"}}, nil},
		{"absent", nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := List(tc.in); !slices.Equal(got, tc.want) {
				t.Errorf("List = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestValuesNeverSplitsStrings(t *testing.T) {
	if got := Values("Smith, John"); !slices.Equal(got, []string{"Smith, John"}) {
		t.Errorf("Values = %q", got)
	}
	if got := Values([]any{"a", "b"}); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("Values = %q", got)
	}
	if got := Values(map[string]any{}); got != nil {
		t.Errorf("an object has values %q", got)
	}
}

func TestItems(t *testing.T) {
	if _, ok := Items("a,b"); ok {
		t.Error("a string read as an array")
	}
	if got, ok := Items([]any{"a", map[string]any{}, 1.0}); !ok || !slices.Equal(got, []string{"a", "1"}) {
		t.Errorf("Items = %q, %v", got, ok)
	}
}

func TestBool(t *testing.T) {
	cases := []struct {
		in        any
		value, ok bool
	}{
		{true, true, true},
		{false, false, true},
		{"true", true, true},
		{" TRUE ", true, true},
		{"false", false, true},
		{"yes", false, false},
		{1.0, false, false},
		{nil, false, false},
	}
	for _, tc := range cases {
		v, ok := Bool(tc.in)
		if v != tc.value || ok != tc.ok {
			t.Errorf("Bool(%#v) = %v, %v", tc.in, v, ok)
		}
	}
}

func TestTime(t *testing.T) {
	want := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	cases := []struct {
		name string
		in   any
		want time.Time
		ok   bool
	}{
		{"number", float64(want.Unix()), want, true},
		{"json.Number", json.Number("1714979289"), want, true},
		{"int64", want.Unix(), want, true},
		{"numeric string", "1714979289", want, true},
		{"RFC 3339", "2024-05-06T07:08:09Z", want, true},
		{"RFC 3339 with offset", "2024-05-06T09:08:09+02:00", want, true},
		{"fraction", 1714979289.5, want.Add(500 * time.Millisecond), true},
		{"not a time", "yesterday", time.Time{}, false},
		{"bool", true, time.Time{}, false},
		{"huge", 1e300, time.Time{}, false},
		{"absent", nil, time.Time{}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Time(tc.in)
			if ok != tc.ok || !got.Equal(tc.want) {
				t.Errorf("Time = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}
