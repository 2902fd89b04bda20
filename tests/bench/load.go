package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// result is one scenario's figures.
type result struct {
	rps      float64
	p50, p99 time.Duration
	errors   int
	firstErr string
}

// scenario drives one kind of request with a fixed number of connections, bounded by a
// request count and a duration, after a short warm-up.
type scenario struct {
	name    string
	short   string // for file names
	workers int
	maxReqs int
	maxTime time.Duration
	warmup  int
	request func(n int) (method, path, body string)
	// header holds extra request headers.
	header map[string]string
	// validate makes the answer check of one run (a run's checks may keep state).
	validate func() func(status int, body []byte) error
}

var addCounter atomic.Int64

func init() { addCounter.Store(20000) }

func scenarios() []scenario {
	list := func(conns int) scenario {
		return scenario{
			name:  fmt.Sprintf("users list of 10,000 (%d conn%s)", conns, map[bool]string{true: "s"}[conns > 1]),
			short: fmt.Sprintf("list%d", conns), workers: conns, maxReqs: 100 * conns, maxTime: 10 * time.Second, warmup: 2,
			request: func(n int) (string, string, string) {
				return "GET", "/service/ipbx/json.php/restricted/pbx_settings/users/?act=list", ""
			},
			// Parsing 5 MB per answer would load the machine the servers share: check one per run.
			validate: func() func(int, []byte) error {
				return expect(200, once(func(body []byte) error {
					var items []json.RawMessage
					if err := json.Unmarshal(body, &items); err != nil {
						return err
					}
					// The lists run before any add; the sipX bench user is one more.
					if len(items) != seedUsers+1 {
						return fmt.Errorf("list has %d items, want %d", len(items), seedUsers+1)
					}
					return nil
				}))
			},
		}
	}
	return celLast(append([]scenario{
		{
			name: "users view by id (Basic, 32 conns)", short: "view", workers: 32, maxReqs: 30000, maxTime: 10 * time.Second, warmup: 3000,
			request: func(n int) (string, string, string) {
				return "GET", "/service/ipbx/json.php/restricted/pbx_settings/users/?act=view&id=" + strconv.Itoa(1+rand.IntN(seedUsers)), ""
			},
			validate: func() func(int, []byte) error { return expect(200, nil) },
		},
		// One connection is the list's own latency; four is the target's load.
		list(1),
		list(4),
		{
			name: "users add with a SIP line (16 conns)", short: "add", workers: 16, maxReqs: 6000, maxTime: 10 * time.Second,
			request: func(n int) (string, string, string) {
				num := addCounter.Add(1)
				return "POST", "/service/ipbx/json.php/restricted/pbx_settings/users/?act=add",
					fmt.Sprintf(`{"userfeatures": {"firstname": "Bench", "lastname": "%d"}, "linefeatures": {"protocol": ["sip"], "context": ["default"], "number": [%d]}}`, num, num)
			},
			// add answers the new id as a JSON string.
			validate: func() func(int, []byte) error {
				return expect(200, func(b []byte) error {
					var id string
					if err := json.Unmarshal(b, &id); err != nil {
						return fmt.Errorf("add answered %.100q: %w", b, err)
					}
					if _, err := strconv.Atoi(id); err != nil {
						return fmt.Errorf("add answered %.100q, not an id", b)
					}
					return nil
				})
			},
		},
		{
			// One day's window of the 5,000,000 events seeded just before (this runs last: see
			// main), 1000 rows an answer.
			name: "CEL search, 1 day of 5M (4 conns)", short: "cel", workers: 4, maxReqs: 4000, maxTime: 10 * time.Second, warmup: 40,
			request: func(n int) (string, string, string) {
				day := celFirstDay.AddDate(0, 0, rand.IntN(celDays)).Format("2006-01-02")
				return "GET", "/service/ipbx/json.php/restricted/call_management/cel/?act=search&dbeg=" + day + "&dend=" + day + "&limit=1000", ""
			},
			validate: func() func(int, []byte) error {
				return expect(200, once(func(body []byte) error {
					var rows []map[string]any
					if err := json.Unmarshal(body, &rows); err != nil {
						return err
					}
					if len(rows) != 1000 {
						return fmt.Errorf("CEL search answered %d rows, want 1000", len(rows))
					}
					return nil
				}))
			},
		},
		// After the CEL (see celLast): its queue log is seeded just before (see main).
		statsScenario(),
	}, append(sipxScenarios(), registrationScenario(), phoneSettingsScenario())...))
}

