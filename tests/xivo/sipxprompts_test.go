package xivo_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pbxws/tests/testenv"
	"pbxws/web"
)

// wavBytes is a file that sniffs as WAV, n bytes long (n ≥ 12).
func wavBytes(n int) []byte {
	b := bytes.Repeat([]byte{'w'}, n)
	copy(b, "RIFF\x00\x00\x00\x00WAVE")
	return b
}

// mp3Bytes is a file that sniffs as MP3 (an ID3 tag), n bytes long.
func mp3Bytes(n int) []byte {
	b := bytes.Repeat([]byte{'m'}, n)
	copy(b, "ID3\x04")
	return b
}

// promptPart is one part of an upload: its Content-Disposition and its bytes.
type promptPart struct {
	disposition string
	data        []byte
}

func filePart(name string, data []byte) promptPart {
	return promptPart{fmt.Sprintf(`form-data; name="file"; filename="%s"`, name), data}
}

// multipartBody is an upload of parts, and its Content-Type.
func multipartBody(t *testing.T, parts ...promptPart) (string, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", p.disposition)
		h.Set("Content-Type", "application/octet-stream")
		pw, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = pw.Write(p.data)
	}
	_ = w.Close()
	return b.String(), w.FormDataContentType()
}

// audioState is the stored audio files, one line each.
func audioState(t *testing.T, env *testenv.Env) string {
	t.Helper()
	var s *string
	if err := env.DB.Get(&s, `SELECT string_agg(concat_ws('|', family, name, content_type, size, sha256, length(data)), E'\n' ORDER BY family, name COLLATE "C") FROM audio_files`); err != nil {
		t.Fatal(err)
	}
	if s == nil {
		return ""
	}
	return *s
}

func sha(b []byte) string { x := sha256.Sum256(b); return hex.EncodeToString(x[:]) }

