package models

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// rightCallsOf returns the call rights an object of category (group, incall) holds, by id.
func rightCallsOf(ctx context.Context, q sqlx.QueryerContext, category string, id int) ([]int, error) {
	var ids []int
	err := sqlx.SelectContext(ctx, q, &ids, `SELECT rightcall_id FROM rightcall_members
		WHERE category = $1 AND typeval = $2 ORDER BY rightcall_id`, category, id)
	return ids, err
}

// writeRightCalls makes ids exactly the call rights of the object; an id that names no
// call right is refused as right_calls[i].
func writeRightCalls(ctx context.Context, tx *sqlx.Tx, category string, id int, ids []int) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM rightcall_members WHERE category = $1 AND typeval = $2`, category, id); err != nil {
		return err
	}
	for i, rc := range ids {
		res, err := tx.ExecContext(ctx, `INSERT INTO rightcall_members (category, typeval, rightcall_id)
			SELECT $1, $2, id FROM rightcalls WHERE id = $3 ON CONFLICT DO NOTHING`, category, id, rc)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var exists bool
			if err := tx.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM rightcalls WHERE id = $1)`, rc); err != nil {
				return err
			}
			if !exists {
				return Invalid(fmt.Sprintf("right_calls[%d]", i), fmt.Sprintf("call permission %d does not exist", rc))
			}
		}
	}
	return nil
}

// dropRightCalls forgets the call rights of a deleted object.
func dropRightCalls(ctx context.Context, tx *sqlx.Tx, category string, id int) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM rightcall_members WHERE category = $1 AND typeval = $2`, category, id)
	return err
}
