package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"pbxws/tests/testenv"
)

// The click-to-call bench: REFER-mode calls against a sipp phone at increasing rates, until a
// step has failures (or the last rate, 2,000/s, passes). A rate is sustained when every POST
// answered 200 and every call record completed (INVITE 200, the NOTIFY 200 of the transfer,
// and the BYE that ends the controller's dialog) within the settling time.
func init() { extraBenches = append(extraBenches, sipBench) }

var sipRates = []int{100, 200, 400, 600, 800, 1000, 1200, 1400, 1600, 1800, 2000}

const (
	sipStep   = 5 * time.Second  // load per rate
	sipSettle = 15 * time.Second // bound for the last calls of a step to finish
)

func sipBench(ctx context.Context, out io.Writer) error {
	fmt.Fprintln(out, "click-to-call (REFER mode) against a sipp phone, one step per rate:")
	ws, cleanup, err := newWorkspace(ctx, "sipbench")
	if err != nil {
		return err
	}
	defer cleanup()
	tmp, db := ws.dir, ws.db

	// The phone: answers, accepts the REFER, reports 200, takes the BYE. Bounded by -m.
	phonePort, _ := freeUDP()
	mediaPort, _ := freeUDP()
	total := 0
	for _, r := range sipRates {
		total += r * int(sipStep/time.Second)
	}
	scen := filepath.Join(testenv.RepoRoot(), "tests", "sipc", "testdata", "uas-bench.xml")
	sipp := exec.CommandContext(ctx, "sipp", "-sf", scen, "-i", "127.0.0.1", "-p", strconv.Itoa(phonePort),
		"-mi", "127.0.0.1", "-mp", strconv.Itoa(mediaPort), "-m", strconv.Itoa(total), "-nostdin",
		"-timeout", "10m", "-max_socket", "2048", "-buff_size", "4194304", "-trace_err", "-error_file", filepath.Join(tmp, "sipp.err"))
	sipp.Dir = tmp
	if err := sipp.Start(); err != nil {
		return fmt.Errorf("sipp: %w", err)
	}
	defer func() { _ = sipp.Process.Kill(); _ = sipp.Wait() }()

	sipPort, _ := freeUDP()
	flags := []string{"-sip", "127.0.0.1:" + strconv.Itoa(sipPort), "-sip-tcp=false",
		"-sip-domain", "example.test", "-sip-outbound-proxy", "127.0.0.1:" + strconv.Itoa(phonePort)}
	if p := os.Getenv("PBXWS_BENCH_SIP_PPROF"); p != "" {
		// A profiling listener, for `go tool pprof http://<p>/debug/pprof/profile` during the run.
		flags = append(flags, "-pprof", p)
	}
	srv, err := ws.start(ctx, flags...)
	if err != nil {
		return err
	}
	defer srv.stop()
	base := srv.base
	for _, body := range []string{
		`{"context":{"name":"default","displayname":"Default","entity":"default","contexttype":"internal"},"contextinclude":[],"contextnumbers":{"user":[{"numberbeg":200,"numberend":299}]}}`,
	} {
		if err := post(ctx, base+"/service/ipbx/json.php/private/system_management/context/?act=add", body); err != nil {
			return err
		}
	}
	user := map[string]any{
		"userfeatures": map[string]any{"firstname": "Bench", "lastname": "201", "loginclient": "201", "passwdclient": "pin201", "enableclient": true},
		"linefeatures": []any{map[string]any{"protocol": "sip", "context": "default", "number": "201", "name": "201", "secret": "secret201"}},
	}
	ub, _ := json.Marshal(user)
	if err := post(ctx, base+"/service/ipbx/json.php/private/pbx_settings/users/?act=add", string(ub)); err != nil {
		return err
	}

	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 512, MaxConnsPerHost: 512}}
	fmt.Fprintf(out, "  %-8s %8s %8s %9s %9s %9s %9s %8s\n", "rate/s", "posted", "http-ok", "complete", "failed", "POST p50", "POST p99", "RSS MB")
	best, bestRSS := 0, 0
	seq := 0
	for _, rate := range sipRates {
		n := rate * int(sipStep/time.Second)
		// Fixed width, so that one step's callees are never a prefix of another's.
		prefix := fmt.Sprintf("%04d", rate)
		lat := make([]time.Duration, 0, n)
		var mu sync.Mutex
		okCount := 0
		var wg sync.WaitGroup
		sem := make(chan struct{}, 1024)
		interval := time.Second / time.Duration(rate)
		start := time.Now()
		for i := 0; i < n; i++ {
			// Open-loop pacing: call i leaves at start + i·interval.
			if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
				time.Sleep(d)
			}
			seq++
			callee := "9" + prefix + fmt.Sprintf("%06d", seq)
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				t0 := time.Now()
				resp, err := hc.Post(base+"/callcontroller/201/"+callee, "", nil)
				d := time.Since(t0)
				if err != nil {
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mu.Lock()
				lat = append(lat, d)
				if resp.StatusCode == 200 {
					okCount++
				}
				mu.Unlock()
			}()
		}
		wg.Wait()
		// Settle: every record of this step complete, or the bound passes.
		complete := 0
		deadline := time.Now().Add(sipSettle)
		for time.Now().Before(deadline) {
			if err := db.GetContext(ctx, &complete, `SELECT count(*) FROM call_records r
				WHERE r.call_key LIKE '201@example.test:201@example.test:9' || $1 || '%'
				  AND r.live_until IS NULL
				  AND EXISTS (SELECT 1 FROM call_status_lines l WHERE l.record_id = r.id AND l.method = 'INVITE' AND l.status_line LIKE 'SIP/2.0 200%')
				  AND EXISTS (SELECT 1 FROM call_status_lines l WHERE l.record_id = r.id AND l.method = 'NOTIFY' AND l.status_line LIKE 'SIP/2.0 200%')`,
				prefix); err != nil {
				return err
			}
			if complete >= n {
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		p := func(q float64) string {
			if len(lat) == 0 {
				return "-"
			}
			return ms(lat[int(q*float64(len(lat)-1))])
		}
		failed := n - complete
		rss, _ := procStatusKB(srv.cmd.Process.Pid, "VmRSS:")
		fmt.Fprintf(out, "  %-8d %8d %8d %9d %9d %9s %9s %8.1f\n", rate, n, okCount, complete, failed, p(0.50), p(0.99), float64(rss)/1024)
		if failed != 0 || okCount != n {
			explainIncomplete(ctx, out, db, prefix)
			if p := os.Getenv("PBXWS_BENCH_SIP_PPROF"); p != "" {
				// Where pbxws's goroutines wait, for the calls that did not finish.
				if resp, err := http.Get("http://" + p + "/debug/pprof/goroutine?debug=1"); err == nil {
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					_ = os.WriteFile(filepath.Join(os.TempDir(), "pbxws-sipbench-goroutines.txt"), b, 0o644)
					fmt.Fprintf(out, "  goroutines: %s\n", filepath.Join(os.TempDir(), "pbxws-sipbench-goroutines.txt"))
				}
			}
			if b, err := os.ReadFile(filepath.Join(tmp, "sipp.err")); err == nil && len(b) > 0 {
				fmt.Fprintf(out, "  sipp's first errors:\n%s\n", lastLines(string(b[:min(len(b), 3000)]), 40))
			}
			break
		}
		best, bestRSS = rate, rss
	}
	rss, _ := peakRSS(srv.cmd.Process.Pid)
	fmt.Fprintf(out, "  highest sustained rate with zero failed calls and every record complete: %d call setups/s (target >= 1000)\n", best)
	fmt.Fprintf(out, "  pbxws RSS after the %d/s step: %.1f MB; peak RSS during the SIP bench: %.1f MB\n", best, float64(bestRSS)/1024, float64(rss)/1024)
	return nil
}

