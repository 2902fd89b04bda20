package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"
)

// Address is a postal address of a user's profile.
type Address struct {
	Street            string `json:"street,omitempty" validate:"max=255,printable"`
	City              string `json:"city,omitempty" validate:"max=255,printable"`
	Country           string `json:"country,omitempty" validate:"max=255,printable"`
	State             string `json:"state,omitempty" validate:"max=255,printable"`
	Zip               string `json:"zip,omitempty" validate:"max=255,printable"`
	OfficeDesignation string `json:"office_designation,omitempty" validate:"max=255,printable"`
}

// UserProfile is a user's contact information beyond the user row (sipX's address book).
// It is stored as JSON under these (canonical) names.
type UserProfile struct {
	JobTitle              string   `json:"job_title,omitempty" validate:"max=255,printable"`
	JobDept               string   `json:"job_dept,omitempty" validate:"max=255,printable"`
	CompanyName           string   `json:"company_name,omitempty" validate:"max=255,printable"`
	AssistantName         string   `json:"assistant_name,omitempty" validate:"max=255,printable"`
	Location              string   `json:"location,omitempty" validate:"max=255,printable"`
	HomeAddress           *Address `json:"home_address,omitempty"`
	OfficeAddress         *Address `json:"office_address,omitempty"`
	CellPhoneNumber       string   `json:"cell_phone_number,omitempty" validate:"max=64,printable"`
	HomePhoneNumber       string   `json:"home_phone_number,omitempty" validate:"max=64,printable"`
	AssistantPhoneNumber  string   `json:"assistant_phone_number,omitempty" validate:"max=64,printable"`
	FaxNumber             string   `json:"fax_number,omitempty" validate:"max=64,printable"`
	DidNumber             string   `json:"did_number,omitempty" validate:"max=64,printable"`
	ImDisplayName         string   `json:"im_display_name,omitempty" validate:"max=255,printable"`
	AlternateImID         string   `json:"alternate_im_id,omitempty" validate:"max=255,printable"`
	EmailAddress          string   `json:"email_address,omitempty" validate:"omitempty,max=255,email"`
	AlternateEmailAddress string   `json:"alternate_email_address,omitempty" validate:"omitempty,max=255,email"`
	UseBranchAddress      bool     `json:"use_branch_address,omitempty"`
	// Manager, Salutation and EmployeeID are kept, not changed by the user's own edits.
	Manager      string `json:"manager,omitempty" validate:"max=255,printable"`
	Salutation   string `json:"salutation,omitempty" validate:"max=64,printable"`
	EmployeeID   string `json:"employee_id,omitempty" validate:"max=64,printable"`
	TwitterName  string `json:"twitter_name,omitempty" validate:"max=255,printable"`
	LinkedinName string `json:"linkedin_name,omitempty" validate:"max=255,printable"`
	FacebookName string `json:"facebook_name,omitempty" validate:"max=255,printable"`
	XingName     string `json:"xing_name,omitempty" validate:"max=255,printable"`
	Avatar       string `json:"avatar,omitempty" validate:"max=1024,printable"`
	Custom1      string `json:"custom1,omitempty" validate:"max=255,printable"`
	Custom2      string `json:"custom2,omitempty" validate:"max=255,printable"`
	Custom3      string `json:"custom3,omitempty" validate:"max=255,printable"`
}

// ContactInfo is what a user's contact information shows: the profile with the user's
// names, enabled state and branch, and when it last changed.
type ContactInfo struct {
	UserID    int
	FirstName string
	LastName  string
	Enabled   bool
	Branch    *Entity
	Profile   UserProfile
	Updated   time.Time
}

// ContactInfo reads a user's contact information (an empty profile when none is kept).
func (s *UserStore) ContactInfo(ctx context.Context, id int) (*ContactInfo, error) {
	return s.contactInfo(ctx, s.db, id, "")
}

func (s *UserStore) contactInfo(ctx context.Context, q sqlx.QueryerContext, id int, lock string) (*ContactInfo, error) {
	ci := &ContactInfo{UserID: id}
	var profile []byte
	var updated sql.NullTime
	var entityID int
	var commented bool
	err := q.QueryRowxContext(ctx, `SELECT u.firstname, u.lastname, u.commented, u.entity_id, p.profile, p.updated_at
		FROM users u LEFT JOIN user_profiles p ON p.user_id = u.id WHERE u.id = $1`+lock, id).
		Scan(&ci.FirstName, &ci.LastName, &commented, &entityID, &profile, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	ci.Enabled = !commented
	if updated.Valid {
		ci.Updated = updated.Time
	}
	if len(profile) > 0 {
		if err := json.Unmarshal(profile, &ci.Profile); err != nil {
			return nil, err
		}
	}
	var e Entity
	if err := sqlx.GetContext(ctx, q, &e, `SELECT `+entityCols+` FROM entities WHERE id = $1`, entityID); err == nil {
		ci.Branch = &e
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	return ci, nil
}

// EditContactInfo merges an edit of a user's contact information in one transaction that
// locks the user first: the profile and the user's first and last names.
func (s *UserStore) EditContactInfo(ctx context.Context, id int, merge func(stored *ContactInfo) (*ContactInfo, error)) error {
	return EditLocked(ctx, s.db, func(tx *sqlx.Tx) (*ContactInfo, error) {
		return s.contactInfo(ctx, tx, id, " FOR UPDATE OF u")
	}, merge, func(tx *sqlx.Tx, _, ci *ContactInfo) error {
		ve := CheckIn("profile", &ci.Profile)
		if a := ci.Profile.HomeAddress; a != nil {
			ve.Merge("profile.home_address.", Check(a))
		}
		if a := ci.Profile.OfficeAddress; a != nil {
			ve.Merge("profile.office_address.", Check(a))
		}
		u := User{FirstName: ci.FirstName, LastName: ci.LastName}
		ve.Merge("user.", checkNames(&u))
		if err := ve.OrNil(); err != nil {
			return err
		}
		profile, err := json.Marshal(ci.Profile)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_profiles (user_id, profile, updated_at) VALUES ($1, $2, now())
			ON CONFLICT (user_id) DO UPDATE SET profile = EXCLUDED.profile, updated_at = now()`, id, string(profile)); err != nil {
			return err
		}
		// The caller id follows the names, on the user and its lines, as a json.php edit does.
		_, err = tx.ExecContext(ctx, `WITH u AS (UPDATE users SET firstname = $2, lastname = $3,
				callerid = '"' || btrim(btrim($2) || ' ' || btrim($3)) || '"' WHERE id = $1 RETURNING id, callerid)
			UPDATE lines l SET callerid = u.callerid FROM u WHERE l.user_id = u.id`, id, ci.FirstName, ci.LastName)
		return err
	})
}

// checkNames validates a user's first and last names alone.
func checkNames(u *User) *ValidationError {
	ve := &ValidationError{}
	for f, rule := range Check(u).fieldsOrNil() {
		if f == "first_name" || f == "last_name" {
			ve.Add(f, rule)
		}
	}
	return ve
}

func (e *ValidationError) fieldsOrNil() map[string]string {
	if e == nil {
		return nil
	}
	return e.Fields
}
