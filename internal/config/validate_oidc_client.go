package config

import (
	"os"

	"github.com/gatehouse/gatehouse/internal/identity/keys"
)

// validateOIDCClient checks how gatehouse authenticates at the provider and
// reads the identity (oidc.token_auth_method, oidc.client_key_file,
// oidc.client_key_id, oidc.userinfo), and fills ClientKey.
func (c *Config) validateOIDCClient(errs *problems) {
	o := &c.OIDC
	o.ClientKey = keys.Key{}
	switch o.TokenAuthMethod {
	case "client_secret_basic", "client_secret_post":
		if o.ClientKeyFile != "" {
			errs.add("oidc.client_key_file", "is used only with oidc.token_auth_method private_key_jwt, not %s", o.TokenAuthMethod)
		}
	case "private_key_jwt":
		if o.ClientSecret != "" {
			errs.add("oidc.client_secret", "is not used with oidc.token_auth_method private_key_jwt: remove it (the provider must not accept it either)")
		}
		o.ClientKey = readClientKey(o.ClientKeyFile, o.ClientKeyID, errs)
	default:
		errs.add("oidc.token_auth_method", "%q is not one of client_secret_basic, client_secret_post, private_key_jwt", o.TokenAuthMethod)
	}
	if isSpaceOrControlString(o.ClientKeyID) {
		errs.add("oidc.client_key_id", "must not contain spaces or control characters")
	}
	switch o.Userinfo {
	case "auto", "always", "never":
	default:
		errs.add("oidc.userinfo", "%q is not one of auto, always, never", o.Userinfo)
	}
	if c.Session.RevalidateInterval < 0 {
		errs.add("session.revalidate_interval", "must not be negative (0 turns it off)")
	} else if c.Session.RevalidateInterval > 0 && o.Userinfo == "never" {
		errs.add("session.revalidate_interval", "needs userinfo, but oidc.userinfo is never")
	}
}

// readClientKey reads the private_key_jwt key; every problem names
// oidc.client_key_file and none quotes the file's content.
func readClientKey(path, keyID string, errs *problems) keys.Key {
	if path == "" {
		errs.add("oidc.client_key_file", "is required with oidc.token_auth_method private_key_jwt")
		return keys.Key{}
	}
	info, err := os.Stat(path)
	if err != nil {
		errs.add("oidc.client_key_file", "cannot be read: %v", err)
		return keys.Key{}
	}
	if info.Size() > maxSecretFileBytes {
		errs.add("oidc.client_key_file", "%s is larger than %d bytes: not a key file", path, maxSecretFileBytes)
		return keys.Key{}
	}
	text, err := os.ReadFile(path)
	if err != nil {
		errs.add("oidc.client_key_file", "cannot be read: %v", err)
		return keys.Key{}
	}
	key, err := keys.ParseClientKey(text, keyID)
	if err != nil {
		errs.add("oidc.client_key_file", "%s: %v", path, err)
		return keys.Key{}
	}
	return key
}
