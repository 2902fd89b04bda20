package xivo_test

import (
	"crypto/md5"
	"crypto/tls"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"pbxws/tests/testenv"
	"pbxws/web"
)

func TestSumETagAnd304(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	st, hdr, raw := c.do("GET", entitiesPath, "act=list", nil)
	if st != http.StatusOK {
		t.Fatalf("list: %d", st)
	}
	sum := md5.Sum(raw)
	digest := hex.EncodeToString(sum[:])
	etag := hdr.Get("ETag")
	if len(etag) < 4 || etag[0] != '"' || hdr.Get("Content-Type") != "application/json" {
		t.Fatalf("headers %v", hdr)
	}
	if st, hdr, raw := c.do("GET", entitiesPath, "act=list&sum="+digest, nil); st != http.StatusNotModified || len(raw) != 0 || hdr.Get("X-XIVO-WS-VERSION") != "1.0" {
		t.Fatalf("sum: %d %q", st, raw)
	}
	if st, _, _ := c.do("GET", entitiesPath, "act=list&sum=0123", nil); st != http.StatusOK {
		t.Fatalf("stale sum: %d", st)
	}
	req, _ := http.NewRequest("GET", env.HTTPURL+entitiesPath+"?act=list", nil)
	req.Header.Set("If-None-Match", etag)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified {
		t.Fatalf("If-None-Match: %d", resp.StatusCode)
	}
	// A change changes the ETag, and the old one no longer matches.
	c.add(entitiesPath, []byte(`{"name": "other", "displayname": "Other"}`))
	req, _ = http.NewRequest("GET", env.HTTPURL+entitiesPath+"?act=list", nil)
	req.Header.Set("If-None-Match", etag)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("ETag") == etag {
		t.Fatalf("after a change: %d, ETag %s", resp.StatusCode, resp.Header.Get("ETag"))
	}
	// An empty answer stays 204 whatever sum says.
	if st, _, _ := c.do("GET", usersPath, "act=list&sum=d41d8cd98f00b204e9800998ecf8427e", nil); st != http.StatusNoContent {
		t.Fatalf("empty list with sum: %d", st)
	}
}

