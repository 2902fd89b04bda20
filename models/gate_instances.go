package models

import (
	"context"
	"time"
)

// GateAlive records that the gate id (on host) is running and has applied the account
// changes up to gen; it also forgets gates that stopped without saying so an hour ago.
func (s *WSAccountStore) GateAlive(ctx context.Context, id, host string, gen int64) error {
	_, err := s.DB.ExecContext(ctx, `INSERT INTO ws_gate_instances (id, host, seen_generation) VALUES ($1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET heartbeat = now(),
			seen_generation = GREATEST(ws_gate_instances.seen_generation, EXCLUDED.seen_generation)`, id, host, gen)
	return err
}

// ForgetStoppedGates removes gates whose last heartbeat is older than an hour.
func (s *WSAccountStore) ForgetStoppedGates(ctx context.Context) error {
	_, err := s.DB.ExecContext(ctx, `DELETE FROM ws_gate_instances WHERE heartbeat < now() - interval '1 hour'`)
	return err
}

// UnregisterGate removes a gate that stops.
func (s *WSAccountStore) UnregisterGate(ctx context.Context, id string) error {
	_, err := s.DB.ExecContext(ctx, `DELETE FROM ws_gate_instances WHERE id = $1`, id)
	return err
}

// LaggingGates lists the gates alive within the last alive (by heartbeat) that have not yet
// applied the changes up to gen.
func (s *WSAccountStore) LaggingGates(ctx context.Context, gen int64, alive time.Duration) ([]string, error) {
	var ids []string
	err := s.DB.SelectContext(ctx, &ids, `SELECT id || CASE WHEN host <> '' THEN ' (' || host || ')' ELSE '' END
		FROM ws_gate_instances
		WHERE seen_generation < $1 AND heartbeat > now() - make_interval(secs => $2) ORDER BY id`, gen, alive.Seconds())
	return ids, err
}
