package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
)

// pbxwsServer is a pbxws binary the bench started, logging into its var dir.
type pbxwsServer struct {
	base string // http://127.0.0.1:PORT
	cmd  *exec.Cmd
	log  *os.File
}

// workspace is what one bench runs in: a temporary folder holding the pbxws binary built
// from this tree, and a fresh database on the test server or a private cluster.
type workspace struct {
	dir, bin, dsn string
	db            *sqlx.DB
}

// newWorkspace makes a workspace; cleanup drops the database and removes the folder.
func newWorkspace(ctx context.Context, name string) (*workspace, func(), error) {
	dir, err := os.MkdirTemp("", "pbxws-"+name+"-")
	if err != nil {
		return nil, nil, err
	}
	ws := &workspace{dir: dir}
	var cleanupDB func()
	if ws.dsn, ws.db, cleanupDB, err = benchDatabase(ctx, name+"_"); err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	cleanup := func() { cleanupDB(); os.RemoveAll(dir) }
	if ws.bin, err = buildPBXWS(ctx, dir); err != nil {
		cleanup()
		return nil, nil, err
	}
	return ws, cleanup, nil
}

// start runs the workspace's pbxws (see startPBXWS).
func (ws *workspace) start(ctx context.Context, flags ...string) (*pbxwsServer, error) {
	return startPBXWS(ctx, ws.bin, ws.dsn, ws.dir, flags...)
}

// buildPBXWS builds the pbxws binary into dir.
func buildPBXWS(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "pbxws")
	if b, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/pbxws").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v: %s", err, b)
	}
	return bin, nil
}

// startPBXWS runs `bin serve` on a free loopback HTTP port against dsn, with var dir dir and
// the extra flags, and waits until it answers HTTP.
func startPBXWS(ctx context.Context, bin, dsn, dir string, flags ...string) (*pbxwsServer, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "pbxws.log"))
	if err != nil {
		return nil, err
	}
	args := append([]string{"serve", "-http", "127.0.0.1:" + strconv.Itoa(port), "-https", "",
		"-database-url", dsn, "-var-dir", dir}, flags...)
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	s := &pbxwsServer{base: "http://127.0.0.1:" + strconv.Itoa(port), cmd: cmd, log: logf}
	if err := waitUp(ctx, s.base+"/"); err != nil {
		s.stop()
		return nil, fmt.Errorf("pbxws did not start: %w; its log ends with:\n%s", err, tail(logf.Name(), 2048))
	}
	return s, nil
}

// stop ends the server gracefully (SIGTERM), or kills it after 10 s.
func (s *pbxwsServer) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
	s.log.Close()
}

// waitUp waits until url answers HTTP at all.
func waitUp(ctx context.Context, url string) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("no answer from %s within 60 s", url)
}
