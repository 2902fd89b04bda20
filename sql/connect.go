package sql

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// connectTimeout bounds every new database connection, in seconds: a server that accepts
// TCP but never answers must not hold a request (or a start) for ever.
const connectTimeout = 5

// withDefaults adds sslmode=disable, connect_timeout and binary_parameters=yes to a URL or
// key=value DSN that does not set them.
func withDefaults(dsn string) string {
	add := func(k, v string) {
		if strings.Contains(dsn, k+"=") {
			return
		}
		switch {
		case !strings.Contains(dsn, "://"):
			dsn += " " + k + "=" + v
		case strings.Contains(dsn, "?"):
			dsn += "&" + k + "=" + v
		default:
			dsn += "?" + k + "=" + v
		}
	}
	add("sslmode", "disable")
	add("connect_timeout", fmt.Sprint(connectTimeout))
	// lib/pq then sends a query with parameters as one message (parse, bind, execute) and
	// waits once, instead of preparing it first and waiting twice: a user add is a dozen
	// statements, each a round trip less.
	add("binary_parameters", "yes")
	return dsn
}

// OpenWait is Open that waits, up to wait, for a database that does not answer yet (a
// PostgreSQL still starting, a network not up yet), retrying with back-off and saying so.
func OpenWait(ctx context.Context, dsn string, wait time.Duration, log *slog.Logger) (*sqlx.DB, error) {
	deadline := time.Now().Add(wait)
	delay := 200 * time.Millisecond
	for attempt := 1; ; attempt++ {
		db, err := Open(ctx, dsn)
		if err == nil {
			if attempt > 1 {
				log.Info("database reached", "attempts", attempt)
			}
			return db, nil
		}
		left := time.Until(deadline)
		if left <= 0 || ctx.Err() != nil {
			return nil, fmt.Errorf("the database did not answer within %s (-db-wait): %w", wait, err)
		}
		if attempt == 1 || attempt%5 == 0 {
			log.Warn("waiting for the database", "err", err, "gives_up_in", left.Round(time.Second).String())
		}
		select {
		case <-time.After(min(delay, left)):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		delay = min(delay*2, 5*time.Second)
	}
}

// FreeConnections is how many more client connections the server would accept now: its
// max_connections less the reserved ones and those open.
func FreeConnections(ctx context.Context, db *sqlx.DB) (int, error) {
	var free int
	err := db.GetContext(ctx, &free, `SELECT CAST(current_setting('max_connections') AS int)
		- CAST(current_setting('superuser_reserved_connections') AS int)
		- (SELECT CAST(count(*) AS int) FROM pg_stat_activity WHERE backend_type = 'client backend')`)
	return free, err
}
