package config

import (
	"reflect"
	"testing"
)

// TestEveryFieldNamesItsKey: a field without a `key` tag is silently no key
// at all (neither the file nor the environment can set it), which is what a
// field written with the old `mapstructure` tag, or none, would become.
// Derived fields say so with `key:"-"`.
func TestEveryFieldNamesItsKey(t *testing.T) {
	var walk func(typ reflect.Type, path string)
	walk = func(typ reflect.Type, path string) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			name, ok := f.Tag.Lookup("key")
			if !ok || name == "" {
				t.Errorf("%s.%s has no key tag: give it `key:\"name\"`, or `key:\"-\"` when it is derived", path, f.Name)
				continue
			}
			if name == "-" {
				continue
			}
			switch {
			case f.Type.Kind() == reflect.Struct && f.Type != durationType:
				walk(f.Type, path+"."+f.Name)
			case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct:
				walk(f.Type.Elem(), path+"."+f.Name+"[]")
			}
		}
	}
	walk(reflect.TypeFor[Config](), "Config")
}

func TestKeySegment(t *testing.T) {
	cases := []struct{ in, want string }{
		{"listen", "listen"},
		{"", `""`},
		{".pstream", `".pstream"`},
		{"a b", `"a b"`},
		{"x\x00", `"x\x00"`},
		{`q"`, `"q\""`},
	}
	for _, tc := range cases {
		if got := keySegment(tc.in); got != tc.want {
			t.Errorf("keySegment(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
