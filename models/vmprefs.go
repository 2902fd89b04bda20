package models

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jmoiron/sqlx"
)

// VoicemailPrefs are a user's voicemail preferences (sipX vmprefs) over the user's box: the
// address and attachment json.php shows, and the greeting and e-mail formats.
type VoicemailPrefs struct {
	Email          string `db:"email" validate:"omitempty,max=80,email"`
	Attach         bool   `db:"attach"`
	Greeting       string `db:"active_greeting" validate:"oneof=none standard outofoffice extendedabsence"`
	EmailFormat    string `db:"email_format" validate:"oneof=full medium brief"`
	AltEmailFormat string `db:"alt_email_format" validate:"oneof=full medium brief"`
	// Allowed is the user's Voicemail permission (read only).
	Allowed bool `db:"-"`
}

// VoicemailPrefs reads the preferences of the user's box; ErrNotFound when the user has none.
func (s *UserStore) VoicemailPrefs(ctx context.Context, userID int) (*VoicemailPrefs, error) {
	return s.vmPrefs(ctx, s.db, userID, "")
}

func (s *UserStore) vmPrefs(ctx context.Context, q sqlx.QueryerContext, userID int, lock string) (*VoicemailPrefs, error) {
	var p VoicemailPrefs
	err := sqlx.GetContext(ctx, q, &p, `SELECT v.email, COALESCE(v.attach, false) AS attach, v.active_greeting,
		v.email_format, v.alt_email_format FROM users u JOIN voicemails v ON v.id = u.voicemail_id WHERE u.id = $1`+lock, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &p, err
}

// EditVoicemailPrefs merges an edit of the preferences in one transaction locking the box.
func (s *UserStore) EditVoicemailPrefs(ctx context.Context, userID int, merge func(*VoicemailPrefs) (*VoicemailPrefs, error)) error {
	return EditLocked(ctx, s.db, func(tx *sqlx.Tx) (*VoicemailPrefs, error) {
		return s.vmPrefs(ctx, tx, userID, " FOR UPDATE OF v")
	}, merge, func(tx *sqlx.Tx, _, p *VoicemailPrefs) error {
		if err := CheckIn("voicemail", p).OrNil(); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE voicemails v SET email = $2, attach = $3, active_greeting = $4,
			email_format = $5, alt_email_format = $6 FROM users u WHERE u.id = $1 AND v.id = u.voicemail_id`,
			userID, p.Email, p.Attach, p.Greeting, p.EmailFormat, p.AltEmailFormat)
		return err
	})
}
