package config

import (
	"reflect"
)

// ChangedKeys lists, in key order, the keys whose values differ between a
// and b (both loaded by Load). Values are compared, never reported: the list
// is safe to log even when secrets changed.
func ChangedKeys(a, b *Config) []string {
	va, vb := reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem()
	var out []string
	for _, l := range leavesOf(reflect.TypeFor[Config](), "", nil) {
		if !reflect.DeepEqual(va.FieldByIndex(l.index).Interface(), vb.FieldByIndex(l.index).Interface()) {
			out = append(out, l.key)
		}
	}
	return out
}

// KeepKeys sets, in dst, every key for which keep is true to its value in
// src. A reload uses it to hold the keys that only a restart applies at the
// values the running process was started with.
func KeepKeys(dst, src *Config, keep func(key string) bool) {
	vd, vs := reflect.ValueOf(dst).Elem(), reflect.ValueOf(src).Elem()
	for _, l := range leavesOf(reflect.TypeFor[Config](), "", nil) {
		if keep(l.key) {
			vd.FieldByIndex(l.index).Set(vs.FieldByIndex(l.index))
		}
	}
}

// Files lists the *_file paths c names (secrets read at load), so that a
// watcher can notice when one changes.
func (c *Config) Files() []string {
	var out []string
	for _, sf := range secretFiles {
		if path := sf.file(c); path != "" {
			out = append(out, path)
		}
	}
	return out
}
