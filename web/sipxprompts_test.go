package web

import "testing"

func TestByteRange(t *testing.T) {
	for _, x := range []struct {
		h                string
		size, start, end int64
		ok, satisfiable  bool
	}{
		{"bytes=0-3", 100, 0, 3, true, true},
		{"bytes=98-", 100, 98, 99, true, true},
		{"bytes=-2", 100, 98, 99, true, true},
		{"bytes=-500", 100, 0, 99, true, true},
		{"bytes=90-500", 100, 90, 99, true, true},
		{"bytes = 5-6", 100, 0, 0, false, true},
		{"bytes=100-", 100, 0, 0, false, false},
		{"bytes=-0", 100, 0, 0, false, false},
		{"bytes=0-", 0, 0, 0, false, false},
		{"bytes=5-4", 100, 0, 0, false, true},
		{"bytes=0-1,4-5", 100, 0, 0, false, true},
		{"items=0-1", 100, 0, 0, false, true},
		{"bytes=a-b", 100, 0, 0, false, true},
		{"bytes=-", 100, 0, 0, false, true},
		{"bytes=-1-2", 100, 0, 0, false, true},
	} {
		start, end, ok, sat := byteRange(x.h, x.size)
		if ok != x.ok || sat != x.satisfiable || (ok && (start != x.start || end != x.end)) {
			t.Errorf("%q over %d: %d-%d ok=%v satisfiable=%v", x.h, x.size, start, end, ok, sat)
		}
	}
}

// A range byteRange accepts always lies inside the file.
func FuzzByteRange(f *testing.F) {
	for _, h := range []string{"bytes=0-3", "bytes=-2", "bytes=98-", "bytes=0-1,4-5", "bytes=-9223372036854775808", "bytes=9223372036854775807-"} {
		f.Add(h, int64(100))
	}
	f.Fuzz(func(t *testing.T, h string, size int64) {
		if size < 0 {
			return
		}
		start, end, ok, _ := byteRange(h, size)
		if ok && (start < 0 || end < start || end >= size) {
			t.Fatalf("%q over %d: %d-%d", h, size, start, end)
		}
	})
}

func TestIsPromptUpload(t *testing.T) {
	for _, x := range []struct {
		method, path string
		want         bool
	}{
		{"POST", "/sipxconfig/api/moh/prompts", true},
		{"POST", "/sipxconfig/api/orbits/prompts/", true},
		{"POST", "/sipxconfig/api/pagegroups/prompts.json", true},
		{"GET", "/sipxconfig/api/moh/prompts", false},
		{"POST", "/sipxconfig/api/moh/prompts/x.wav", false},
		{"POST", "/sipxconfig/api/phones/prompts", false},
		{"POST", "/sipxconfig/api/schedules", false},
		{"POST", "/service/ipbx/json.php/private/moh/prompts", false},
	} {
		if got := isPromptUpload(x.method, x.path); got != x.want {
			t.Errorf("%s %s: %v", x.method, x.path, got)
		}
	}
}
