package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestCLIListSearchAddAndErrors(t *testing.T) {
	var last *http.Request
	var lastBody string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		last, lastBody = r, string(b)
		switch r.URL.Query().Get("act") {
		case "list":
			_, _ = io.WriteString(w, `[{"id": 1, "name": "entity1", "displayname": "Entity One"}]`)
		case "search":
			w.WriteHeader(http.StatusNoContent)
		case "add":
			_, _ = io.WriteString(w, "\"7\"\n")
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()
	run1 := func(stdin string, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(append([]string{"--base-url", srv.URL, "--user", "u", "--password", "p"}, args...), strings.NewReader(stdin), &out, &errb)
		return code, out.String(), errb.String()
	}
	code, out, _ := run1("", "entities", "list")
	if code != 0 || !strings.Contains(out, "ID") || !strings.Contains(out, "Entity One") {
		t.Fatalf("list: %d %q", code, out)
	}
	if code, out, _ = run1("", "entities", "search", "a b"); code != 0 || !strings.Contains(out, "(none)") || last.URL.RawQuery != "act=search&search=a+b" {
		t.Fatalf("search: %d %q %s", code, out, last.URL.RawQuery)
	}
	if code, out, _ = run1(`{"name": "x", "displayname": "X"}`, "--file", "-", "entities", "add"); code != 0 || strings.TrimSpace(out) != "7" || lastBody != `{"displayname": "X", "name": "x"}` {
		t.Fatalf("add: %d %q %q", code, out, lastBody)
	}
	if code, _, errs := run1("", "entities", "delete", "9"); code != 1 || !strings.Contains(errs, "404") {
		t.Fatalf("delete unknown: %d %q", code, errs)
	}
	if code, _, _ := run1("", "nosuch", "list"); code != 2 {
		t.Fatalf("unknown service: %d", code)
	}
	if code, _, errs := run1("{", "--file", "-", "entities", "add"); code != 1 || !strings.Contains(errs, "not JSON") {
		t.Fatalf("bad body: %d %q", code, errs)
	}
}

// Issue 14.8: -h exits 0 and lists the environment twins without printing the password
// taken from the environment; a service's -h lists its actions; loopback with a port is
// plain HTTP (it used to pick HTTPS and hang); every flag has an environment twin.
func TestCLIHelpEnvironmentAndLocalDefault(t *testing.T) {
	t.Setenv("PBXWS_WS_PASSWORD", "hunter2-secret")
	var out, errb bytes.Buffer
	if code := run([]string{"-h"}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("-h: exit %d %s", code, errb.String())
	}
	for _, env := range []string{"PBXWS_WS_HOST", "PBXWS_WS_USER", "PBXWS_WS_PASSWORD", "PBXWS_WS_BASE_URL", "PBXWS_WS_CA", "PBXWS_WS_JSON", "PBXWS_WS_TIMEOUT", "http://127.0.0.1:8080"} {
		if !strings.Contains(out.String(), env) {
			t.Errorf("-h does not name %s:\n%s", env, out.String())
		}
	}
	if strings.Contains(out.String()+errb.String(), "hunter2") {
		t.Fatalf("-h prints the password:\n%s", out.String())
	}
	out.Reset()
	if code := run([]string{"users", "-h"}, strings.NewReader(""), &out, &errb); code != 0 ||
		!strings.Contains(out.String(), "actions: ") || !strings.Contains(out.String(), "list") || !strings.Contains(out.String(), "pbx_settings/users") {
		t.Fatalf("users -h: %d %q", code, out.String())
	}

	var seen *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r
		_, _ = io.WriteString(w, `[{"id": 1, "name": "e1", "displayname": "E One"}]`)
	}))
	defer srv.Close()
	hostPort := strings.TrimPrefix(srv.URL, "http://")
	t.Setenv("PBXWS_WS_HOST", hostPort)
	t.Setenv("PBXWS_WS_USER", "u")
	t.Setenv("PBXWS_WS_JSON", "true")
	t.Setenv("PBXWS_WS_TIMEOUT", "3s")
	out.Reset()
	errb.Reset()
	if code := run([]string{"entities", "list"}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("list over loopback host:port: %d %s", code, errb.String())
	}
	if u, p, ok := seen.BasicAuth(); !ok || u != "u" || p != "hunter2-secret" {
		t.Fatalf("credentials from the environment: %q %q %v", u, p, ok)
	}
	if !strings.HasPrefix(strings.TrimSpace(out.String()), "[") {
		t.Fatalf("PBXWS_WS_JSON=true did not print JSON: %q", out.String())
	}
}
