package wsclient

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

// captured is one request as the server saw it.
type captured struct {
	method, path, rawQuery string
	header                 http.Header
	body                   string
}

// wireServer records requests and answers with status and body.
func wireServer(t *testing.T, status int, body string) (*Client, *[]captured) {
	t.Helper()
	var got []captured
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, captured{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), string(b)})
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return New("localhost", "admin", "secret", WithBaseURL(srv.URL)), &got
}

func TestBaseURLFollowsXivoWS(t *testing.T) {
	for host, want := range map[string]string{
		"localhost": "http://localhost", "127.0.0.1": "http://127.0.0.1", "localhost:8080": "https://localhost:8080",
		"skaro": "https://skaro", "LOCALHOST": "https://LOCALHOST", "[::1]": "https://[::1]",
	} {
		if got := New(host, "", "").BaseURL(); got != want {
			t.Errorf("%s → %s, want %s", host, got, want)
		}
	}
	if got := New("10.0.0.1:8080", "", "", WithHTTP()).BaseURL(); got != "http://10.0.0.1:8080" {
		t.Errorf("forced http: %s", got)
	}
}

func TestRequestsOnTheWire(t *testing.T) {
	ctx := context.Background()
	c, got := wireServer(t, 200, `"42"`+"\n")
	users := c.Users()
	id, err := users.Add(ctx, User{Firstname: "Jack"})
	if err != nil || id != "42" {
		t.Fatalf("add: %q %v", id, err)
	}
	_ = users.Edit(ctx, User{ID: 7, Firstname: "Jack"})
	_ = users.Edit(ctx, User{Firstname: "NoID"})
	_ = users.Delete(ctx, "7")
	_ = users.DeleteAll(ctx)
	_, _ = c.Service("cti_profiles").RawList(ctx)
	_, _ = c.Contexts().RawView(ctx, "to-extern")
	_, _ = users.RawSearch(ctx, "a b/c~d*e@f+g&h=ié")
	_, _ = c.CheckWS(ctx)
	want := []struct{ method, path, query string }{
		{"POST", "/service/ipbx/json.php/restricted/pbx_settings/users/", "act=add"},
		{"POST", "/service/ipbx/json.php/restricted/pbx_settings/users/", "act=edit&id=7"},
		{"POST", "/service/ipbx/json.php/restricted/pbx_settings/users/", "act=edit"},
		{"GET", "/service/ipbx/json.php/restricted/pbx_settings/users/", "act=delete&id=7"},
		{"GET", "/service/ipbx/json.php/restricted/pbx_settings/users/", "act=deleteall"},
		{"GET", "/cti/json.php/restricted/profiles", "act=list"},
		{"GET", "/service/ipbx/json.php/restricted/system_management/context/", "act=view&id=to-extern"},
		{"GET", "/service/ipbx/json.php/restricted/pbx_settings/users/", "act=search&search=a+b%2Fc%7Ed%2Ae%40f%2Bg%26h%3Di%C3%A9"},
		{"GET", "/xivo/configuration/json.php/restricted/check/", ""},
	}
	if len(*got) != len(want) {
		t.Fatalf("%d requests, want %d", len(*got), len(want))
	}
	for i, w := range want {
		g := (*got)[i]
		if g.method != w.method || g.path != w.path || g.rawQuery != w.query {
			t.Errorf("request %d: %s %s?%s, want %s %s?%s", i, g.method, g.path, g.rawQuery, w.method, w.path, w.query)
		}
		if g.header.Get("Authorization") != "Basic YWRtaW46c2VjcmV0" || g.header.Get("User-Agent") != DefaultUserAgent ||
			g.header.Get("Accept-Encoding") != "identity" {
			t.Errorf("request %d headers: %v", i, g.header)
		}
		if (g.method == "POST") != (g.header.Get("Content-Type") == "application/json") {
			t.Errorf("request %d content type %q", i, g.header.Get("Content-Type"))
		}
	}
}

