package config

import (
	"reflect"
)

var publicPathsType = reflect.TypeFor[[]PublicPath]()

// toPublicPaths decodes authorization.public_paths. A list item is a plain
// path (the form every existing config uses) or a mapping {path, methods,
// source_ips}; the environment form is a list of plain paths separated by
// commas and/or spaces, as for any list. Plain items are turned into
// mappings so that one decoder reports every problem by key.
func toPublicPaths(raw any, t reflect.Type, key string, errs *problems) (reflect.Value, bool) {
	switch v := raw.(type) {
	case string:
		raw = stringsAsPaths(splitList(v))
	case []string:
		raw = stringsAsPaths(v)
	case []any:
		items := make([]any, len(v))
		for i, item := range v {
			if s, ok := item.(string); ok {
				item = map[string]any{"path": s}
			}
			items[i] = item
		}
		raw = items
	}
	return toStructs(raw, t, key, errs)
}

func stringsAsPaths(list []string) []any {
	out := make([]any, len(list))
	for i, s := range list {
		out[i] = map[string]any{"path": s}
	}
	return out
}
