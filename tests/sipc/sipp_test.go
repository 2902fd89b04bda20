package sipc_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"pbxws/tests/testenv"
)

// sipp is one sipp process playing a phone from a scenario in testdata.
type sipp struct {
	t       *testing.T
	port    int
	media   int // the RTP port its SDP offers
	dir     string
	cmd     *exec.Cmd
	done    chan struct{}
	exitErr error
}

// startSipp runs scenario (a file in testdata) as a UAS on a free loopback UDP port; calls is
// sipp's -m. extra are more sipp arguments.
func startSipp(t *testing.T, scenario string, calls int, extra ...string) *sipp {
	t.Helper()
	s := &sipp{t: t, port: testenv.FreePort(t, "udp"), media: sippMediaPorts(t), dir: t.TempDir(), done: make(chan struct{})}
	abs, err := filepath.Abs(filepath.Join("testdata", scenario))
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"-sf", abs, "-i", "127.0.0.1", "-p", strconv.Itoa(s.port),
		"-mi", "127.0.0.1", "-mp", strconv.Itoa(s.media),
		"-m", strconv.Itoa(calls), "-timeout", "60s", "-nostdin",
		"-trace_logs", "-log_file", filepath.Join(s.dir, "log"),
		"-trace_msg", "-message_file", filepath.Join(s.dir, "msg"),
		"-trace_err", "-error_file", filepath.Join(s.dir, "err"),
	}
	args = append(args, extra...)
	s.cmd = exec.Command("sipp", args...)
	s.cmd.Dir = s.dir
	out, err := os.Create(filepath.Join(s.dir, "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	s.cmd.Stdout, s.cmd.Stderr = out, out
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("starting sipp: %v", err)
	}
	go func() {
		s.exitErr = s.cmd.Wait()
		out.Close()
		close(s.done)
	}()
	t.Cleanup(func() {
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	})
	// Ready once its SIP socket is bound.
	testenv.WaitBound(t, s.port, 10*time.Second, s.done)
	return s
}

// m is the SDP media line its offers carry.
func (s *sipp) m() string { return "m=audio " + strconv.Itoa(s.media) }

func (s *sipp) addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// wait returns sipp's exit code (0: every call followed the scenario); -1 on timeout.
func (s *sipp) wait(timeout time.Duration) int {
	select {
	case <-s.done:
	case <-time.After(timeout):
		return -1
	}
	var ee *exec.ExitError
	if errors.As(s.exitErr, &ee) {
		return ee.ExitCode()
	}
	if s.exitErr != nil {
		return -2
	}
	return 0
}

// mustPass waits for sipp to finish and fails the test with its traces when it did not pass.
func (s *sipp) mustPass(timeout time.Duration) {
	s.t.Helper()
	if code := s.wait(timeout); code != 0 {
		s.t.Fatalf("sipp exit %d\n--- messages:\n%s\n--- errors:\n%s\n--- stdout:\n%s", code, s.file("msg"), s.file("err"), s.file("stdout"))
	}
}

func (s *sipp) file(name string) string {
	b, _ := os.ReadFile(filepath.Join(s.dir, name))
	return string(b)
}

// log is what the scenario's <log> actions wrote.
func (s *sipp) log() string { return s.file("log") }

// sippMediaPorts reserves the ports sipp binds for media: -mp and -mp+2 (its video port).
func sippMediaPorts(t *testing.T) int { return testenv.FreePorts(t, 3) }