// explainIncomplete prints the status lines of a few records of the failed step that did not
// complete, so that a failure says what went missing.
func explainIncomplete(ctx context.Context, out io.Writer, db *sqlx.DB, prefix string) {
	var rows []struct {
		Key   string  `db:"call_key"`
		Live  *string `db:"live_until"`
		Lines string  `db:"lines"`
	}
	err := db.SelectContext(ctx, &rows, `SELECT r.call_key, CAST(r.live_until AS text) AS live_until,
			COALESCE((SELECT string_agg(l.method || ' ' || l.status_line, ' | ' ORDER BY l.seq)
			          FROM call_status_lines l WHERE l.record_id = r.id), '') AS lines
		FROM call_records r
		WHERE r.call_key LIKE '201@example.test:201@example.test:9' || $1 || '%'
		  AND (r.live_until IS NOT NULL
		       OR NOT EXISTS (SELECT 1 FROM call_status_lines l WHERE l.record_id = r.id AND l.method = 'NOTIFY' AND l.status_line LIKE 'SIP/2.0 200%'))
		LIMIT 3`, prefix)
	if err != nil {
		fmt.Fprintf(out, "  (could not read the incomplete records: %v)\n", err)
		return
	}
	for _, r := range rows {
		live := "ended"
		if r.Live != nil {
			live = "live until " + *r.Live
		}
		fmt.Fprintf(out, "  incomplete: %s (%s): %s\n", r.Key, live, r.Lines)
	}
}

func lastLines(s string, n int) string {
	l := strings.Split(s, "\n")
	if len(l) > n {
		l = l[:n]
	}
	return strings.Join(l, "\n")
}

// procStatusKB reads a kB field (VmRSS:, VmHWM:) of /proc/<pid>/status.
func procStatusKB(pid int, field string) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, field) {
			if f := strings.Fields(l); len(f) >= 2 {
				return strconv.Atoi(f[1])
			}
		}
	}
	return 0, fmt.Errorf("no %s for %d", field, pid)
}

func freeUDP() (int, error) {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port, nil
}

func post(ctx context.Context, url, body string) error {
	req, _ := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader([]byte(body)))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return fmt.Errorf("POST %s: %d %s", url, resp.StatusCode, b)
	}
	return nil
}
