package xivo_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"pbxws/acl"
	"pbxws/models"
	"pbxws/tests/testenv"
	"pbxws/web"
)

// send is one request with headers; it returns the status, headers and body.
func send(t *testing.T, hc *http.Client, method, url string, body []byte, hdr ...string) (int, http.Header, string) {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Basic" {
			login, pass, _ := strings.Cut(hdr[i+1], ":")
			req.SetBasicAuth(login, pass)
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(raw)
}

func countUsers(t *testing.T, env *testenv.Env) int {
	t.Helper()
	var n int
	if err := env.DB.Get(&n, `SELECT count(*) FROM users`); err != nil {
		t.Fatal(err)
	}
	return n
}

const privateAddUser = "/service/ipbx/json.php/private/pbx_settings/users/?act=add"

var jack = []byte(`{"userfeatures": {"firstname": "Jack", "lastname": "Johnson"}}`)

// Behind a trusted proxy the client is the rightmost X-Forwarded-For hop that is not a
// proxy: a client that writes "127.0.0.1" at the left of the chain is still 203.0.113.7, and
// an unreadable chain is an unknown peer, never the proxy's own loopback address.
func TestForwardedForCannotForgeALocalPeer(t *testing.T) {
	env := testenv.Start(t, func(c *web.Config) { c.TrustedProxies = []string{"127.0.0.1/32"} })
	account(t, env, "local", "", "", []string{"127.0.0.1"}, []string{"xivo/configuration/check"}, false)
	account(t, env, "partner", "", "", []string{"203.0.113.7"}, []string{"xivo/configuration/check"}, false)
	proxy := fromAddr("127.0.0.1")
	for _, xff := range []string{"127.0.0.1, 203.0.113.7", "not-an-address", "203.0.113.7, junk", "127.0.0.1,"} {
		if st, _, body := send(t, proxy, "POST", env.HTTPURL+privateAddUser, jack, "Content-Type", "application/json", "X-Forwarded-For", xff); st != http.StatusForbidden {
			t.Errorf("private add with X-Forwarded-For %q: %d %s, want 403", xff, st, body)
		}
	}
	if n := countUsers(t, env); n != 0 {
		t.Fatalf("%d users written through forged chains", n)
	}
	// The host-only account of 127.0.0.1 is not reachable by a forged chain either, and the
	// real client's account is.
	if st, _, _ := send(t, proxy, "GET", env.HTTPURL+checkPath, nil, "X-Forwarded-For", "127.0.0.1, 198.51.100.1"); st != http.StatusUnauthorized {
		t.Errorf("host-only account through a forged chain: %d, want 401", st)
	}
	if st, _, _ := send(t, proxy, "GET", env.HTTPURL+checkPath, nil, "X-Forwarded-For", "127.0.0.1, 203.0.113.7"); st != http.StatusOK {
		t.Errorf("the real client's host-only account: %d, want 200", st)
	}
	// The proxy speaking for a local process (nginx on the PBX host) is still local.
	if st, _, body := send(t, proxy, "POST", env.HTTPURL+privateAddUser, jack, "Content-Type", "application/json", "X-Forwarded-For", "127.0.0.1"); st != http.StatusOK {
		t.Fatalf("private add for a local client through the proxy: %d %s", st, body)
	}
	if n := countUsers(t, env); n != 1 {
		t.Fatalf("%d users after the one allowed add", n)
	}
}

func gzipped(t *testing.T, n int, fill byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	chunk := bytes.Repeat([]byte{fill}, 1<<20)
	for n > 0 {
		k := min(n, len(chunk))
		if _, err := w.Write(chunk[:k]); err != nil {
			t.Fatal(err)
		}
		n -= k
	}
	w.Close()
	return b.Bytes()
}

