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
