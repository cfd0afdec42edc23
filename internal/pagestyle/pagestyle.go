// Package pagestyle holds the one small stylesheet of the HTML pages that
// gatehouse itself serves (signed out, errors, logout confirmation) and of
// the demo provider's login form, so the pages a newcomer walks through
// look like one product.
package pagestyle

// CSS is inlined in a <style> element: the pages' CSP allows inline styles
// and nothing else, so there is no stylesheet URL to serve.
const CSS = `body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}a.button,button{font:inherit;border:0;cursor:pointer;display:inline-block;padding:.5rem 1rem;border-radius:.3rem;background:#2457c5;color:#fff;text-decoration:none}
.status{color:#777;font-size:.9rem}`

// FormCSS adds labelled text fields and an error line, for pages with a form
// to fill in (the demo provider's login).
const FormCSS = `label{display:block;margin:.75rem 0 .25rem;font-weight:600}
input:not([type=hidden]){font:inherit;box-sizing:border-box;width:100%;padding:.45rem .6rem;border:1px solid #bbb;border-radius:.3rem}
button{margin-top:1rem}
.error{color:#b42318;font-weight:600}
code{font-family:ui-monospace,monospace}`