func TestRoutingAndHTTPBehaviour(t *testing.T) {
	env := testenv.Start(t, func(c *web.Config) { c.BodyLimit = 4096 })
	c := newClient(t, env)
	account(t, env, "admin", "admin", "secret", nil, []string{"service/ipbx", "xivo/configuration", "cti"}, false)
	c.user, c.pass = "admin", "secret"
	for _, tc := range []struct {
		method, path, query string
		want                int
		version             bool
	}{
		{"GET", "/service/ipbx/json.php/restricted/pbx_settings/users/", "act=list", 204, true},
		{"GET", "/service/ipbx/json.php/restricted/pbx_settings/users", "act=list", 204, true},
		{"GET", "/service/ipbx/json.php/restricted/pbx_settings/users/ignored/extra", "", 204, true},
		{"GET", "/service/ipbx/json.php/restricted/pbx_settings/nothing/", "act=list", 404, false},
		{"GET", "/service/ipbx/json.php/restricted/PBX_SETTINGS/users/", "act=list", 404, false},
		{"GET", "/service/ipbx/json.php/other/pbx_settings/users/", "act=list", 404, false},
		{"GET", "/service/ipbx/json.php/restricted/_common/x/", "", 404, false},
		{"GET", "/service/ipbx/json.php/", "", 404, false},
		{"GET", "/service/ipbx/json.php", "", 404, false},
		{"GET", "/xivo/configuration/json.php/restricted/check/x", "", 404, false},
		{"GET", "/xivo/configuration/json.php/private/check/", "", 404, false},
		{"GET", "/nowhere", "", 404, false},
		{"GET", "/cti/json.php/restricted/profiles", "act=list", 200, true},
		{"GET", "/service/ipbx/json.php/restricted/pbx_settings/users/", "act=frobnicate", 400, true},
		{"GET", "/service/ipbx/json.php/restricted/pbx_settings/users/", "act=view", 404, true},
		{"GET", "/service/ipbx/json.php/restricted/pbx_settings/users/", "act=view&id=", 404, true},
		{"DELETE", "/service/ipbx/json.php/restricted/pbx_settings/users/", "act=list", 204, true},
	} {
		st, hdr, raw := c.do(tc.method, tc.path, tc.query, nil)
		if st != tc.want {
			t.Errorf("%s %s?%s: %d %s, want %d", tc.method, tc.path, tc.query, st, raw, tc.want)
		}
		if got := hdr.Get("X-XIVO-WS-VERSION") == "1.0"; got != tc.version {
			t.Errorf("%s %s: version header present=%v", tc.method, tc.path, got)
		}
		if hdr.Get("Location") != "" || (st >= 300 && st < 400 && st != 304) {
			t.Errorf("%s %s: redirected", tc.method, tc.path)
		}
	}
	// The check endpoint answers OK, not JSON.
	st, hdr, raw := c.do("GET", "/xivo/configuration/json.php/restricted/check/", "", nil)
	if st != 200 || string(raw) != "OK" || strings.Contains(hdr.Get("Content-Type"), "json") {
		t.Fatalf("check: %d %q %v", st, raw, hdr)
	}
	// CTI profiles are seeded with integer ids.
	profiles := c.list("/cti/json.php/restricted/profiles", "act=list")
	if len(profiles) == 0 || profiles[0]["id"] != float64(1) || profiles[0]["name"] != "Client" {
		t.Fatalf("profiles %v", profiles)
	}
	// Never compressed, even when asked.
	req, _ := http.NewRequest("GET", env.HTTPURL+"/cti/json.php/restricted/profiles?act=list", nil)
	req.SetBasicAuth("admin", "secret")
	req.Header.Set("Accept-Encoding", "gzip, deflate, br")
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "" {
		t.Fatalf("compressed answer: %v", resp.Header)
	}
	// A body over the limit is a 400 naming the limit; nothing is written.
	big := `{"userfeatures": {"firstname": "` + strings.Repeat("a", 8000) + `"}}`
	st, _, raw = c.do("POST", "/service/ipbx/json.php/restricted/pbx_settings/users/", "act=add", []byte(big))
	if st != http.StatusBadRequest || !strings.Contains(string(raw), "4096") {
		t.Fatalf("big body: %d %s", st, raw)
	}
	var n int
	_ = env.DB.QueryRow(`SELECT count(*) FROM users`).Scan(&n)
	if n != 0 {
		t.Fatalf("a refused body wrote %d users", n)
	}
	// A POST is answered where it was sent: no redirect for a missing trailing slash.
	st, hdr, _ = c.do("POST", "/xivo/configuration/json.php/restricted/manage/entity", "act=add", []byte(`{"name": "e2", "displayname": "E2"}`))
	if st != http.StatusOK || hdr.Get("Location") != "" {
		t.Fatalf("add without trailing slash: %d", st)
	}
}

func TestHTTPSWithTheGeneratedCertificate(t *testing.T) {
	env := testenv.Start(t)
	account(t, env, "admin", "admin", "secret", nil, []string{"xivo/configuration/check"}, false)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: env.CAPool, ServerName: "localhost"}}}
	req, _ := http.NewRequest("GET", env.HTTPSURL+"/xivo/configuration/json.php/restricted/check/", nil)
	req.SetBasicAuth("admin", "secret")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("HTTPS with the generated CA: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "OK" {
		t.Fatalf("check over HTTPS: %d %q", resp.StatusCode, body)
	}
	// An untrusting client is refused by its own verification.
	if _, err := http.Get(env.HTTPSURL + "/xivo/configuration/json.php/restricted/check/"); err == nil {
		t.Fatal("a self-signed certificate was trusted without its CA")
	}
}

func TestInternalErrorIsA500WithAJSONBody(t *testing.T) {
	// One read at a time: a failed request that kept its turn would make the next wait
	// out max-wait and get a 503.
	env := testenv.Start(t, func(c *web.Config) { c.MaxActive, c.MaxWait = 1, 2*time.Second })
	c := newClient(t, env)
	// Break the store underneath the running server.
	if _, err := env.DB.Exec(`DROP TABLE devices CASCADE`); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if st, _, raw := c.do("GET", devicesPath, "act=list", nil); st != http.StatusInternalServerError {
			t.Fatalf("failing read %d: %d %s", i, st, raw)
		}
	}
	st, hdr, raw := c.do("GET", devicesPath, "act=list", nil)
	if st != http.StatusInternalServerError || hdr.Get("Content-Type") != "application/json" ||
		!strings.Contains(string(raw), `"error":"internal error (request `) {
		t.Fatalf("%d %v %s", st, hdr, raw)
	}
	if strings.Contains(string(raw), "devices") {
		t.Fatalf("the 500 body leaks internals: %s", raw)
	}
	// The server keeps serving.
	if st, _, _ := c.do("GET", entitiesPath, "act=list", nil); st != http.StatusOK {
		t.Fatalf("after a 500: %d", st)
	}
}
