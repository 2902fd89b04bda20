package models

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/lib/pq"
)

// Unavailable reports whether err means the database cannot be reached or is not serving
// (down, restarting, refusing connections, a broken connection), as opposed to a query that
// failed on its own.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ENOENT) {
		return true
	}
	var pe *pq.Error
	if errors.As(err, &pe) {
		switch code := string(pe.Code); {
		case strings.HasPrefix(code, "08"): // connection exception
			return true
		case code == "57P01", code == "57P02", code == "57P03": // shutdown, crash, cannot connect now
			return true
		case code == "53300": // too many connections
			return true
		}
		return false
	}
	var ne net.Error
	return errors.As(err, &ne)
}

// Health follows whether the database is reachable, so that an outage is logged once when
// it starts and once when it ends, not once per request: the first failure that Report sees
// logs and starts a probe that pings the database every second until it answers.
type Health struct {
	db  *sql.DB
	log *slog.Logger

	mu      sync.Mutex
	down    bool
	since   time.Time
	stop    chan struct{}
	stopped bool
	wg      sync.WaitGroup
}

// NewHealth follows db, logging to log.
func NewHealth(db *sql.DB, log *slog.Logger) *Health {
	if log == nil {
		log = slog.Default()
	}
	return &Health{db: db, log: log, stop: make(chan struct{})}
}

// Report returns whether err means the database is unavailable; the first such error of an
// outage is logged (ERROR) and starts the probe.
func (h *Health) Report(err error) bool {
	if h == nil || !Unavailable(err) {
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.down || h.stopped {
		return true
	}
	h.down, h.since = true, time.Now()
	h.log.Error("database unavailable: answering 503 until it is back", "err", err)
	h.wg.Add(1)
	go h.probe()
	return true
}

// Down reports whether an outage is in progress.
func (h *Health) Down() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.down
}

func (h *Health) probe() {
	defer h.wg.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := h.db.PingContext(ctx)
		cancel()
		if err == nil {
			h.mu.Lock()
			h.down = false
			h.log.Info("database available again", "outage", time.Since(h.since).Round(time.Millisecond).String())
			h.mu.Unlock()
			return
		}
	}
}

// Close stops the probe.
func (h *Health) Close() {
	h.mu.Lock()
	if !h.stopped {
		h.stopped = true
		close(h.stop)
	}
	h.mu.Unlock()
	h.wg.Wait()
}