func TestBodiesMatchCapturedXivoWS(t *testing.T) {
	ctx := context.Background()
	c, got := wireServer(t, 200, "\"1\"\n")
	lang, last := "en_US", "Johnson"
	_, _ = c.Users().Add(ctx, User{Firstname: "Jé", Lastname: &last, Language: &lang,
		Line:      &UserLine{Context: "default", Number: 1001},
		Voicemail: &UserVoicemail{Name: "x", Context: "default", Number: "1001"}})
	_, _ = c.Users().Add(ctx, User{Firstname: "Jack"})
	_, _ = c.Entities().Add(ctx, Entity{Name: "entity1", DisplayName: "Entity1"})
	_, _ = c.Contexts().Add(ctx, Context{Name: "default", DisplayName: "Default", Entity: "entity"})
	_, _ = c.Contexts().Add(ctx, Context{Name: "from-extern", DisplayName: "In", Entity: "e1", Type: "incall",
		Incalls: []ContextRange{{Start: "6000", End: "6099", DidLength: 4}}, ConfRooms: []ContextRange{{Start: "4000"}}})
	want := []string{
		`{"userfeatures": {"firstname": "J\u00e9", "language": "en_US", "lastname": "Johnson", "bsfilter": "no", "enablehint": true, "entityid": 1, "enablexfer": true, "musiconhold": "default"}, "voicemail": {"name": "x", "context": "default", "number": "1001"}, "linefeatures": {"secret": [null], "protocol": ["sip"], "number": [1001], "context": ["default"]}, "dialaction": {"chanunavail": {"actiontype": "none"}, "busy": {"actiontype": "none"}, "noanswer": {"actiontype": "none"}, "congestion": {"actiontype": "none"}}}`,
		`{"dialaction": {"busy": {"actiontype": "none"}, "chanunavail": {"actiontype": "none"}, "congestion": {"actiontype": "none"}, "noanswer": {"actiontype": "none"}}, "userfeatures": {"bsfilter": "no", "enablehint": true, "enablexfer": true, "entityid": 1, "firstname": "Jack", "musiconhold": "default"}}`,
		`{"name": "entity1", "displayname": "Entity1"}`,
		`{"context": {"contexttype": "incall", "displayname": "Default", "entity": "entity", "name": "default"}, "contextinclude": []}`,
		`{"context": {"contexttype": "incall", "displayname": "In", "entity": "e1", "name": "from-extern"}, "contextinclude": [], "contextnumbers": {"incall": [{"numberbeg": 6000, "numberend": 6099, "didlength": 4}], "meetme": [{"numberbeg": 4000}]}}`,
	}
	for i, w := range want {
		g := (*got)[i].body
		var a, b any
		if err := json.Unmarshal([]byte(g), &a); err != nil {
			t.Fatalf("body %d is not JSON: %s", i, g)
		}
		_ = json.Unmarshal([]byte(w), &b)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("body %d:\n got %s\nwant %s", i, g, w)
		}
		if !strings.Contains(g, `": `) || strings.Contains(g, `":"`) || strings.ContainsAny(g, "é") {
			t.Errorf("body %d is not in json.dumps form: %s", i, g)
		}
	}
}

func TestAnswersParseAsXivoWSDoes(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		status int
		body   string
		n      int
		bad    bool
	}{
		{204, "", 0, false},
		{200, "[]", 0, false},
		{200, "{}", 0, false},
		{200, `[{"id": "1", "name": "e", "displayname": "E"}]`, 1, false},
		{200, `[{"id": 1, "name": "e", "displayname": "E"}]`, 1, false},
		{200, `null`, 0, true},
		{200, "\n", 0, true},
		{200, `{"a": 1}`, 0, true},
		{200, `[{"id": null, "name": "e", "displayname": "E"}]`, 0, true},
		{200, `[{"id": "abc", "name": "e", "displayname": "E"}]`, 0, true},
		{200, `[{"id": 1, "name": "e"}]`, 0, true},
		{200, `[1]`, 0, true},
	} {
		c, _ := wireServer(t, tc.status, tc.body)
		got, err := c.Entities().List(ctx)
		if tc.bad != (err != nil) || len(got) != tc.n {
			t.Errorf("%d %q: %v %v", tc.status, tc.body, got, err)
		}
	}
	c, _ := wireServer(t, 204, "")
	if _, err := c.Entities().View(ctx, 1); err == nil {
		t.Error("a 204 view was accepted")
	}
}

func TestErrorsCarryStatusAndURL(t *testing.T) {
	ctx := context.Background()
	c, _ := wireServer(t, 404, `{"error":"no such object"}`)
	err := c.Entities().Delete(ctx, "9")
	var he *HTTPError
	if !IsNotFound(err) || StatusOf(err) != 404 || !asHTTPError(err, &he) || !strings.Contains(he.URL, "act=delete&id=9") {
		t.Fatalf("%v", err)
	}
	if err := c.Entities().DeleteIfExists(ctx, "9"); err != nil {
		t.Fatalf("DeleteIfExists swallowed nothing: %v", err)
	}
	c, _ = wireServer(t, 400, "")
	if err := c.Entities().DeleteIfExists(ctx, "9"); StatusOf(err) != 400 {
		t.Fatalf("DeleteIfExists swallowed a 400: %v", err)
	}
	if ok, err := c.CheckWS(ctx); ok || err != nil {
		t.Fatalf("check on 400: %v %v", ok, err)
	}
	if err := c.Service("lines").Delete(ctx, "1"); err == nil || !strings.Contains(err.Error(), "not offered") {
		t.Fatalf("typed delete on lines: %v", err)
	}
}

func TestNoRedirectIsFollowed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	}))
	defer srv.Close()
	c := New("localhost", "a", "b", WithBaseURL(srv.URL))
	if _, err := c.Entities().Add(context.Background(), Entity{Name: "x"}); StatusOf(err) != 302 {
		t.Fatalf("redirect: %v", err)
	}
}

func TestQuotePlus(t *testing.T) {
	if got := quotePlus("a b/c~d*e@f+g&h=ié"); got != "a+b%2Fc%7Ed%2Ae%40f%2Bg%26h%3Di%C3%A9" {
		t.Fatal(got)
	}
	if got := quotePlus("to-extern_1.x"); got != "to-extern_1.x" {
		t.Fatal(got)
	}
}

func asHTTPError(err error, he **HTTPError) bool {
	e, ok := err.(*HTTPError)
	if ok {
		*he = e
	}
	return ok
}
