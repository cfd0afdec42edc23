package config

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// leaf is one settable key: its dotted path and where it lives in Config.
type leaf struct {
	key   string
	index []int
	typ   reflect.Type
}

var durationType = reflect.TypeFor[time.Duration]()

// leavesOf lists the keys of struct type t in field order, using the
// key tags as key names. Fields tagged "-" are derived, not keys.
func leavesOf(t reflect.Type, prefix string, index []int) []leaf {
	var out []leaf
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Tag.Get("key")
		if name == "" || name == "-" {
			continue
		}
		idx := append(slices.Clone(index), i)
		if f.Type.Kind() == reflect.Struct && f.Type != durationType {
			out = append(out, leavesOf(f.Type, prefix+name+".", idx)...)
			continue
		}
		out = append(out, leaf{key: prefix + name, index: idx, typ: f.Type})
	}
	return out
}

// node is the shape of the key tree: a section has children, a leaf has none.
type node struct {
	children map[string]*node
	leafType reflect.Type
}

// schema builds the key tree of Config from its leaves.
func schema() *node {
	root := &node{children: map[string]*node{}}
	for _, l := range leavesOf(reflect.TypeFor[Config](), "", nil) {
		n := root
		parts := strings.Split(l.key, ".")
		for _, p := range parts[:len(parts)-1] {
			if n.children[p] == nil {
				n.children[p] = &node{children: map[string]*node{}}
			}
			n = n.children[p]
		}
		n.children[parts[len(parts)-1]] = &node{leafType: l.typ}
	}
	return root
}

// checkKeys reports every key of the file that Config does not know, and every
// section written as something other than a mapping. Keys are matched exactly
// (case-sensitively).
func checkKeys(raw any, n *node, prefix string, errs *problems) {
	m, ok := asMap(raw)
	if !ok {
		errs.add(strings.TrimSuffix(prefix, "."), "must be a mapping of keys, not %s", describe(raw))
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		child := n.children[k]
		switch {
		case child == nil:
			errs.add(prefix+keySegment(k), "unknown key")
		case child.leafType == nil && m[k] != nil:
			checkKeys(m[k], child, prefix+k+".", errs)
		}
	}
}

// asMap returns a YAML mapping as map[string]any, whatever its key type.
func asMap(v any) (map[string]any, bool) {
	switch m := v.(type) {
	case map[string]any:
		return m, true
	case map[any]any:
		out := make(map[string]any, len(m))
		for k, val := range m {
			out[fmt.Sprint(k)] = val
		}
		return out, true
	}
	return nil, false
}

// lookup finds a dotted key in a YAML mapping.
func lookup(raw map[string]any, key string) (any, bool) {
	var cur any = raw
	for _, part := range strings.Split(key, ".") {
		m, ok := asMap(cur)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// describe names the YAML kind of v for messages, without showing the value.
func describe(v any) string {
	switch v.(type) {
	case nil:
		return "empty"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case int, int64, uint64:
		return "an integer"
	case float64:
		return "a number"
	case []any, []string:
		return "a list"
	case map[string]any, map[any]any:
		return "a mapping"
	}
	return fmt.Sprintf("a %T", v)
}

// keySegment is an unknown key's name as it appears in a key path: as
// written when it reads as one, quoted when it is empty or holds a dot,
// space, quote or control character, so that a key named ".x" or "a b" is
// not mistaken for a path and no raw control character reaches a message or
// log line.
func keySegment(k string) string {
	if k == "" || strings.ContainsFunc(k, func(r rune) bool {
		return r == '.' || r == '"' || r == '\\' || !strconv.IsGraphic(r) || unicode.IsSpace(r)
	}) {
		return strconv.Quote(k)
	}
	return k
}
