package config

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// convert turns a YAML or environment value into a value of type t. Strings
// are parsed strictly; a problem is reported under key. Values of string
// fields are never quoted in messages, because some of them are secrets.
func convert(raw any, t reflect.Type, key string, errs *problems) (reflect.Value, bool) {
	switch {
	case t == durationType:
		d, err := toDuration(raw)
		if err != nil {
			errs.add(key, "%s", err)
			return reflect.Value{}, false
		}
		return reflect.ValueOf(d), true
	case t.Kind() == reflect.String:
		s, ok := toString(raw)
		if !ok {
			errs.add(key, "must be a string, not %s", describe(raw))
			return reflect.Value{}, false
		}
		return reflect.ValueOf(s), true
	case t.Kind() == reflect.Bool:
		switch b := raw.(type) {
		case bool:
			return reflect.ValueOf(b), true
		case string:
			switch strings.ToLower(strings.TrimSpace(b)) {
			case "true":
				return reflect.ValueOf(true), true
			case "false":
				return reflect.ValueOf(false), true
			}
			errs.add(key, "%q is not true or false", b)
		default:
			errs.add(key, "must be true or false, not %s", describe(raw))
		}
		return reflect.Value{}, false
	case t.Kind() == reflect.Int:
		n, err := toInt(raw)
		if err != nil {
			errs.add(key, "%s", err)
			return reflect.Value{}, false
		}
		return reflect.ValueOf(n), true
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String:
		return toStrings(raw, key, errs)
	case t.Kind() == reflect.Map:
		return toStringMap(raw, key, errs)
	case t == publicPathsType:
		return toPublicPaths(raw, t, key, errs)
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct:
		return toStructs(raw, t, key, errs)
	}
	panic("config: no conversion for " + t.String() + " (key " + key + ")")
}

func toDuration(raw any) (time.Duration, error) {
	switch d := raw.(type) {
	case string:
		parsed, err := time.ParseDuration(strings.TrimSpace(d))
		if err != nil {
			return 0, fmt.Errorf("%q is not a duration", d)
		}
		return parsed, nil
	case int:
		if d == 0 {
			return 0, nil
		}
		return 0, fmt.Errorf("%d is not a duration: give a unit, such as \"90s\" or \"8h\"", d)
	}
	return 0, fmt.Errorf("must be a duration such as \"90s\" or \"8h\", not %s", describe(raw))
}

func toInt(raw any) (int, error) {
	switch n := raw.(type) {
	case int:
		return n, nil
	case int64:
		return int(n), nil
	case uint64:
		if n <= uint64(int(^uint(0)>>1)) {
			return int(n), nil
		}
	case string:
		parsed, err := strconv.Atoi(strings.TrimSpace(n))
		if err != nil {
			return 0, fmt.Errorf("%q is not an integer", n)
		}
		return parsed, nil
	}
	return 0, fmt.Errorf("must be an integer, not %s", describe(raw))
}

// toString accepts a YAML scalar as a string, so that client_id: 12345 works.
func toString(raw any) (string, bool) {
	switch s := raw.(type) {
	case string:
		return s, true
	case int:
		return strconv.Itoa(s), true
	case int64:
		return strconv.FormatInt(s, 10), true
	case uint64:
		return strconv.FormatUint(s, 10), true
	case float64:
		return strconv.FormatFloat(s, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(s), true
	}
	return "", false
}

// pemLists are list keys whose items are PEM text, which contains spaces and
// newlines: their environment form is one item, not a comma/space list.
var pemLists = map[string]bool{"identity.assertion.keys": true}

// toStrings accepts a YAML list, or a string of items separated by commas
// and/or spaces (the environment form).
func toStrings(raw any, key string, errs *problems) (reflect.Value, bool) {
	switch list := raw.(type) {
	case string:
		if pemLists[key] {
			return reflect.ValueOf([]string{list}), true
		}
		return reflect.ValueOf(splitList(list)), true
	case []string:
		return reflect.ValueOf(slices.Clone(list)), true
	case []any:
		out := make([]string, 0, len(list))
		ok := true
		for i, item := range list {
			s, isString := toString(item)
			if !isString {
				errs.add(fmt.Sprintf("%s[%d]", key, i), "must be a string, not %s", describe(item))
				ok = false
				continue
			}
			out = append(out, s)
		}
		return reflect.ValueOf(out), ok
	}
	errs.add(key, "must be a list, not %s", describe(raw))
	return reflect.Value{}, false
}

// toStructs decodes a YAML list of mappings (authorization.rules) into a
// slice of structs, reporting unknown keys as key[i].name. Such lists have no
// environment form.
func toStructs(raw any, t reflect.Type, key string, errs *problems) (reflect.Value, bool) {
	if _, isString := raw.(string); isString {
		errs.add(key, "cannot be set from the environment; set it in the config file")
		return reflect.Value{}, false
	}
	list, isList := raw.([]any)
	if !isList {
		errs.add(key, "must be a list, not %s", describe(raw))
		return reflect.Value{}, false
	}
	fields := leavesOf(t.Elem(), "", nil)
	out := reflect.MakeSlice(t, len(list), len(list))
	ok := true
	for i, item := range list {
		itemKey := fmt.Sprintf("%s[%d]", key, i)
		m, isMap := asMap(item)
		if !isMap {
			errs.add(itemKey, "must be a mapping, not %s", describe(item))
			ok = false
			continue
		}
		known := map[string]bool{}
		for _, f := range fields {
			known[f.key] = true
			v, present := m[f.key]
			if !present || v == nil {
				continue
			}
			val, converted := convert(v, f.typ, itemKey+"."+f.key, errs)
			if !converted {
				ok = false
				continue
			}
			out.Index(i).FieldByIndex(f.index).Set(val)
		}
		for _, name := range slices.Sorted(maps.Keys(m)) {
			if !known[name] {
				errs.add(itemKey+"."+keySegment(name), "unknown key")
				ok = false
			}
		}
	}
	return out, ok
}

// toStringMap accepts a YAML mapping of strings, or a string of NAME=value
// pairs separated by commas and/or spaces (the environment form).
func toStringMap(raw any, key string, errs *problems) (reflect.Value, bool) {
	out := map[string]string{}
	if s, isString := raw.(string); isString {
		for _, pair := range splitList(s) {
			name, value, ok := strings.Cut(pair, "=")
			if !ok {
				errs.add(key, "%q is not NAME=value", pair)
				return reflect.Value{}, false
			}
			out[name] = value
		}
		return reflect.ValueOf(out), true
	}
	m, isMap := asMap(raw)
	if !isMap {
		errs.add(key, "must be a mapping, not %s", describe(raw))
		return reflect.Value{}, false
	}
	ok := true
	for name, item := range m {
		s, isString := toString(item)
		if !isString {
			errs.add(key+"."+name, "must be a string, not %s", describe(item))
			ok = false
			continue
		}
		out[name] = s
	}
	return reflect.ValueOf(out), ok
}
