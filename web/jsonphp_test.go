package web

import (
	"errors"

	"pbxws/models"
	"strings"
	"testing"
)

func TestSplitJSONPath(t *testing.T) {
	cases := []struct {
		in, mode, path string
		ok             bool
	}{
		{"/restricted/pbx_settings/users/", "restricted", "pbx_settings/users", true},
		{"/restricted/pbx_settings/users", "restricted", "pbx_settings/users", true},
		{"//restricted//pbx_settings///users//", "restricted", "pbx_settings/users", true},
		{"/restricted/call_management/schedule/users/", "restricted", "call_management/schedule", true},
		{"/restricted/check/", "restricted", "check", true},
		{"/restricted/profiles", "restricted", "profiles", true},
		{"/restricted/_common/x", "", "", false},
		{"/restricted/.hidden/x", "", "", false},
		{"/restricted/../pbx_settings/users", "restricted", "pbx_settings/users", true},
		{"/", "", "", false},
		{"", "", "", false},
		{"/restricted", "", "", false},
	}
	for _, tc := range cases {
		mode, path, ok := splitJSONPath(tc.in)
		if ok != tc.ok || (ok && (mode != tc.mode || path != tc.path)) {
			t.Errorf("splitJSONPath(%q) = %q %q %v, want %q %q %v", tc.in, mode, path, ok, tc.mode, tc.path, tc.ok)
		}
	}
}

func FuzzSplitJSONPath(f *testing.F) {
	for _, s := range []string{"/restricted/pbx_settings/users/", "/private/check", "//a//b/c/d/e", "/../_x/.y", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		mode, path, ok := splitJSONPath(s)
		if !ok {
			return
		}
		for _, p := range append([]string{mode}, strings.Split(path, "/")...) {
			if p == "" || strings.HasPrefix(p, "_") || strings.HasPrefix(p, ".") || strings.Contains(p, "..") {
				t.Fatalf("splitJSONPath(%q) let %q through", s, p)
			}
		}
		if strings.Count(path, "/") > 1 {
			t.Fatalf("splitJSONPath(%q) kept more than three pieces: %q", s, path)
		}
	})
}

// FuzzQueryDecoding pins that the gate's query decoding never panics, keeps form semantics
// (+ is a space) that xivo-ws relies on, and lets no control character through.
func FuzzQueryDecoding(f *testing.F) {
	f.Add("act=search&search=a+b%2Fc%7Ed%2Ae%40f%2Bg%26h%3Di%C3%A9")
	f.Add("act=view&id=")
	f.Add("act=searchid&idbeg=12&%zz")
	f.Add("act=list&x=%0d%0a")
	f.Fuzz(func(t *testing.T, q string) {
		v, err := parseQuery(q)
		if err != nil {
			var ve *models.ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) == 0 {
				t.Fatalf("%q: error %v is not a validation error naming a field", q, err)
			}
			return
		}
		for k, vs := range v {
			if !models.Printable(k) {
				t.Fatalf("%q: name %q has control characters", q, k)
			}
			for _, x := range vs {
				if !models.Printable(x) || x != strings.TrimSpace(x) {
					t.Fatalf("%q: value %q not trimmed or has control characters", q, x)
				}
			}
		}
	})
}

func TestQueryDecodingMatchesXivoWS(t *testing.T) {
	v, err := parseQuery("act=search&search=a+b%2Fc%7Ed%2Ae%40f%2Bg%26h%3Di%C3%A9")
	if err != nil || v.Get("search") != "a b/c~d*e@f+g&h=ié" {
		t.Fatalf("got %q, %v", v.Get("search"), err)
	}
}

func TestEtagMatch(t *testing.T) {
	if !etagMatch(`W/"abc", "def"`, `"abc"`) || !etagMatch("*", `"x"`) || etagMatch(`"abc"`, `"abd"`) || etagMatch("", `"x"`) {
		t.Fatal("etagMatch is wrong")
	}
}
