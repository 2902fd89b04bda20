package sipc_test

import (
	"fmt"
	"strings"
	"testing"

	"pbxws/web"
)

// Without a trusted proxy, X-Forwarded-Proto is anyone's header: Basic over plain HTTP stays
// refused whatever it says. From a configured proxy it is believed.
func TestForwardedProtoIsBelievedOnlyFromTrustedProxies(t *testing.T) {
	env := start(t)
	hc := httpc(env, untrusted)
	url := env.HTTPURL + "/callcontroller/201/202"
	a := do(t, hc, "GET", url, "Authorization", basic("201", u201.pin), "X-Forwarded-Proto", "https", "X-Forwarded-Ssl", "on", "X-Url-Scheme", "https")
	if a.status != 401 || a.body != "Basic authentication requires TLS" {
		t.Fatalf("Basic over plain HTTP claiming https: %d %q", a.status, a.body)
	}

	proxied := start(t, func(c *web.Config) { c.TrustedProxies = []string{untrusted + "/32"} })
	url = proxied.HTTPURL + "/callcontroller/201/202"
	hc = httpc(proxied, untrusted)
	if a := do(t, hc, "GET", url, "Authorization", basic("201", u201.pin), "X-Forwarded-Proto", "https", "X-Forwarded-For", "198.51.100.20"); a.status != 200 {
		t.Fatalf("Basic through a trusted TLS-terminating proxy: %d %q", a.status, a.body)
	}
	if a := do(t, hc, "GET", url, "Authorization", basic("201", u201.pin), "X-Forwarded-Proto", "http", "X-Forwarded-For", "198.51.100.20"); a.status != 401 {
		t.Fatalf("Basic through the proxy over plain HTTP: %d %q", a.status, a.body)
	}
	// A forged chain through the proxy does not make the client a trusted host (127.0.0.1).
	if a := do(t, hc, "GET", url, "X-Forwarded-For", "127.0.0.1, 198.51.100.20"); a.status != 401 {
		t.Fatalf("forged chain: %d %q, want 401 (not a trusted host)", a.status, a.body)
	}
	if a := do(t, hc, "GET", url, "X-Forwarded-For", "127.0.0.1"); a.status != 200 {
		t.Fatalf("the proxy speaking for the trusted host: %d %q", a.status, a.body)
	}
}

// An RFC 2069 response (no qop) is good once: replayed, it is refused with stale=true.
func TestDigestWithoutQopCannotBeReplayed(t *testing.T) {
	env := start(t)
	hc := httpc(env, untrusted)
	path := "/callcontroller/201/202"
	nonce, _ := challenge(t, hc, "GET", env.HTTPURL+path)
	ha1 := md5h("201:pbxws:" + u201.pin)
	h := fmt.Sprintf(`Digest username="201", realm="pbxws", nonce="%s", uri="%s", response="%s"`, nonce, path, md5h(ha1+":"+nonce+":"+md5h("GET:"+path)))
	if a := do(t, hc, "GET", env.HTTPURL+path, "Authorization", h); a.status != 200 {
		t.Fatalf("first no-qop response: %d %q", a.status, a.body)
	}
	for i := 0; i < 3; i++ {
		a := do(t, hc, "GET", env.HTTPURL+path, "Authorization", h)
		if a.status != 401 || !strings.Contains(strings.Join(a.header.Values("WWW-Authenticate"), " "), "stale=true") {
			t.Fatalf("replay %d: %d %q %q, want 401 stale", i, a.status, a.body, a.header.Values("WWW-Authenticate"))
		}
	}
}

// The Digest uri is compared with the request-target as sent, percent-encoding included.
func TestDigestSignsTheTargetAsSent(t *testing.T) {
	env := start(t)
	hc := httpc(env, untrusted)
	target := "/callcontroller/201/202?subject=Hello%20there&timeout=30"
	nonce, _ := challenge(t, hc, "GET", env.HTTPURL+target)
	a := do(t, hc, "GET", env.HTTPURL+target, "Authorization", digestHeader("201", u201.pin, "pbxws", "GET", target, nonce, 1))
	if a.status != 200 {
		t.Fatalf("Digest over %s: %d %q", target, a.status, a.body)
	}
}

// Failed logins on the callcontroller are throttled too: after the free failures the answer
// is 429 with Retry-After, and no PIN is checked.
func TestCallControllerThrottlesFailedLogins(t *testing.T) {
	env := start(t, func(c *web.Config) { c.AuthFreeFailures = 3 })
	hc := httpc(env, untrusted)
	url := env.HTTPURL + "/callcontroller/201/202"
	nonce, _ := challenge(t, hc, "GET", url)
	for i := 1; i <= 3; i++ {
		if a := do(t, hc, "GET", url, "Authorization", digestHeader("201", fmt.Sprintf("guess%d", i), "pbxws", "GET", "/callcontroller/201/202", nonce, i)); a.status != 401 {
			t.Fatalf("guess %d: %d %q", i, a.status, a.body)
		}
	}
	a := do(t, hc, "GET", url, "Authorization", digestHeader("201", u201.pin, "pbxws", "GET", "/callcontroller/201/202", nonce, 4))
	if a.status != 429 || a.header.Get("Retry-After") == "" {
		t.Fatalf("fourth attempt: %d %q Retry-After %q, want 429", a.status, a.body, a.header.Get("Retry-After"))
	}
}
