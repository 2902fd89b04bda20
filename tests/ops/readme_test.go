package ops

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"pbxws/tests/testenv"
)

// readmeBlock is one ```sh block of the README: its commands, and the output each
// expectation comment ("# …" right after a command) says must appear, in order ("…"
// stands for anything).
type readmeBlock struct {
	script     string
	expect     []string
	background bool // each command runs on: a phone in a terminal of its own
	repeat     bool // run again until the expectations hold (a status being followed)
}

// readmeBlocks extracts the sh blocks between two headings of the README.
func readmeBlocks(t *testing.T, from, to string) []readmeBlock {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	i, j := strings.Index(text, from), strings.Index(text, to)
	if i < 0 || j < i {
		t.Fatalf("README has no section %q … %q", from, to)
	}
	var blocks []readmeBlock
	var cur *readmeBlock
	prevCommand := false
	for _, line := range strings.Split(text[i:j], "\n") {
		switch {
		case cur == nil && strings.HasPrefix(line, "```sh"):
			cur = &readmeBlock{background: strings.Contains(line, "background"), repeat: strings.Contains(line, "repeat")}
			prevCommand = false
		case cur != nil && line == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil && strings.HasPrefix(line, "# ") && prevCommand:
			cur.expect = append(cur.expect, strings.TrimPrefix(line, "# "))
		case cur != nil:
			cur.script += line + "\n"
			prevCommand = !strings.HasPrefix(line, "#")
		}
	}
	return blocks
}

// matches says whether out holds every expectation in order, "…" matching anything.
func matches(out string, expect []string) bool {
	pos := 0
	for _, e := range expect {
		for _, part := range strings.Split(e, "…") {
			if part = strings.TrimSpace(part); part == "" {
				continue
			}
			k := strings.Index(out[pos:], part)
			if k < 0 {
				return false
			}
			pos += k + len(part)
		}
	}
	return true
}

// Issue 14.2: the README's first steps and click-to-call walkthrough work as written:
// every sh block is run (ports mapped to the test's own), and the output its comments
// show appears.
func TestReadmeWalkthroughRunsAsWritten(t *testing.T) {
	dir := privateDir(t)
	stopClusterAtEnd(t, dir, filepath.Join(dir, "var"))
	p := startServe(t, dir, []string{"HOME=" + dir}, ephemeral...)
	var m []string
	testenv.Eventually(t, 10*time.Second, "the SIP address in the log", func() bool {
		m = regexp.MustCompile(`SIP user agent started.*udp=(\S+)`).FindStringSubmatch(p.out.String())
		return m != nil
	})
	ports := func(n int) string { return strconv.Itoa(testenv.FreePorts(t, n)) }
	rtp1, rtp2 := testenv.FreePorts(t, 10), testenv.FreePorts(t, 10)
	mapping := strings.NewReplacer(
		"127.0.0.1:8080", strings.TrimPrefix(p.HTTPURL, "http://"),
		"localhost:8443", "localhost:"+strings.Split(p.HTTPSURL, ":")[2],
		"127.0.0.1:8443", strings.TrimPrefix(p.HTTPSURL, "https://"),
		"127.0.0.1:5060", m[1],
		"1001:5071:10000-10009", "1001:"+ports(2)+":"+strconv.Itoa(rtp1)+"-"+strconv.Itoa(rtp1+9),
		"1002:5073:10010-10019", "1002:"+ports(2)+":"+strconv.Itoa(rtp2)+"-"+strconv.Itoa(rtp2+9),
		"./bin/pbxws", pbxwsBin,
	)
	env := append(cleanEnv(), "HOME="+dir)
	blocks := readmeBlocks(t, "## First steps against `make run`", "## Go client and command line")
	if len(blocks) < 10 {
		t.Fatalf("only %d sh blocks found in the README's walkthrough", len(blocks))
	}
	for n, b := range blocks {
		script := mapping.Replace(b.script)
		if b.background {
			for _, line := range strings.Split(strings.TrimSpace(script), "\n") {
				if line == "" || strings.HasPrefix(line, "#") {
					continue
				}
				bg := exec.Command("bash", "-c", "exec "+line)
				bg.Dir, bg.Env = dir, env
				out := &testenv.SyncBuffer{}
				bg.Stdout, bg.Stderr = out, out
				bg.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
				if err := bg.Start(); err != nil {
					t.Fatalf("block %d: %s: %v", n, line, err)
				}
				t.Cleanup(func() {
					_ = syscall.Kill(-bg.Process.Pid, syscall.SIGKILL)
					_ = bg.Wait()
					if t.Failed() {
						t.Logf("%s:\n%s", line, out.String())
					}
				})
				testenv.Eventually(t, 20*time.Second, line+" printing "+strings.Join(b.expect, " / "), func() bool {
					return matches(out.String(), b.expect)
				})
			}
			continue
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			cmd := exec.CommandContext(ctx, "bash", "-e", "-o", "pipefail", "-c", script)
			cmd.Dir, cmd.Env = dir, env
			out, err := cmd.CombinedOutput()
			cancel()
			if err == nil && matches(string(out), b.expect) {
				break
			}
			if !b.repeat || time.Now().After(deadline) {
				t.Fatalf("README block %d failed (%v):\n%s\n--- output:\n%s\n--- expected, in order: %q", n, err, script, out, b.expect)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
}
