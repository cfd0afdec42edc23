package proxy

import (
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxAuthParamBytes bounds a forwarded login parameter: hints are short,
// and the authorization URL must stay within what browsers and providers
// accept.
const maxAuthParamBytes = 256

// forwardedAuthParams are the query parameters of /start that
// oidc.forwarded_auth_params passes on to the provider. Nothing else of the
// request reaches the authorization request. A listed parameter that is
// repeated, too long, or holds control characters or broken UTF-8 is refused
// with 400 rather than passed on or silently dropped.
func (h *Handler) forwardedAuthParams(r *http.Request) (url.Values, error) {
	out := url.Values{}
	if len(h.opts.forwardedAuthParams) == 0 {
		return out, nil
	}
	q := r.URL.Query()
	for _, name := range h.opts.forwardedAuthParams {
		values := q[name]
		switch {
		case len(values) == 0:
			continue
		case len(values) > 1:
			return nil, badAuthParam(name, "is repeated")
		case len(values[0]) > maxAuthParamBytes:
			return nil, badAuthParam(name, "is too long")
		case !utf8.ValidString(values[0]) || strings.ContainsFunc(values[0], unicode.IsControl):
			return nil, badAuthParam(name, "contains control characters")
		case values[0] == "":
			continue
		}
		out.Set(name, values[0])
	}
	return out, nil
}

func badAuthParam(name, problem string) error {
	return &errRequest{status: http.StatusBadRequest, title: "Bad request",
		message: "The sign-in parameter " + name + " " + problem + "."}
}
