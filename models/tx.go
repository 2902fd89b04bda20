package models

import (
	"context"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// ErrWriteConflict is a write PostgreSQL broke off because another one held what it needed
// the other way round (a deadlock) or changed it meanwhile (serialization): nothing was
// written, and the request may simply be sent again (the façades answer 503, Retry-After).
var ErrWriteConflict = errors.New("a simultaneous write got in the way; nothing was written: retry")

// WithTx runs fn in one transaction: committed when fn returns nil, rolled back otherwise.
func WithTx(ctx context.Context, db *sqlx.DB, fn func(tx *sqlx.Tx) error) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if err := fn(tx); err != nil {
		return conflict(err)
	}
	return conflict(tx.Commit())
}

// conflict marks deadlocks and serialization failures as ErrWriteConflict.
func conflict(err error) error {
	var pe *pq.Error
	if errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001") {
		return fmt.Errorf("%w (%s)", ErrWriteConflict, pe.Code)
	}
	return err
}

// EditLocked is the shape of every edit: in one transaction, lock and read the stored object
// (lock, with SELECT … FOR UPDATE), let merge apply the request onto it, and write the result.
// Two simultaneous edits of one object thus run one after the other, the second merging over
// what the first wrote, and neither loses the other's fields.
func EditLocked[T any](ctx context.Context, db *sqlx.DB, lock func(tx *sqlx.Tx) (T, error),
	merge func(stored T) (T, error), write func(tx *sqlx.Tx, stored, merged T) error) error {
	return WithTx(ctx, db, func(tx *sqlx.Tx) error {
		stored, err := lock(tx)
		if err != nil {
			return err
		}
		merged, err := merge(stored)
		if err != nil {
			return err
		}
		return write(tx, stored, merged)
	})
}

// deleteOne runs a DELETE of one object by id in its own transaction: ErrNotFound when no
// row went.
func deleteOne(ctx context.Context, db *sqlx.DB, query string, id int) error {
	return WithTx(ctx, db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, query, id)
		if err != nil {
			return mapPQ(err, nil)
		}
		return oneRow(res)
	})
}

// deleteRows runs a DELETE of many objects in one transaction and says how many went.
func deleteRows(ctx context.Context, db *sqlx.DB, query string, args ...any) (n int, err error) {
	err = WithTx(ctx, db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return mapPQ(err, nil)
		}
		n64, _ := res.RowsAffected()
		n = int(n64)
		return nil
	})
	return n, err
}

// inTx runs a one-row statement in tx: stmt, prepared at start, or query itself when the
// stores were not prepared (stmt nil).
func inTx(ctx context.Context, tx *sqlx.Tx, stmt *sqlx.Stmt, query string, args ...any) *sqlx.Row {
	if stmt != nil {
		return tx.StmtxContext(ctx, stmt).QueryRowxContext(ctx, args...)
	}
	return tx.QueryRowxContext(ctx, query, args...)
}
