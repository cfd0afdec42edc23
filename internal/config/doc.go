// Package config is gatehouse's configuration: one struct tree whose fields name
// their YAML key (the `key` struct tag) and default, Load to read it from a file
// and the environment, and Validate to check it. Config is data; behaviour lives
// with the packages that use it.
//
// The files: config*.go hold the struct tree, one file per group of sections;
// defaults.go the defaults; load.go reads the file and the environment; keys.go
// knows the key tree (unknown keys, key names in messages); env.go the
// GATEHOUSE_* overrides; decode.go turns YAML and environment values into
// fields; secrets.go the *_file secrets; validate*.go check one section each.
//
// Why no viper: DESIGN.md chose github.com/spf13/viper, and the loader used it
// as a map that merged the file with the environment. The loader's contract
// needed more than viper gives, and viper got in the way of it:
//   - viper lower-cases every map key, but claim names (required_claims,
//     authorization.rules) are case-sensitive, so those keys had to be decoded
//     a second time from the file itself;
//   - UnmarshalExact (mapstructure) stops short of what the errors promise:
//     its messages quote the offending value (some values are secrets), name
//     keys in its own form rather than "authorization.rules[0].x", and do not
//     say which GATEHOUSE_* variable held a bad value;
//   - AutomaticEnv only covers keys that are bound one by one, splits lists on
//     commas only (not spaces), and cannot tell a PEM list item from a list.
//
// What was left for viper was a map merge, which a lookup in the parsed YAML
// and a map of environment values do in a few lines, so the loader reads YAML
// with go.yaml.in/yaml/v3 and decodes with a small reflection walk over the
// struct tree (decode.go), which reports every problem at once under its key.
package config
