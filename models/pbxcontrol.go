package models

import (
	"context"
	"encoding/json"

	"github.com/jmoiron/sqlx"
)

// PBXControlChannel is the PostgreSQL notification channel on which every reload or restart
// request is announced, with a JSON payload {"id", "action", "requested_by"}: a deployment
// LISTENs on it to reload or restart its PBX. Changes of the host configuration are announced
// on it too, with "action": "configure" and {"section", "op", "object_id", "config"} besides
// (HostChange, models/hostconfig.go; migration 0070).
const PBXControlChannel = "pbxws_pbx_control"

// PBXControlStore records PBX reload and restart requests.
type PBXControlStore struct{ db *sqlx.DB }

// Request records a request for action ("reload" or "restart") by requestedBy and announces
// it, in one transaction: the notice is delivered at commit, with the row visible.
func (s *PBXControlStore) Request(ctx context.Context, action, requestedBy string) (int64, error) {
	var id int64
	err := WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &id, `INSERT INTO pbx_control_requests (action, requested_by)
			VALUES ($1, $2) RETURNING id`, action, requestedBy); err != nil {
			return err
		}
		payload, _ := json.Marshal(map[string]any{"id": id, "action": action, "requested_by": requestedBy})
		_, err := tx.ExecContext(ctx, `SELECT pg_notify($1, $2)`, PBXControlChannel, string(payload))
		return err
	})
	return id, err
}