// /api/{family}/prompts: uploads validated part by part (names, content, no overwrite),
// listed in JSON and XML, downloaded with ranges and ETags, mirrored, deleted; ADMIN only.
func TestSipxAPIPrompts(t *testing.T) {
	sounds := t.TempDir()
	env, _ := sipxSetup(t, func(c *web.Config) { c.AudioMaxBytes = 4000; c.AudioFamilyMaxBytes = 10000; c.SoundsDir = sounds })
	boss := newSipx(t, env, "boss", "bosspin1")
	const base = "/sipxconfig/api/moh/prompts"

	// Roles: no credentials 401, a USER 403, for every method; nothing stored.
	body, ctype := multipartBody(t, filePart("a.wav", wavBytes(100)))
	for _, who := range []*sx{newSipx(t, env, "", ""), newSipx(t, env, "clerk", "clerkpin")} {
		want := http.StatusUnauthorized
		if who.user != "" {
			want = http.StatusForbidden
		}
		for _, x := range [][2]string{{"GET", base}, {"POST", base}, {"GET", base + "/a.wav"}, {"GET", base + "/a.wav/stream"}, {"DELETE", base + "/a.wav"}} {
			if a := who.send(x[0], x[1], ctype, body); a.status != want {
				t.Fatalf("%q %s %s: %d %s", who.user, x[0], x[1], a.status, a.body)
			}
		}
	}
	if got := audioState(t, env); got != "" {
		t.Fatalf("refused uploads stored: %s", got)
	}
	if a := boss.send("GET", base, "", ""); a.status != http.StatusOK || a.body != `{"files":[]}` {
		t.Fatalf("empty list: %d %s", a.status, a.body)
	}

	// Good parts are stored, bad ones named in a 400 (names by §4.2, content matching the
	// extension); a form field without a file name is no file.
	wav, mp3 := wavBytes(100), mp3Bytes(60)
	body, ctype = multipartBody(t,
		promptPart{`form-data; name="comment"`, []byte("not a file")},
		filePart("default.wav", wav),
		promptPart{`form-data; name="file"; filename*=UTF-8''Song%20%28two%29.MP3`, mp3},
		filePart("../../etc/passwd.wav", wav),
		filePart(`a\b.wav`, wav),
		filePart(".hidden.wav", wav),
		filePart("notes.txt", wav),
		filePart("fake.wav", mp3),
		filePart("x..y.wav", wav),
		filePart(strings.Repeat("a", 97)+".wav", wav),
	)
	a := boss.send("POST", base, ctype, body)
	if a.status != http.StatusBadRequest || a.body != "../../etc/passwd.wav,a\\b.wav,.hidden.wav,notes.txt,fake.wav,x..y.wav,"+strings.Repeat("a", 97)+".wav\n" ||
		!strings.HasPrefix(a.header.Get("Content-Type"), "text/plain") {
		t.Fatalf("mixed upload: %d %q", a.status, a.body)
	}
	stored := "moh|Song (two).MP3|audio/mpeg|60|" + sha(mp3) + "|60\nmoh|default.wav|audio/x-wav|100|" + sha(wav) + "|100"
	if got := audioState(t, env); got != stored {
		t.Fatalf("stored:\n%s\nwant\n%s", got, stored)
	}
	// Nothing escaped the family folder of the mirror; the mirror holds the two files.
	var mirrored []string
	_ = filepath.Walk(sounds, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			rel, _ := filepath.Rel(sounds, p)
			mirrored = append(mirrored, rel)
		}
		return nil
	})
	if strings.Join(mirrored, ",") != "moh/Song (two).MP3,moh/default.wav" {
		t.Fatalf("mirror: %v", mirrored)
	}
	if b, _ := os.ReadFile(filepath.Join(sounds, "moh", "default.wav")); !bytes.Equal(b, wav) {
		t.Fatal("mirror: wrong bytes")
	}

	// An existing name is not overwritten; another family is apart.
	body, ctype = multipartBody(t, filePart("default.wav", wavBytes(200)))
	if a := boss.send("POST", base, ctype, body); a.status != http.StatusBadRequest || a.body != "default.wav\n" || audioState(t, env) != stored {
		t.Fatalf("overwrite: %d %s", a.status, a.body)
	}
	if a := boss.send("POST", "/sipxconfig/api/orbits/prompts", ctype, body); a.status != http.StatusOK || a.body != "" {
		t.Fatalf("orbits upload: %d %s", a.status, a.body)
	}
	if a := boss.send("GET", "/sipxconfig/api/pagegroups/prompts.json", "", ""); a.body != `{"files":[]}` {
		t.Fatalf("pagegroups list: %s", a.body)
	}
	stored += "\norbits|default.wav|audio/x-wav|200|" + sha(wavBytes(200)) + "|200"
	if got := audioState(t, env); got != stored {
		t.Fatalf("stored:\n%s\nwant\n%s", got, stored)
	}

	// Lists: by name, path = the name, JSON and XML.
	want := `{"files":[{"name":"Song (two).MP3","type":"audio/mpeg","size":60,"path":"Song (two).MP3"},{"name":"default.wav","type":"audio/x-wav","size":100,"path":"default.wav"}]}`
	if a := boss.send("GET", base, "", ""); a.status != http.StatusOK || a.body != want || !strings.HasPrefix(a.header.Get("Content-Type"), "application/json") {
		t.Fatalf("list: %d %s", a.status, a.body)
	}
	wantXML := `<Files><File><name>Song (two).MP3</name><type>audio/mpeg</type><size>60</size><path>Song (two).MP3</path></File><File><name>default.wav</name><type>audio/x-wav</type><size>100</size><path>default.wav</path></File></Files>`
	if a := boss.send("GET", base, "", "", "Accept", "application/xml"); a.status != http.StatusOK || !strings.HasSuffix(a.body, wantXML) {
		t.Fatalf("XML list: %d %s", a.status, a.body)
	}

	// Downloads: type, length, attachment, ETag; ranges; 304; stream without attachment.
	a = boss.send("GET", base+"/default.wav", "", "")
	etag := `"` + sha(wav) + `"`
	if a.status != http.StatusOK || a.body != string(wav) || a.header.Get("Content-Type") != "audio/x-wav" || a.header.Get("Content-Length") != "100" ||
		a.header.Get("Content-Disposition") != `attachment; filename="default.wav"` || a.header.Get("ETag") != etag {
		t.Fatalf("download: %d %v", a.status, a.header)
	}
	a = boss.send("GET", base+"/Song%20(two).MP3/stream", "", "")
	if a.status != http.StatusOK || a.body != string(mp3) || a.header.Get("Content-Type") != "audio/mpeg" || a.header.Get("Content-Disposition") != "" {
		t.Fatalf("stream: %d %v", a.status, a.header)
	}
	for _, x := range []struct {
		rng, ifRange string
		status       int
		body, cr     string
	}{
		{"bytes=0-3", "", 206, "RIFF", "bytes 0-3/100"},
		{"bytes=8-11", etag, 206, "WAVE", "bytes 8-11/100"},
		{"bytes=98-", "", 206, "ww", "bytes 98-99/100"},
		{"bytes=-2", "", 206, "ww", "bytes 98-99/100"},
		{"bytes=90-500", "", 206, "wwwwwwwwww", "bytes 90-99/100"},
		{"bytes=100-", "", 416, "", "bytes */100"},
		{"bytes=0-3", `"other"`, 200, string(wav), ""},
		{"bytes=0-1,4-5", "", 200, string(wav), ""},
	} {
		hdr := []string{"Range", x.rng}
		if x.ifRange != "" {
			hdr = append(hdr, "If-Range", x.ifRange)
		}
		a := boss.send("GET", base+"/default.wav/stream", "", "", hdr...)
		if a.status != x.status || (x.status != 416 && a.body != x.body) || a.header.Get("Content-Range") != x.cr {
			t.Fatalf("Range %s: %d %q %q", x.rng, a.status, a.body, a.header.Get("Content-Range"))
		}
	}
	if a := boss.send("GET", base+"/default.wav", "", "", "If-None-Match", etag); a.status != http.StatusNotModified || a.body != "" {
		t.Fatalf("If-None-Match: %d", a.status)
	}
	if a := boss.send("HEAD", base+"/default.wav", "", ""); a.status != http.StatusOK || a.header.Get("Content-Length") != "100" || a.body != "" {
		t.Fatalf("HEAD: %d %v", a.status, a.header)
	}
	for _, p := range []string{"/nothing.wav", "/..%2F..%2Fetc%2Fpasswd", "/nothing.wav/stream"} {
		if a := boss.send("GET", base+p, "", ""); a.status != http.StatusNotFound || a.body != "Prompt not found\n" {
			t.Fatalf("GET %s: %d %s", p, a.status, a.body)
		}
	}

	// Refused uploads change nothing: not multipart 415, no file 400, malformed 400,
	// more than 20 parts 413, a file over the per-file limit 413, the family over its room 413.
	var many []promptPart
	for i := 0; i < 21; i++ {
		many = append(many, promptPart{fmt.Sprintf(`form-data; name="f%d"`, i), []byte("x")})
	}
	manyBody, manyType := multipartBody(t, many...)
	bigBody, bigType := multipartBody(t, filePart("big.wav", wavBytes(4001)))
	var fill []promptPart
	for i := 0; i < 3; i++ {
		fill = append(fill, filePart(fmt.Sprintf("fill%d.wav", i), wavBytes(3500)))
	}
	fillBody, fillType := multipartBody(t, fill...)
	noFile, noFileType := multipartBody(t, promptPart{`form-data; name="x"`, []byte("y")})
	for _, x := range []struct {
		ctype, body string
		status      int
		has         string
	}{
		{"application/json", `{"files":[]}`, 415, "multipart"},
		{"multipart/form-data", "x", 415, "boundary"},
		{noFileType, noFile, 400, "no file"},
		{"multipart/form-data; boundary=zz", "--zz\r\nbroken", 400, "malformed"},
		{"multipart/form-data; boundary=zz", "--zz\r\nContent-Disposition: form-data; filename=a(b).wav\r\n\r\nRIFF\r\n--zz--\r\n", 400, "Content-Disposition"},
		{manyType, manyBody, 413, "20 parts"},
		{bigType, bigBody, 413, "big.wav: larger than 4000 bytes"},
	} {
		if a := boss.send("POST", base, x.ctype, x.body); a.status != x.status || !strings.Contains(a.body, x.has) {
			t.Fatalf("POST %.40s: %d %s", x.ctype, a.status, a.body)
		}
		if got := audioState(t, env); got != stored {
			t.Fatalf("POST %.40s changed the files:\n%s", x.ctype, got)
		}
	}
	// The family room: the files that fit are stored, the one that does not is 413.
	if a := boss.send("POST", base, fillType, fillBody); a.status != http.StatusRequestEntityTooLarge || !strings.Contains(a.body, "fill2.wav: the moh files would exceed 10000 bytes") {
		t.Fatalf("family limit: %d %s", a.status, a.body)
	}
	var n int
	if err := env.DB.Get(&n, `SELECT count(*) FROM audio_files WHERE family = 'moh' AND name LIKE 'fill%'`); err != nil || n != 2 {
		t.Fatalf("fill files stored: %d %v", n, err)
	}
	if _, err := env.DB.Exec(`DELETE FROM audio_files WHERE name LIKE 'fill%'`); err != nil {
		t.Fatal(err)
	}

	// The stream is cut at the limit: a body declaring 100 MiB gets its 413 after the first
	// part goes over 4000 bytes, without the rest being sent.
	conn, err := tls.Dial("tcp", strings.TrimPrefix(env.HTTPSURL, "https://"), &tls.Config{RootCAs: env.CAPool})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	head := "--zz\r\nContent-Disposition: form-data; name=\"f\"; filename=\"huge.wav\"\r\n\r\n" + string(wavBytes(20000))
	go func() { // the server may answer, and close, before all of this is written
		_, _ = fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Basic Ym9zczpib3NzcGluMQ==\r\nContent-Type: multipart/form-data; boundary=zz\r\nContent-Length: %d\r\n\r\n%s",
			base, 100<<20, head)
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	rb, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || string(rb) != "huge.wav: larger than 4000 bytes\n" || !resp.Close {
		t.Fatalf("cut: %d %q close=%v", resp.StatusCode, rb, resp.Close)
	}
	if got := audioState(t, env); got != stored {
		t.Fatalf("cut upload changed the files:\n%s", got)
	}

	// Other bodies keep their 1 MiB limit, chunked ones too.
	req, _ := http.NewRequest("POST", env.HTTPSURL+"/sipxconfig/api/schedules", io.MultiReader(strings.NewReader(`{"name":"`), bytes.NewReader(bytes.Repeat([]byte("x"), 2<<20))))
	req.SetBasicAuth("boss", "bosspin1")
	req.Header.Set("Content-Type", "application/json")
	if a := boss.raw(req); a.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("chunked 2 MiB: %d %.100s", a.status, a.body)
	}
	req, _ = http.NewRequest("POST", env.HTTPSURL+"/sipxconfig/api/schedules", io.MultiReader(strings.NewReader(`{"name":"chunked"}`)))
	req.SetBasicAuth("boss", "bosspin1")
	req.Header.Set("Content-Type", "application/json")
	if a := boss.raw(req); a.status != http.StatusOK {
		t.Fatalf("chunked small body: %d %s", a.status, a.body)
	}

	// Delete: 200, then 404; the mirror copy goes too.
	if a := boss.send("DELETE", base+"/default.wav", "", ""); a.status != http.StatusOK || a.body != "" {
		t.Fatalf("DELETE: %d %s", a.status, a.body)
	}
	if _, err := os.Stat(filepath.Join(sounds, "moh", "default.wav")); !os.IsNotExist(err) {
		t.Fatalf("mirror copy left: %v", err)
	}
	if a := boss.send("DELETE", base+"/default.wav", "", ""); a.status != http.StatusNotFound || a.body != "Prompt not found\n" {
		t.Fatalf("DELETE again: %d %s", a.status, a.body)
	}
	if got := audioState(t, env); strings.Contains(got, "moh|default.wav") || !strings.Contains(got, "orbits|default.wav") {
		t.Fatalf("after DELETE: %s", got)
	}
	if a := boss.send("PUT", base, "", ""); a.status != http.StatusMethodNotAllowed || a.header.Get("Allow") != "GET, POST, OPTIONS" {
		t.Fatalf("PUT: %d %v", a.status, a.header)
	}
}

