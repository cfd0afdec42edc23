package config

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"reflect"
	"strings"
)

// secretFile is one value that may instead come from a file.
type secretFile struct {
	valueKey, fileKey string
	value             func(*Config) bool   // reports whether the value is set
	file              func(*Config) string // the file path, "" when unset
	set               func(*Config, string)
}

// clearFile forgets the file key of sf, through the same setter as Load's
// decoding, so no field list is kept twice.
func (sf secretFile) clearFile(c *Config) {
	v := reflect.ValueOf(c).Elem()
	for _, l := range leavesOf(reflect.TypeFor[Config](), "", nil) {
		if l.key == sf.fileKey {
			v.FieldByIndex(l.index).SetString("")
		}
	}
}

var secretFiles = []secretFile{
	{
		valueKey: "oidc.client_secret", fileKey: "oidc.client_secret_file",
		value: func(c *Config) bool { return c.OIDC.ClientSecret != "" },
		file:  func(c *Config) string { return c.OIDC.ClientSecretFile },
		set:   func(c *Config, s string) { c.OIDC.ClientSecret = s },
	},
	{
		valueKey: "session.redis.password", fileKey: "session.redis.password_file",
		value: func(c *Config) bool { return c.Session.Redis.Password != "" },
		file:  func(c *Config) string { return c.Session.Redis.PasswordFile },
		set:   func(c *Config, s string) { c.Session.Redis.Password = s },
	},
	{
		valueKey: "cookie.secrets", fileKey: "cookie.secrets_file",
		value: func(c *Config) bool { return len(c.Cookie.Secrets) > 0 },
		file:  func(c *Config) string { return c.Cookie.SecretsFile },
		set:   func(c *Config, s string) { c.Cookie.Secrets = secretLines(s) },
	},
	{
		valueKey: "identity.assertion.keys", fileKey: "identity.assertion.keys_file",
		value: func(c *Config) bool { return len(c.Identity.Assertion.Keys) > 0 },
		file:  func(c *Config) string { return c.Identity.Assertion.KeysFile },
		set:   func(c *Config, s string) { c.Identity.Assertion.Keys = []string{s} },
	},
	{
		valueKey: "identity.assertion.hmac_secret", fileKey: "identity.assertion.hmac_secret_file",
		value: func(c *Config) bool { return c.Identity.Assertion.HMACSecret != "" },
		file:  func(c *Config) string { return c.Identity.Assertion.HMACSecretFile },
		set:   func(c *Config, s string) { c.Identity.Assertion.HMACSecret = s },
	},
	basicAuthPassword,
}

// readSecretFiles fills each secret from its *_file key. Setting both the value
// and the file is an error; so is a file that cannot be read or is empty. File
// contents never appear in messages.
func readSecretFiles(c *Config, errs *problems) {
	for _, sf := range secretFiles {
		path := sf.file(c)
		if path == "" {
			continue
		}
		if sf.value(c) {
			errs.add(sf.valueKey, "cannot be set together with %s: set only one of them", sf.fileKey)
			// The value, not the unread file, is what validation checks
			// next: its problems must carry the value's key.
			sf.clearFile(c)
			continue
		}
		b, err := readBounded(path, maxSecretFileBytes)
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			errs.add(sf.fileKey, "cannot read %q: %v", path, err)
			continue
		}
		content := strings.TrimRight(string(b), " \t\r\n")
		if strings.TrimSpace(content) == "" {
			errs.add(sf.fileKey, "file %q is empty", path)
			continue
		}
		sf.set(c, content)
	}
}

// secretsFromFiles lists the secret keys that already have a problem (their
// *_file, or a value of the wrong type), so that validation does not also call
// them missing.
func secretsFromFiles(errs problems) map[string]bool {
	out := map[string]bool{}
	for _, err := range errs {
		var fe *FieldError
		if !errors.As(err, &fe) {
			continue
		}
		for _, sf := range secretFiles {
			if fe.Key == sf.fileKey || fe.Key == sf.valueKey || strings.HasPrefix(fe.Key, sf.valueKey+"[") {
				out[sf.valueKey] = true
			}
		}
	}
	return out
}

// secretLines splits a secrets file: one secret per line, blank lines and
// lines starting with # ignored.
func secretLines(s string) []string {
	var out []string
	for line := range strings.Lines(s) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, line)
	}
	return out
}

// maxSecretFileBytes bounds a *_file: secrets and key lists are small, and a
// path such as /dev/zero or a log file named by mistake must fail the load,
// not exhaust memory.
const maxSecretFileBytes = 1 << 20

var errFileTooLarge = errors.New("file is larger than 1 MiB")

// readBounded reads at most max bytes of the file at path.
func readBounded(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, errFileTooLarge
	}
	return b, nil
}
