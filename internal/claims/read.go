package claims

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Text reads a scalar claim as text: a string as it is, a number in its
// shortest decimal form (never an exponent), a bool as "true"/"false".
// Objects, lists and null are not text.
func Text(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case bool:
		return strconv.FormatBool(v), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case float32:
		return strconv.FormatFloat(float64(v), 'f', -1, 32), true
	case json.Number:
		return v.String(), true
	case int:
		return strconv.Itoa(v), true
	case int64:
		return strconv.FormatInt(v, 10), true
	case int32, int16, int8, uint, uint64, uint32, uint16, uint8:
		return fmt.Sprint(v), true
	}
	return "", false
}

// Items reads a JSON array: each scalar element as Text; objects, lists
// and nulls inside it are skipped. It reports false for anything that is
// not an array, so callers can tell a list claim from a scalar one.
func Items(v any) ([]string, bool) {
	switch v := v.(type) {
	case []string:
		return v, true
	case []any:
		out := make([]string, 0, len(v))
		for _, item := range v {
			if s, ok := Text(item); ok {
				out = append(out, s)
			}
		}
		return out, true
	}
	return nil, false
}

// Values are the texts a policy compares a claim with: each element of an
// array, or the one scalar. A string is never split: a policy must not find
// "John" in a name claim "Smith, John".
func Values(v any) []string {
	if items, ok := Items(v); ok {
		return items
	}
	if s, ok := Text(v); ok {
		return []string{s}
	}
	return nil
}

// List reads a list claim the ways providers send one: a JSON array, a
// single string, or a comma-separated string (LDAP bridges, some SAML
// brokers). Items are trimmed; empty ones are dropped. A lone number or bool
// is a list of one.
func List(v any) []string {
	if s, ok := v.(string); ok {
		var out []string
		for part := range strings.SplitSeq(s, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
		return out
	}
	var out []string
	for _, item := range Values(v) {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// Bool reads a boolean claim: JSON true/false, or the strings "true" and
// "false" in any case (some providers send email_verified as a string).
func Bool(v any) (value, ok bool) {
	switch v := v.(type) {
	case bool:
		return v, true
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

// maxUnix is 9999-12-31T23:59:59Z.
const maxUnix = 253402300799

// Time reads a time claim (updated_at, auth_time): seconds since the epoch
// as a number or a numeric string, or an RFC 3339 string.
func Time(v any) (time.Time, bool) {
	var secs float64
	switch v := v.(type) {
	case string:
		v = strings.TrimSpace(v)
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return t, true
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return time.Time{}, false
		}
		secs = f
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			return time.Time{}, false
		}
		secs = f
	default:
		s, ok := Text(v)
		if !ok {
			return time.Time{}, false
		}
		if _, isBool := v.(bool); isBool {
			return time.Time{}, false
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return time.Time{}, false
		}
		secs = f
	}
	// Beyond the year 9999 (RFC 3339's range): not a time.
	if math.IsNaN(secs) || math.IsInf(secs, 0) || math.Abs(secs) > maxUnix {
		return time.Time{}, false
	}
	whole, frac := math.Modf(secs)
	return time.Unix(int64(whole), int64(frac*1e9)).UTC(), true
}
