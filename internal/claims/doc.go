// Package claims is gatehouse's one place for "claim reference → value":
// the syntax of a reference to a claim (a path into nested objects, with
// names that hold dots or are URLs written in brackets), its parsing at
// config load, the lenient readers for what providers actually send, and
// the mapping of a provider's claims into a session and back out of it for
// identity headers, the assertion and the policy.
//
// A reference is one or more names joined by dots:
//
//	email                          a top-level claim
//	realm_access.roles             Keycloak: roles inside the realm_access object
//	resource_access.gatehouse.roles
//	cognito:groups                 ":" is an ordinary character
//	["https://example.com/roles"]  Auth0: a name with dots or "/" in brackets
//	resource_access["my.app"].roles
//
// A bare name is any text without ".", "[", "]", quotes, "\", "/",
// whitespace or control characters; any other name is written as a JSON
// string in brackets. Brackets were chosen over backslash-escaped dots
// because a backslash is itself an escape character in YAML double-quoted
// strings and in shells, and because every URL (it has "//") is refused as
// a bare name, so a URL-named claim written the way older versions accepted
// it is a config error, never silently read as a path.
package claims
