package models

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// Phones: devices as sipX makes and reads them (sipx-rest.md §5.9), by serial number (the
// MAC), in bulk.

// CreateAll validates and inserts devices in one transaction: all of them or none. A
// refusal names the device by its position: "devices[1].mac".
func (s *DeviceStore) CreateAll(ctx context.Context, ds []Device) error {
	ve := &ValidationError{}
	for i := range ds {
		if ds[i].ID == "" {
			b := make([]byte, 16)
			if _, err := rand.Read(b); err != nil {
				return err
			}
			ds[i].ID = hex.EncodeToString(b)
		}
		if err := s.check(&ds[i]); err != nil {
			var one *ValidationError
			if errors.As(err, &one) {
				for f, rule := range one.Fields {
					ve.Add(fmt.Sprintf("devices[%d].%s", i, f[len("device."):]), rule)
				}
				continue
			}
			return err
		}
	}
	if err := ve.OrNil(); err != nil {
		return err
	}
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		for i := range ds {
			_, err := tx.NamedExecContext(ctx, `INSERT INTO devices (`+deviceCols+`) VALUES (:id, :mac,
				:ip, :vendor, :model, :version, :plugin, :sn, :proto, :template_id, :status, :configured,
				:commented, :description)`, &ds[i])
			if err = mapPQ(err, deviceConstraints); err != nil {
				var ce *ConflictError
				if errors.As(err, &ce) && ce.Field == "device.mac" {
					field := fmt.Sprintf("devices[%d].mac", i)
					return &ConflictError{Field: field, Msg: field + ": " + ds[i].MAC + " is already the MAC of another device"}
				}
				return err
			}
		}
		return nil
	})
}

// GetByMAC returns the device of a MAC (any spelling NormalizeMAC reads), with its lines, or
// ErrNotFound.
func (s *DeviceStore) GetByMAC(ctx context.Context, mac string) (*Device, error) {
	m, ok := NormalizeMAC(mac)
	if !ok {
		return nil, ErrNotFound
	}
	var id string
	err := s.db.GetContext(ctx, &id, `SELECT id FROM devices WHERE mac = $1`, m)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}
