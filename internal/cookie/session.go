package cookie

// SessionRef is the session cookie's content: which session, and the key that
// opens its tokens. Both exist only in the browser (and in memory per
// request). It lives here, beside the codec, so that tools which seed
// sessions in the store (the load benchmark) write the cookie exactly as the
// login does without the proxy exporting anything for them.
type SessionRef struct {
	ID  string `json:"i"`
	Key []byte `json:"k"`
}
