package main

import (
	"context"
	"encoding/xml"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"golang.org/x/crypto/bcrypt"
)

// The sipX phonebook scenarios: a shared book of seedContacts contacts, exported whole as
// CSV by an administrator, and searched by a user (the bench login is also a pbxws user
// with the ADMIN role and the same password). sipX takes Basic only over TLS: the requests
// come through a trusted proxy that terminated it (X-Forwarded-Proto: https).
const seedContacts = 10000

// seedPhonebook writes the contacts (First{i} Last{i}, office number 0100000000+i) with the
// words the search index holds, and the bench user.
func seedPhonebook(ctx context.Context, db *sqlx.DB) error {
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `
		INSERT INTO phonebook (title, displayname, firstname, lastname, society)
			SELECT 'mr', 'First' || g || ' Last' || g, 'First' || g, 'Last' || g, 'Company ' || (g % 100)
			FROM generate_series(1, `+strconv.Itoa(seedContacts)+`) g;
		INSERT INTO phonebook_numbers (phonebook_id, type, number)
			SELECT id, 'office', CAST(100000000 + id AS text) FROM phonebook;
		INSERT INTO phonebook_words (phonebook_id, word)
			SELECT DISTINCT p.id, w FROM phonebook p CROSS JOIN LATERAL unnest(ARRAY[lower(p.firstname), lower(p.lastname),
				CAST(100000000 + p.id AS text)]) AS w`)
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `INSERT INTO users (firstname, lastname, callerid, loginclient, passwdclient_hash, admin)
		VALUES ('Bench', 'Admin', '"Bench Admin"', $1, $2, true)`, login, string(hash))
	return err
}

// sipxHeaders are what a TLS-terminating proxy adds.
var sipxHeaders = map[string]string{"X-Forwarded-Proto": "https"}

func sipxScenarios() []scenario {
	return []scenario{
		{
			name: "sipX /phonebook/xivo CSV of 10,000 (1 conn)", short: "book", workers: 1, maxReqs: 400, maxTime: 10 * time.Second, warmup: 3,
			header:  sipxHeaders,
			request: func(int) (string, string, string) { return "GET", "/sipxconfig/rest/phonebook/xivo", "" },
			validate: func() func(int, []byte) error {
				return expect(200, once(func(b []byte) error {
					if n := strings.Count(string(b), "\n"); n != seedContacts+1 {
						return fmt.Errorf("the CSV has %d lines, want %d", n, seedContacts+1)
					}
					return nil
				}))
			},
		},
		{
			name: "sipX /my/search/phonebook (32 conns)", short: "search", workers: 32, maxReqs: 30000, maxTime: 10 * time.Second, warmup: 2000,
			header: sipxHeaders,
			request: func(int) (string, string, string) {
				return "GET", "/sipxconfig/rest/my/search/phonebook?query=last" + strconv.Itoa(1000+rand.IntN(seedContacts-1000)), ""
			},
			validate: func() func(int, []byte) error {
				return expect(200, func(b []byte) error {
					if !strings.Contains(string(b), "<last-name>Last") {
						return fmt.Errorf("the search found nothing: %.200s", b)
					}
					return nil
				})
			},
		},
	}
}

// The baseline's phonebook: the same SELECTs, CSV by hand, XML by encoding/xml.
const (
	baseBookSQL = `SELECT p.firstname, p.lastname, COALESCE(n.number, '') FROM phonebook p
		LEFT JOIN phonebook_numbers n ON n.phonebook_id = p.id AND n.type = 'office' ORDER BY p.displayname, p.id`
	baseSearchSQL = `SELECT p.firstname, p.lastname, COALESCE(n.number, '') FROM phonebook p
		LEFT JOIN phonebook_numbers n ON n.phonebook_id = p.id AND n.type = 'office'
		WHERE p.id IN (SELECT phonebook_id FROM phonebook_words WHERE word LIKE $1) ORDER BY p.lastname, p.firstname`
)

type baseEntry struct {
	First  string `xml:"first-name"`
	Last   string `xml:"last-name"`
	Number string `xml:"number"`
}

func (b *baseline) book(w http.ResponseWriter, r *http.Request, search bool) {
	var rows interface {
		Next() bool
		Scan(...any) error
		Close() error
		Err() error
	}
	var err error
	if search {
		rows, err = b.search.QueryContext(r.Context(), strings.ToLower(r.URL.Query().Get("query"))+"%")
	} else {
		rows, err = b.books.QueryContext(r.Context())
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer rows.Close()
	var es []baseEntry
	for rows.Next() {
		var e baseEntry
		if err := rows.Scan(&e.First, &e.Last, &e.Number); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		es = append(es, e)
	}
	if err := rows.Err(); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if search {
		w.Header().Set("Content-Type", "text/xml")
		_ = xml.NewEncoder(w).Encode(struct {
			XMLName xml.Name    `xml:"phonebook"`
			Entries []baseEntry `xml:"entry"`
		}{Entries: es})
		return
	}
	var sb strings.Builder
	sb.WriteString("\"First name\",\"Last name\",\"Number\"\n")
	q := strings.NewReplacer(`"`, `\"`)
	for _, e := range es {
		sb.WriteString(`"` + q.Replace(e.First) + `","` + q.Replace(e.Last) + `","` + q.Replace(e.Number) + "\"\n")
	}
	w.Header().Set("Content-Type", "text/comma-separated-values")
	_, _ = w.Write([]byte(sb.String()))
}
