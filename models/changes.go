package models

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// Snapshot is the PostgreSQL snapshot (pg_snapshot text) an answer was read in.
type Snapshot string

// ChangeLog answers whether what a snapshot saw of a scope is still what a new read would
// see. Triggers add a row (scope, transaction id) for every transaction that changes a
// scope's tables (migration 0005): what was read in snapshot S is current while no such row
// belongs to a transaction that committed outside S. The test follows commits, not the
// order in which transactions started, so it holds across pbxws instances and concurrent
// writers; and writers share no counter row they would queue on.
type ChangeLog struct {
	db      *sqlx.DB
	current *sqlx.Stmt
}

// Scopes whose changes are logged (the trigger arguments of the migrations).
const (
	ScopeUsers = "users"
)

const changeLogCurrentSQL = `SELECT pg_snapshot_xmin($2::pg_snapshot) >= (SELECT horizon FROM data_changes_horizon)
	AND NOT EXISTS (SELECT 1 FROM data_changes WHERE scope = $1
		AND txid >= pg_snapshot_xmin($2::pg_snapshot) AND NOT pg_visible_in_snapshot(txid, $2::pg_snapshot))`

func (l *ChangeLog) prepare(ctx context.Context) (err error) {
	if l.current, err = l.db.PreparexContext(ctx, changeLogCurrentSQL); err != nil {
		return fmt.Errorf("preparing the change log test: %w", err)
	}
	return nil
}

// Current reports whether no change of scope has committed outside snap. A snapshot older
// than the pruning horizon is not current.
func (l *ChangeLog) Current(ctx context.Context, scope string, snap Snapshot) (bool, error) {
	var ok bool
	var err error
	if l.current != nil {
		err = l.current.QueryRowContext(ctx, scope, string(snap)).Scan(&ok)
	} else {
		err = l.db.QueryRowContext(ctx, changeLogCurrentSQL, scope, string(snap)).Scan(&ok)
	}
	return ok, err
}

// Read runs fn in a read-only repeatable-read transaction and returns its snapshot: every
// statement of fn sees the database as that snapshot does.
func (l *ChangeLog) Read(ctx context.Context, fn func(tx *sqlx.Tx) error) (Snapshot, error) {
	tx, err := l.db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return "", err
	}
	defer func() { _ = tx.Rollback() }()
	// The first statement takes the transaction's snapshot: this one reports it.
	var snap string
	if err := tx.QueryRowContext(ctx, `SELECT pg_current_snapshot()::text`).Scan(&snap); err != nil {
		return "", err
	}
	if err := fn(tx); err != nil {
		return "", err
	}
	return Snapshot(snap), tx.Commit()
}

// Prune drops the rows of transactions every current snapshot sees as finished, and moves
// the horizon past them, in one statement: a test sees either the rows or the new horizon.
func (l *ChangeLog) Prune(ctx context.Context) error {
	_, err := l.db.ExecContext(ctx, `WITH h AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS x),
		gone AS (DELETE FROM data_changes WHERE txid < (SELECT x FROM h))
		UPDATE data_changes_horizon SET horizon = GREATEST(horizon, (SELECT x FROM h))`)
	return err
}
