package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// Voicemail boxes on their own (json.php pbx_settings/voicemail): the same boxes users
// link to (users.voicemail_id), written by the same two statements.

// VoicemailStore reads and writes voicemail boxes.
type VoicemailStore struct{ db *sqlx.DB }

// DefaultVoicemailContext is the context of a box whose body names none (xivo-ws sends
// none).
const DefaultVoicemailContext = "default"

// List returns every box by id.
func (s *VoicemailStore) List(ctx context.Context) ([]Voicemail, error) {
	var out []Voicemail
	err := s.db.SelectContext(ctx, &out, `SELECT `+voicemailCols+` FROM voicemails ORDER BY id`)
	return out, err
}

// Search matches a substring of the full name, the mailbox or the e-mail address.
func (s *VoicemailStore) Search(ctx context.Context, term string) ([]Voicemail, error) {
	var out []Voicemail
	err := s.db.SelectContext(ctx, &out, `SELECT `+voicemailCols+` FROM voicemails
		WHERE fullname ILIKE $1 OR mailbox ILIKE $1 OR email ILIKE $1 ORDER BY id`, likeTerm(term))
	return out, err
}

// Get returns one box or ErrNotFound.
func (s *VoicemailStore) Get(ctx context.Context, id int) (*Voicemail, error) {
	return s.get(ctx, s.db, id, "")
}

func (s *VoicemailStore) get(ctx context.Context, q sqlx.QueryerContext, id int, lock string) (*Voicemail, error) {
	var v Voicemail
	err := sqlx.GetContext(ctx, q, &v, `SELECT `+voicemailCols+` FROM voicemails WHERE id = $1`+lock, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &v, err
}

func checkVoicemail(ctx context.Context, tx *sqlx.Tx, v *Voicemail) error {
	if err := CheckIn("voicemail", v).OrNil(); err != nil {
		return err
	}
	var ok bool
	if err := tx.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM contexts WHERE name = $1)`, v.Context); err != nil {
		return err
	}
	if !ok {
		return Invalid("voicemail.context", "must name an existing context")
	}
	return nil
}

// Create validates and inserts a box, setting its id.
func (s *VoicemailStore) Create(ctx context.Context, v *Voicemail) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := checkVoicemail(ctx, tx, v); err != nil {
			return err
		}
		return insertVoicemail(ctx, tx, v)
	})
}

// Edit merges an edit onto the stored box in one transaction that locks its row first.
func (s *VoicemailStore) Edit(ctx context.Context, id int, merge func(stored *Voicemail) (*Voicemail, error)) error {
	return EditLocked(ctx, s.db, func(tx *sqlx.Tx) (*Voicemail, error) {
		return s.get(ctx, tx, id, " FOR UPDATE")
	}, merge, func(tx *sqlx.Tx, _, v *Voicemail) error {
		v.ID = id
		if err := checkVoicemail(ctx, tx, v); err != nil {
			return err
		}
		return updateVoicemail(ctx, tx, v)
	})
}

// Delete removes a box. The users it belonged to keep going without one (unlinked, their
// voicemail disabled); a box a dial action still sends calls to is refused (InUseError).
func (s *VoicemailStore) Delete(ctx context.Context, id int) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error { return deleteVoicemail(ctx, tx, id) })
}

func deleteVoicemail(ctx context.Context, tx *sqlx.Tx, id int) error {
	if err := lockForDelete(ctx, tx, "voicemails", id); err != nil {
		return err
	}
	if err := refuseIfDestination(ctx, tx, "voicemail", id); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET voicemail_id = NULL, enablevoicemail = false,
		voicemailtype = NULL WHERE voicemail_id = $1`, id); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM voicemails WHERE id = $1`, id)
	return mapPQ(err, nil)
}

var voicemailConstraints = map[string]string{
	"voicemails_mailbox_context_key": "voicemail.mailbox",
	"voicemails_context_fkey":        "voicemail.context",
}

// insertVoicemail inserts v, setting its id.
func insertVoicemail(ctx context.Context, tx *sqlx.Tx, v *Voicemail) error {
	err := tx.QueryRowxContext(ctx, `INSERT INTO voicemails (context, mailbox, fullname, password,
		email, pager, tz, language, attach, deletevoicemail, skipcheckpass, commented)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) RETURNING id`, v.Context, v.Mailbox,
		v.Fullname, v.Password, v.Email, v.Pager, v.TZ, v.Language, v.Attach,
		v.DeleteVoicemail, v.SkipCheckPass, v.Commented).Scan(&v.ID)
	return voicemailError(err, v)
}

// updateVoicemail writes every field of v.
func updateVoicemail(ctx context.Context, tx *sqlx.Tx, v *Voicemail) error {
	res, err := tx.NamedExecContext(ctx, `UPDATE voicemails SET context=:context, mailbox=:mailbox,
		fullname=:fullname, password=:password, email=:email, pager=:pager, tz=:tz,
		language=:language, attach=:attach, deletevoicemail=:deletevoicemail,
		skipcheckpass=:skipcheckpass, commented=:commented WHERE id=:id`, v)
	if err != nil {
		return voicemailError(err, v)
	}
	return oneRow(res)
}

func voicemailError(err error, v *Voicemail) error {
	mapped := mapPQ(err, voicemailConstraints)
	var ce *ConflictError
	if errors.As(mapped, &ce) {
		ce.Msg = fmt.Sprintf("mailbox %s already exists in context %s", v.Mailbox, v.Context)
	}
	return mapped
}
