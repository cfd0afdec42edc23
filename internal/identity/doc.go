// Package identity turns a session's claims into what the upstream receives:
// the identity headers (sanitised, and capped in size as a whole:
// identity.max_header_bytes) and the signed assertion (a short-lived JWT,
// cached per session, signed with the first configured key, whose public
// keys it publishes as the JWKS). Reading and generating the keys is package
// keys.
package identity