// The real curl binary uploads with -F (a 3 MiB file: curl asks Expect: 100-continue first)
// and downloads a range; the bytes come back as they went.
func TestSipxAPIPromptsCurl(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl is not installed (tests/install-deps.sh installs it)")
	}
	env, _ := sipxSetup(t)
	dir := t.TempDir()
	wav := wavBytes(3 << 20)
	if err := os.WriteFile(filepath.Join(dir, "hold.wav"), wav, 0o644); err != nil {
		t.Fatal(err)
	}
	url := "https://boss:bosspin1@" + strings.TrimPrefix(env.HTTPSURL, "https://") + "/sipxconfig/api/moh/prompts"
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("curl", append([]string{"-k", "-s", "-w", "%{http_code}"}, args...)...).Output()
		if err != nil {
			t.Fatalf("curl %v: %v", args, err)
		}
		return string(out)
	}
	if got := run("-F", "file=@"+filepath.Join(dir, "hold.wav"), url, "-o", filepath.Join(dir, "answer")); got != "200" {
		b, _ := os.ReadFile(filepath.Join(dir, "answer"))
		t.Fatalf("upload: %s %s", got, b)
	}
	if got := audioState(t, env); got != "moh|hold.wav|audio/x-wav|3145728|"+sha(wav)+"|3145728" {
		t.Fatalf("stored: %s", got)
	}
	if got := run(url+"/hold.wav", "-o", filepath.Join(dir, "back.wav")); got != "200" {
		t.Fatalf("download: %s", got)
	}
	if back, _ := os.ReadFile(filepath.Join(dir, "back.wav")); !bytes.Equal(back, wav) {
		t.Fatal("the downloaded bytes differ")
	}
	if got := run("-r", "0-11", url+"/hold.wav/stream", "-o", filepath.Join(dir, "head")); got != "206" {
		t.Fatalf("range: %s", got)
	}
	if head, _ := os.ReadFile(filepath.Join(dir, "head")); string(head) != "RIFF\x00\x00\x00\x00WAVE" {
		t.Fatalf("range bytes: %q", head)
	}
}