// The body limit applies to the decoded size, checked while decoding: a gzip body that would
// inflate to 100 MB is refused after reading just past the limit.
func TestCompressedBodiesAreLimitedWhenDecoded(t *testing.T) {
	env := testenv.Start(t)
	hc := fromAddr("127.0.0.1")
	bomb := gzipped(t, 100<<20, ' ')
	if len(bomb) > 200<<10 {
		t.Fatalf("the bomb is %d bytes compressed", len(bomb))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	st, _, body := send(t, hc, "POST", env.HTTPURL+privateAddUser, bomb, "Content-Type", "application/json", "Content-Encoding", "gzip")
	runtime.ReadMemStats(&after)
	if st != http.StatusBadRequest || !strings.Contains(body, `"body"`) || !strings.Contains(body, "1048576 bytes (decoded)") {
		t.Fatalf("gzip bomb: %d %s, want 400 naming the decoded limit", st, body)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 30<<20 {
		t.Fatalf("answering the gzip bomb allocated %d MB", grew>>20)
	}
	// A compressed body within the limit is served.
	var small bytes.Buffer
	w := gzip.NewWriter(&small)
	w.Write(jack)
	w.Close()
	if st, _, body := send(t, hc, "POST", env.HTTPURL+privateAddUser, small.Bytes(), "Content-Type", "application/json", "Content-Encoding", "gzip"); st != http.StatusOK {
		t.Fatalf("small gzip body: %d %s", st, body)
	}
	// Corrupt gzip and unknown codings are refused, naming what is wrong.
	if st, _, body := send(t, hc, "POST", env.HTTPURL+privateAddUser, []byte("not gzip"), "Content-Type", "application/json", "Content-Encoding", "gzip"); st != http.StatusBadRequest || !strings.Contains(body, "gzip") {
		t.Fatalf("corrupt gzip: %d %s", st, body)
	}
	if st, _, body := send(t, hc, "POST", env.HTTPURL+privateAddUser, jack, "Content-Type", "application/json", "Content-Encoding", "br"); st != http.StatusUnsupportedMediaType || !strings.Contains(body, "Content-Encoding") {
		t.Fatalf("br body: %d %s", st, body)
	}
	if n := countUsers(t, env); n != 1 {
		t.Fatalf("%d users, want only the small gzip one", n)
	}
}

// Every account change made by the CLI is in force for the very next request, even though
// the request's instance learns of changes asynchronously: ten rounds each of delete,
// disable and password change, none answered with the old rights.
func TestAccountChangesAreInForceForTheNextRequest(t *testing.T) {
	// Each round ends with refused requests; the throttle is not what this test is about.
	env := testenv.Start(t, func(c *web.Config) { c.AuthFreeFailures, c.AuthBanAfter = 1000, 1000 })
	// The CLI's own pool, as a separate `pbxws account` process would have.
	cli := &models.WSAccountStore{DB: env.DB}
	run := func(args ...string) {
		t.Helper()
		var out, errb bytes.Buffer
		if rc := acl.RunAccountCLI(context.Background(), cli, args, &out, &errb); rc != 0 {
			t.Fatalf("account %v: rc %d %s", args, rc, errb.String())
		}
	}
	hc := fromAddr("127.0.0.1")
	check := func(pass string) int {
		st, _, _ := send(t, hc, "GET", env.HTTPURL+checkPath, nil, "Basic", "robot:"+pass)
		return st
	}
	hash := func(p string) string {
		h, _ := bcrypt.GenerateFromPassword([]byte(p), bcrypt.MinCost)
		return string(h)
	}
	for round := 0; round < 10; round++ {
		for _, change := range []string{"delete", "disable", "password"} {
			if _, err := env.DB.Exec(`INSERT INTO ws_accounts (name, login, password_hash, sections) VALUES ('robot', 'robot', $1, '{xivo/configuration/check}')`, hash("password-one")); err != nil {
				t.Fatal(err)
			}
			if st := check("password-one"); st != http.StatusOK {
				t.Fatalf("round %d: fresh account: %d", round, st)
			}
			switch change {
			case "delete":
				run("delete", "--name", "robot")
			case "disable":
				run("disable", "--name", "robot")
			case "password":
				run("edit", "--name", "robot", "--password", "password-two")
			}
			if st := check("password-one"); st == http.StatusOK {
				t.Fatalf("round %d: the request right after %s was answered 200", round, change)
			}
			if _, err := env.DB.Exec(`DELETE FROM ws_accounts WHERE name = 'robot'`); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// A dictionary attack from one address is slowed and then banned, so 100 guesses take far
// more than a minute; meanwhile a client whose credentials are already verified, from
// another address, keeps its usual latency, and every failure is logged with login and peer.
func TestPasswordGuessingIsThrottled(t *testing.T) {
	env := testenv.Start(t, func(c *web.Config) {
		c.AuthFreeFailures, c.AuthBackoff, c.AuthMaxBackoff = 5, 50*time.Millisecond, 400*time.Millisecond
		c.AuthBanAfter, c.AuthBanFor = 12, 2*time.Minute
	})
	account(t, env, "admin", "admin", "secret", nil, []string{"xivo/configuration/check"}, false)
	friend, attacker := fromAddr("127.0.0.1"), fromAddr("127.0.0.2")
	if st, _, _ := send(t, friend, "GET", env.HTTPURL+checkPath, nil, "Basic", "admin:secret"); st != http.StatusOK {
		t.Fatalf("friend's first login: %d", st)
	}

	stop := make(chan struct{})
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		keep := &http.Client{Transport: &http.Transport{}}
		for i := 0; i < 2000; i++ {
			select {
			case <-stop:
				return
			default:
			}
			start := time.Now()
			req, _ := http.NewRequest("GET", env.HTTPURL+checkPath, nil)
			req.SetBasicAuth("admin", "secret")
			resp, err := keep.Do(req)
			if err != nil {
				continue
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				mu.Lock()
				lat = append(lat, time.Since(start))
				mu.Unlock()
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()

	checked, start := 0, time.Now()
	var banned time.Duration
	for i := 0; i < 100 && banned == 0; i++ {
		for {
			st, h, body := send(t, attacker, "GET", env.HTTPURL+checkPath, nil, "Basic", fmt.Sprintf("admin:guess%03d", i))
			if st == http.StatusUnauthorized {
				checked++
				break
			}
			if st != http.StatusTooManyRequests {
				t.Fatalf("guess %d: %d %s", i, st, body)
			}
			wait, _ := strconv.Atoi(h.Get("Retry-After"))
			if strings.Contains(body, "banned") {
				banned = time.Duration(wait) * time.Second
				break
			}
			if wait < 1 || wait > 1 {
				t.Fatalf("back-off Retry-After %q for a 400 ms cap", h.Get("Retry-After"))
			}
			time.Sleep(100 * time.Millisecond) // the attacker polls; the test is bounded by the ban
		}
	}
	close(stop)
	wg.Wait()
	if banned < time.Minute {
		t.Fatalf("after %d checked guesses in %v the source was not banned for a minute (Retry-After %v)", checked, time.Since(start).Round(time.Millisecond), banned)
	}
	if checked != 12 {
		t.Fatalf("%d guesses were checked before the ban, want 12", checked)
	}
	// The ban is the source's: another address with a fresh login of its own still works.
	account(t, env, "other", "other", "otherpw", nil, []string{"xivo/configuration/check"}, false)
	if st, _, _ := send(t, fromAddr("127.0.0.3"), "GET", env.HTTPURL+checkPath, nil, "Basic", "other:otherpw"); st != http.StatusOK {
		t.Fatalf("another source during the ban: %d", st)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(lat) < 20 {
		t.Fatalf("only %d friend requests answered during the attack", len(lat))
	}
	slices.Sort(lat)
	if p95 := lat[len(lat)*95/100]; p95 > 10*time.Millisecond {
		t.Fatalf("cached login during the attack: p95 %v over %d requests, want under 10 ms", p95, len(lat))
	}
}

// Right after a start, 400 concurrent requests with the same (not yet verified) credentials
// share one bcrypt check instead of running 400.
func TestColdStartSharesOnePasswordCheck(t *testing.T) {
	env := testenv.Start(t)
	h, err := bcrypt.GenerateFromPassword([]byte("secret"), bcrypt.DefaultCost)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.DB.Exec(`INSERT INTO ws_accounts (name, login, password_hash, sections) VALUES ('admin', 'admin', $1, '{xivo/configuration/check}')`, string(h)); err != nil {
		t.Fatal(err)
	}
	const n = 400
	tr := &http.Transport{MaxConnsPerHost: n, MaxIdleConnsPerHost: n}
	hc := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	defer tr.CloseIdleConnections()
	lat := make([]time.Duration, n)
	codes := make([]int, n)
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			start := time.Now()
			req, _ := http.NewRequest("GET", env.HTTPURL+checkPath, nil)
			req.SetBasicAuth("admin", "secret")
			resp, err := hc.Do(req)
			lat[i] = time.Since(start)
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				codes[i] = resp.StatusCode
			}
		}()
	}
	close(gate)
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusOK {
			t.Fatalf("request %d: %d", i, c)
		}
	}
	slices.Sort(lat)
	if p50 := lat[n/2]; p50 > 2*time.Second {
		t.Fatalf("400 cold requests: p50 %v, want under 2 s", p50)
	}
	t.Logf("400 cold requests: p50 %v, max %v", lat[n/2], lat[n-1])
}

// 64 connections from 64 addresses sending wrong passwords keep at most half the processors
// busy with bcrypt: a client whose credentials are already verified is served at its usual
// speed meanwhile (it took 0.45–1.1 s when every guess ran its own bcrypt at once).
func TestWrongPasswordFloodLeavesCachedLoginsFast(t *testing.T) {
	env := testenv.Start(t)
	h, _ := bcrypt.GenerateFromPassword([]byte("secret"), bcrypt.DefaultCost)
	if _, err := env.DB.Exec(`INSERT INTO ws_accounts (name, login, password_hash, sections) VALUES ('admin', 'admin', $1, '{xivo/configuration/check}')`, string(h)); err != nil {
		t.Fatal(err)
	}
	friend := &http.Client{Transport: &http.Transport{}}
	if st, _, _ := send(t, friend, "GET", env.HTTPURL+checkPath, nil, "Basic", "admin:secret"); st != http.StatusOK {
		t.Fatalf("friend: %d", st)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := 1; i <= 64; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hc := fromAddr(fmt.Sprintf("127.0.3.%d", i))
			for j := 0; j < 50; j++ {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest("GET", env.HTTPURL+checkPath, nil)
				req.SetBasicAuth(fmt.Sprintf("user%d", j), "wrong")
				if resp, err := hc.Do(req); err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		}()
	}
	var lat []time.Duration
	for i := 0; i < 100; i++ {
		start := time.Now()
		st, _, _ := send(t, friend, "GET", env.HTTPURL+checkPath, nil, "Basic", "admin:secret")
		lat = append(lat, time.Since(start))
		if st != http.StatusOK {
			t.Fatalf("friend during the flood: %d", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	slices.Sort(lat)
	t.Logf("cached login during a 64-connection wrong-password flood: p50 %v, p95 %v", lat[50], lat[95])
	if lat[50] > 10*time.Millisecond {
		t.Fatalf("cached login during the flood: p50 %v, want under 10 ms", lat[50])
	}
}

// A body the handler never reads (a refusal before authentication, a 404, a GET with a
// body) does not stay on the keep-alive connection to be parsed as the next request: the
// next answer on the connection is the next request's. A body shorter than its
// Content-Length (the client gave up) is refused, not handled as if complete.
func TestUnreadBodiesAreNotParsedAsRequests(t *testing.T) {
	env, _ := sipxSetup(t)
	smuggled := "GET /sipxconfig/api/license HTTP/1.1\r\nHost: x\r\n\r\n" // 401
	body := strings.Repeat("x", 9000) + "\r\n\r\n" + smuggled
	for _, first := range []string{
		"POST /sipxconfig/api/license HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n",           // 401
		"GET /sipxconfig/api/no-such-thing HTTP/1.1\r\nHost: x\r\n",                                  // 404
		"POST /service/ipbx/json.php/restricted/pbx_settings/users/?act=add HTTP/1.1\r\nHost: x\r\n", // 401
	} {
		conn, err := tls.Dial("tcp", strings.TrimPrefix(env.HTTPSURL, "https://"), &tls.Config{RootCAs: env.CAPool})
		if err != nil {
			t.Fatal(err)
		}
		_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
		probe := "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n" // 200
		if _, err := conn.Write([]byte(first + "Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body + probe)); err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(conn)
		res, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized && res.StatusCode != http.StatusNotFound {
			t.Fatalf("%q: the first answer is %d", first, res.StatusCode)
		}
		next, err := http.ReadResponse(r, nil)
		if err != nil {
			t.Fatalf("%q: no answer to the probe: %v", first, err)
		}
		b, _ := io.ReadAll(next.Body)
		next.Body.Close()
		if next.StatusCode != http.StatusOK {
			t.Fatalf("%q: the answer after the first is %d %s: part of the first body was taken for a request", first, next.StatusCode, b)
		}
		conn.Close()
	}

	// A body cut short: the PUT is refused and nothing is stored.
	conn, err := tls.Dial("tcp", strings.TrimPrefix(env.HTTPSURL, "https://"), &tls.Config{RootCAs: env.CAPool})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	auth := base64.StdEncoding.EncodeToString([]byte("boss:bosspin1"))
	if _, err := conn.Write([]byte("PUT /sipxconfig/api/moh/settings/moh-config/MOH_SOURCE HTTP/1.1\r\nHost: x\r\nAuthorization: Basic " + auth +
		"\r\nContent-Type: text/plain\r\nContent-Length: 20000\r\n\r\nNO")); err != nil {
		t.Fatal(err)
	}
	if err := conn.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var n int
	if err := env.DB.Get(&n, `SELECT count(*) FROM setting_values`); err != nil || res.StatusCode != http.StatusBadRequest || n != 0 {
		t.Fatalf("a body cut short: %d, %d settings stored (%v)", res.StatusCode, n, err)
	}
}