// celLast moves the CEL and statistics scenarios to the end, in that order: their seeding
// (a gigabyte of call events, two million queue_log rows) would weigh on whatever ran after.
func celLast(scs []scenario) []scenario {
	out := make([]scenario, 0, len(scs))
	var cel, stats []scenario
	for _, sc := range scs {
		switch sc.short {
		case "cel":
			cel = append(cel, sc)
		case "stats":
			stats = append(stats, sc)
		default:
			out = append(out, sc)
		}
	}
	return append(append(out, cel...), stats...)
}

// once runs check on the first body only.
func once(check func([]byte) error) func([]byte) error {
	var done atomic.Bool
	return func(b []byte) error {
		if done.Swap(true) {
			return nil
		}
		return check(b)
	}
}

func expect(status int, body func([]byte) error) func(int, []byte) error {
	return func(st int, b []byte) error {
		if st != status {
			return fmt.Errorf("status %d: %.200s", st, b)
		}
		if body != nil {
			return body(b)
		}
		return nil
	}
}

func (sc scenario) run(ctx context.Context, base string) (result, error) {
	// fasthttp's client costs a fraction of net/http's per request; the load generator shares
	// the machine with both servers and PostgreSQL, so its cost would be measured as theirs.
	hc := &fasthttp.Client{MaxConnsPerHost: sc.workers, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second,
		MaxResponseBodySize: 64 << 20}
	validate := sc.validate()
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(login+":"+password))
	one := func(n int) (time.Duration, error) {
		method, path, body := sc.request(n)
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		req.SetRequestURI(base + path)
		req.Header.SetMethod(method)
		req.Header.Set("Authorization", auth)
		for k, v := range sc.header {
			req.Header.Set(k, v)
		}
		if body != "" {
			req.Header.SetContentType("application/json")
			req.SetBodyString(body)
		}
		start := time.Now()
		if err := hc.DoTimeout(req, resp, 30*time.Second); err != nil {
			return 0, err
		}
		d := time.Since(start)
		return d, validate(resp.StatusCode(), resp.Body())
	}
	// The warm-up uses every connection, so that each server connection and database
	// session has served before the measurement.
	var (
		warmed  atomic.Int64
		warmErr atomic.Pointer[error]
		warmWG  sync.WaitGroup
	)
	for w := 0; w < sc.workers; w++ {
		warmWG.Add(1)
		go func() {
			defer warmWG.Done()
			for i := int(warmed.Add(1)); i <= sc.warmup && warmErr.Load() == nil; i = int(warmed.Add(1)) {
				if _, err := one(i); err != nil {
					warmErr.CompareAndSwap(nil, &err)
				}
			}
		}()
	}
	warmWG.Wait()
	if err := warmErr.Load(); err != nil {
		return result{}, fmt.Errorf("warm-up: %w", *err)
	}
	var (
		next     atomic.Int64
		mu       sync.Mutex
		lat      = make([]time.Duration, 0, sc.maxReqs)
		errs     int
		firstErr string
		wg       sync.WaitGroup
	)
	deadline := time.Now().Add(sc.maxTime)
	start := time.Now()
	for w := 0; w < sc.workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := int(next.Add(1))
				if n > sc.maxReqs || time.Now().After(deadline) || ctx.Err() != nil {
					return
				}
				d, err := one(n)
				mu.Lock()
				if err != nil {
					errs++
					if firstErr == "" {
						firstErr = err.Error()
					}
				} else {
					lat = append(lat, d)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if len(lat) == 0 {
		return result{errors: errs, firstErr: firstErr}, fmt.Errorf("no request succeeded: %s", firstErr)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	return result{rps: float64(len(lat)) / elapsed.Seconds(), p50: pct(0.50), p99: pct(0.99), errors: errs, firstErr: firstErr}, nil
}