// mirrorHas polls until the mirror file is there with want's bytes (want nil: until it is
// gone), for at most 5 seconds.
func mirrorHas(t *testing.T, path string, want []byte) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(5 * time.Second)
	for {
		b, err := os.ReadFile(path)
		if (want == nil && os.IsNotExist(err)) || (want != nil && err == nil && bytes.Equal(b, want)) {
			return
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("%s: %d bytes, %v; want %d bytes", path, len(b), err, len(want))
		}
	}
}

// Two instances on one database, each with its own mirror folder: the one that did not get
// the upload mirrors it too (at start for the files already stored, then as others
// announce them), and drops the copies of files deleted or no longer stored.
func TestSipxAPIPromptsMirrorOnEveryInstance(t *testing.T) {
	dirA, dirB := t.TempDir(), t.TempDir()
	envA, _ := sipxSetup(t, func(c *web.Config) { c.SoundsDir = dirA })
	boss := newSipx(t, envA, "boss", "bosspin1")
	first, second := wavBytes(300), mp3Bytes(200)
	body, ctype := multipartBody(t, filePart("first.wav", first))
	if a := boss.send("POST", "/sipxconfig/api/moh/prompts", ctype, body); a.status != http.StatusOK {
		t.Fatalf("upload: %d %s", a.status, a.body)
	}
	// B starts with a stale copy and a file that is no prompt name: the first goes, the
	// second is none of pbxws's business.
	if err := os.MkdirAll(filepath.Join(dirB, "orbits"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"orbits/stale.wav", "orbits/README"} {
		if err := os.WriteFile(filepath.Join(dirB, n), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	testenv.StartOn(t, envA.DSN, func(c *web.Config) { c.SoundsDir = dirB })
	mirrorHas(t, filepath.Join(dirB, "moh", "first.wav"), first)
	mirrorHas(t, filepath.Join(dirB, "orbits", "stale.wav"), nil)
	if _, err := os.Stat(filepath.Join(dirB, "orbits", "README")); err != nil {
		t.Fatalf("a foreign file was touched: %v", err)
	}
	// Later changes through A reach B's folder.
	body, ctype = multipartBody(t, filePart("second.mp3", second))
	if a := boss.send("POST", "/sipxconfig/api/orbits/prompts", ctype, body); a.status != http.StatusOK {
		t.Fatalf("upload: %d %s", a.status, a.body)
	}
	mirrorHas(t, filepath.Join(dirB, "orbits", "second.mp3"), second)
	if a := boss.send("DELETE", "/sipxconfig/api/moh/prompts/first.wav", "", ""); a.status != http.StatusOK {
		t.Fatalf("delete: %d %s", a.status, a.body)
	}
	mirrorHas(t, filepath.Join(dirB, "moh", "first.wav"), nil)
	mirrorHas(t, filepath.Join(dirA, "moh", "first.wav"), nil)
	mirrorHas(t, filepath.Join(dirA, "orbits", "second.mp3"), second)
}
