package config

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"
)

// EnvPrefix starts the name of every environment variable that overrides a key.
const EnvPrefix = "GATEHOUSE_"

// FieldError is one configuration problem. Key is the dotted key path (with
// [i] for a list element); Problem says what is wrong in plain words and never
// contains a secret value.
type FieldError struct {
	Key     string
	Problem string
}

func (e *FieldError) Error() string { return e.Key + ": " + e.Problem }

// problems collects every FieldError found while loading.
type problems []error

func (p *problems) add(key, format string, args ...any) {
	*p = append(*p, &FieldError{Key: key, Problem: fmt.Sprintf(format, args...)})
}

// Load reads the YAML file at path (path "" means no file: defaults and the
// environment only), applies overrides from env (a slice like os.Environ(); the
// process environment itself is never read), reads the *_file secrets, applies
// defaults and validates. On any problem it returns nil and an errors.Join of one
// *FieldError per problem, each message starting with the key path.
//
// Relative *_file paths are resolved against the working directory.
func Load(path string, env []string) (*Config, error) {
	v := viper.New()
	var errs problems

	var raw map[string]any
	if path != "" {
		var err error
		raw, err = readFile(path)
		if err != nil {
			return nil, err
		}
		checkKeys(raw, schema(), "", &errs)
		// viper lower-cases the keys of the map it is given, in place.
		if err := v.MergeConfigMap(deepCopy(raw).(map[string]any)); err != nil {
			return nil, fmt.Errorf("config file %q: %w", path, err)
		}
	}

	leaves := leavesOf(reflect.TypeFor[Config](), "", nil)
	fromEnv := applyEnv(v, env, leaves)

	c := defaults()
	decode(v, c, leaves, &errs)
	decodeCaseSensitive(raw, fromEnv, c, leaves, &errs)
	if c.Identity.Headers == nil {
		c.Identity.Headers = defaultIdentityHeaders()
	}
	readSecretFiles(c, &errs)

	// Validate anyway so that every problem is reported at once.
	errs = append(errs, c.validate(secretsFromFiles(errs))...)
	if len(errs) > 0 {
		if path != "" {
			nameEnvSources(errs, fromEnv)
		}
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// nameEnvSources adds to each problem whose value came from the environment
// the variable that holds it. With a config file in use, a key alone sends
// the reader to a file that does not hold the bad value; without one, every
// value comes from the environment and the key names its variable.
func nameEnvSources(errs problems, fromEnv map[string]bool) {
	for _, err := range errs {
		var fe *FieldError
		if !errors.As(err, &fe) {
			continue
		}
		for key := range fromEnv {
			if fe.Key == key || strings.HasPrefix(fe.Key, key+"[") || strings.HasPrefix(fe.Key, key+".") || strings.HasPrefix(fe.Key, key+":") {
				fe.Problem += " (from " + envName(key) + ")"
				break
			}
		}
	}
}

// readFile parses the YAML file at path into a map. An empty file is an empty
// map.
func readFile(path string) (map[string]any, error) {
	b, err := readBounded(path, maxSecretFileBytes)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	raw := map[string]any{}
	if len(bytes.TrimSpace(b)) == 0 {
		return raw, nil
	}
	if err := yaml.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("config file %q: %w", path, err)
	}
	return raw, nil
}

// leaf is one settable key: its dotted path and where it lives in Config.
type leaf struct {
	key   string
	index []int
	typ   reflect.Type
}

var durationType = reflect.TypeFor[time.Duration]()

// leavesOf lists the keys of struct type t in field order, using the
// mapstructure tags as key names. Fields tagged "-" are derived, not keys.
func leavesOf(t reflect.Type, prefix string, index []int) []leaf {
	var out []leaf
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Tag.Get("mapstructure")
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

// envName is the environment variable that overrides key.
func envName(key string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// applyEnv sets, for every known key, the value of its environment variable
// when that variable is present and not empty (like viper's AutomaticEnv, an
// empty variable counts as unset, so that `GATEHOUSE_X=` in a compose file or
// a chart's empty value keeps the file's value). The values are strings;
// decode parses them.
//
// GATEHOUSE_* variables that match no key do not fail the load: Kubernetes
// and wrappers put their own variables under the same prefix. UnknownEnv
// (warnings.go) reports the ones that look like settings.
func applyEnv(v *viper.Viper, env []string, leaves []leaf) (set map[string]bool) {
	set = map[string]bool{}
	vars := map[string]string{}
	for _, kv := range env {
		name, value, ok := strings.Cut(kv, "=")
		if ok && strings.HasPrefix(name, EnvPrefix) {
			vars[name] = value // a later duplicate wins, as with exec.Cmd.Env
		}
	}
	for _, l := range leaves {
		if value, ok := vars[envName(l.key)]; ok && value != "" {
			v.Set(l.key, value)
			set[l.key] = true
		}
	}
	return set
}

// caseSensitiveKeys hold claim names, which are case-sensitive, below them;
// viper lower-cases every map key, so their file values are decoded again
// from the file itself.
var caseSensitiveKeys = map[string]bool{
	"authorization.required_claims": true,
	"authorization.rules":           true,
}

// decodeCaseSensitive re-decodes the caseSensitiveKeys from the raw file
// (unless the environment overrides them), keeping the case of map keys.
func decodeCaseSensitive(raw map[string]any, fromEnv map[string]bool, c *Config, leaves []leaf, errs *problems) {
	root := reflect.ValueOf(c).Elem()
	for _, l := range leaves {
		if !caseSensitiveKeys[l.key] || fromEnv[l.key] {
			continue
		}
		value, ok := lookup(raw, l.key)
		if !ok || value == nil {
			continue
		}
		var scratch problems // decode already reported any problem
		if val, ok := convert(value, l.typ, l.key, &scratch); ok {
			root.FieldByIndex(l.index).Set(val)
		}
	}
}

// deepCopy copies YAML mappings and lists so that viper cannot change the
// original.
func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, item := range v {
			out[k] = deepCopy(item)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			out[i] = deepCopy(item)
		}
		return out
	}
	return v
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

// decode converts the value viper holds for every leaf (file or environment)
// into c, leaving the default when the key is absent.
func decode(v *viper.Viper, c *Config, leaves []leaf, errs *problems) {
	root := reflect.ValueOf(c).Elem()
	for _, l := range leaves {
		raw := v.Get(l.key)
		if raw == nil {
			continue
		}
		val, ok := convert(raw, l.typ, l.key, errs)
		if ok {
			root.FieldByIndex(l.index).Set(val)
		}
	}
}

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

// splitList splits an environment list on commas and whitespace.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
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
