package models

import (
	"strings"

	"github.com/jmoiron/sqlx"
)

// Stores gathers every store over one database.
type Stores struct {
	DB          *sqlx.DB
	Entities    *EntityStore
	Contexts    *ContextStore
	Users       *UserStore
	Lines       *LineStore
	Devices     *DeviceStore
	CTIProfiles *CTIProfileStore
}

// NewStores builds the stores; realm is the authentication realm portal-password digests use.
func NewStores(db *sqlx.DB, realm string) *Stores {
	return &Stores{
		DB:          db,
		Entities:    &EntityStore{db: db},
		Contexts:    &ContextStore{db: db},
		Users:       &UserStore{db: db, realm: realm},
		Lines:       &LineStore{db: db},
		Devices:     &DeviceStore{db: db},
		CTIProfiles: &CTIProfileStore{db: db},
	}
}

// likeTerm turns a search term into an ILIKE substring pattern with % and _ matched literally.
func likeTerm(term string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(term) + "%"
}

// likeExact is an ILIKE pattern matching the term exactly (case-insensitively).
func likeExact(term string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(term)
}
