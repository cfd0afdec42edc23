package config

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

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
// *FieldError per problem, each message starting with the key path. The
// OTEL_* variables of env become Tracing.Export (otelenv.go).
//
// Relative *_file paths are resolved against the working directory.
func Load(path string, env []string) (*Config, error) {
	var errs problems

	var raw map[string]any
	if path != "" {
		var err error
		raw, err = readFile(path)
		if err != nil {
			return nil, err
		}
		checkKeys(raw, schema(), "", &errs)
	}

	leaves := leavesOf(reflect.TypeFor[Config](), "", nil)
	fromEnv := envValues(env, leaves)

	c := defaults()
	decode(raw, fromEnv, c, leaves, &errs)
	if c.Identity.Headers == nil {
		c.Identity.Headers = defaultIdentityHeaders()
	}
	readSecretFiles(c, &errs)
	c.Tracing.Export = readOTelExport(env, &errs)

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

// decode sets every key that the environment or the file gives (the
// environment wins) into c, leaving the default when neither does.
func decode(raw map[string]any, fromEnv map[string]string, c *Config, leaves []leaf, errs *problems) {
	root := reflect.ValueOf(c).Elem()
	for _, l := range leaves {
		var value any
		if s, ok := fromEnv[l.key]; ok {
			value = s
		} else if v, ok := lookup(raw, l.key); ok {
			value = v
		}
		if value == nil {
			continue
		}
		if val, ok := convert(value, l.typ, l.key, errs); ok {
			root.FieldByIndex(l.index).Set(val)
		}
	}
}

// nameEnvSources adds to each problem whose value came from the environment
// the variable that holds it. With a config file in use, a key alone sends
// the reader to a file that does not hold the bad value; without one, every
// value comes from the environment and the key names its variable.
func nameEnvSources(errs problems, fromEnv map[string]string) {
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
