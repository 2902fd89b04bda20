package models

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"
)

// License is the stored sipX license information (migration 0140). Users and MobileDevices
// are -1 for "no limit".
type License struct {
	UID           string `db:"uid"`
	Domain        string `db:"domain"`
	Version       string `db:"version"`
	Expire        string `db:"expire"`
	Support       string `db:"support"`
	LicenseType   string `db:"license_type"`
	Users         int    `db:"users"`
	MobileDevices int    `db:"mobile_devices"`
	Company       string `db:"company"`
	ContactEmail  string `db:"contact_email"`
	ContactName   string `db:"contact_name"`
	ContactPhone  string `db:"contact_phone"`
}

// LicenseStore reads the license and writes its UID.
type LicenseStore struct{ db *sqlx.DB }

const licenseColumns = `uid, domain, version, expire, support, license_type, users, mobile_devices,
	company, contact_email, contact_name, contact_phone`

// Get is the stored license (the defaults when none was stored).
func (s *LicenseStore) Get(ctx context.Context) (License, error) {
	var l License
	err := s.db.GetContext(ctx, &l, `SELECT `+licenseColumns+` FROM license WHERE id = 1`)
	if errors.Is(err, sql.ErrNoRows) {
		return License{Users: -1, MobileDevices: -1}, nil
	}
	return l, err
}

// ruleLicenseUID is what a license UID is: the document's UIDs are decimal numbers.
const ruleLicenseUID = "must be 1 to 32 digits (0-9)"

// ValidLicenseUID says whether uid is a license UID.
func ValidLicenseUID(uid string) bool {
	if len(uid) < 1 || len(uid) > 32 {
		return false
	}
	for i := 0; i < len(uid); i++ {
		if uid[i] < '0' || uid[i] > '9' {
			return false
		}
	}
	return true
}

// SetUID stores the license UID and returns the license it is now part of.
func (s *LicenseStore) SetUID(ctx context.Context, uid string) (License, error) {
	if !ValidLicenseUID(uid) {
		return License{}, Invalid("uid", ruleLicenseUID)
	}
	var l License
	err := WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &l, `INSERT INTO license (id, uid) VALUES (1, $1)
			ON CONFLICT (id) DO UPDATE SET uid = EXCLUDED.uid, updated_at = now()
			RETURNING `+licenseColumns, uid)
	})
	return l, err
}
