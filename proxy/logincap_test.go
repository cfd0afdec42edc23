package proxy

import (
	"net/http"
	"slices"
	"testing"
)

// TestExpireOldLogins: /start keeps room for its own attempt by expiring the
// oldest login cookies (first in the header) beyond maxLoginCookies-1, and
// touches nothing else.
func TestExpireOldLogins(t *testing.T) {
	jar := fuzzCookieJar(t)
	l := func(n string) string { return jar.sessionName + "-login-" + n }
	for _, tc := range []struct {
		name  string
		lines []string
		want  []string // names expired, in order
	}{
		{"none", nil, nil},
		{"three: room for a fourth", []string{l("01") + "=a; " + l("02") + "=b; " + l("03") + "=c"}, nil},
		{"four: the oldest goes", []string{l("01") + "=a; " + l("02") + "=b; " + l("03") + "=c; " + l("04") + "=d"}, []string{l("01")}},
		{"six over two lines", []string{l("01") + "=a; app=1; " + l("02") + "=b", l("03") + "=c; " + l("04") + "=d; " + l("05") + "=e; " + l("06") + "=f"},
			[]string{l("01"), l("02"), l("03")}},
		{"a repeated name counts once", []string{l("01") + "=a; " + l("01") + "=b; " + l("02") + "=c; " + l("03") + "=d"}, nil},
		{"other cookies untouched", []string{jar.sessionName + "=s; " + jar.sessionName + "-signed-out=x; app-login-1=y; " +
			l("01") + "=a; " + l("02") + "=b; " + l("03") + "=c; " + l("04") + "=d"}, []string{l("01")}},
	} {
		r := &http.Request{Header: http.Header{"Cookie": tc.lines}}
		rec := &headerRecorder{h: http.Header{}}
		jar.expireOldLogins(rec, r)
		var got []string
		for _, line := range rec.h["Set-Cookie"] {
			c, err := http.ParseSetCookie(line)
			if err != nil || c.MaxAge >= 0 {
				t.Errorf("%s: Set-Cookie %q does not expire a cookie", tc.name, line)
				continue
			}
			got = append(got, c.Name)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: expired %q, want %q", tc.name, got, tc.want)
		}
	}
}
