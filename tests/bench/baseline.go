package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"pbxws/models"
)

// The baseline: plain net/http and database/sql doing the same SELECTs as pbxws for users
// view, list and add, with the same Basic check (bcrypt once, then a cache keyed by a hash),
// encoded with encoding/json. It is what the same work costs with nothing around it.
type baseline struct {
	db              *sql.DB
	view1, all, cel *sql.Stmt
	books, search   *sql.Stmt
	regs            *sql.Stmt
	phones          *sql.Stmt
	mu              sync.Mutex
	creds           map[[32]byte]bool
}

func startBaseline(ctx context.Context, dsn string, poolSize int) (string, func(), error) {
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return "", nil, err
	}
	db.SetMaxOpenConns(poolSize)
	db.SetMaxIdleConns(poolSize)
	b := &baseline{db: db, creds: map[[32]byte]bool{}}
	// Prepared, as pbxws prepares its hot statements.
	if b.view1, err = db.PrepareContext(ctx, models.UserViewSQL); err != nil {
		return "", nil, err
	}
	if b.all, err = db.PrepareContext(ctx, models.UserListSQL); err != nil {
		return "", nil, err
	}
	if b.cel, err = db.PrepareContext(ctx, `SELECT CAST(id AS text) AS id, eventtype, CAST(eventtime AS text) AS eventtime,
		userdeftype, cid_name, cid_num, cid_ani, cid_rdnis, cid_dnid, exten, context, channame, appname, appdata,
		CAST(amaflags AS text) AS amaflags, accountcode, peeraccount, uniqueid, linkedid, userfield, peer
		FROM cel WHERE eventtime >= CAST($1 AS timestamp) AND eventtime < CAST($1 AS timestamp) + interval '1 day'
		ORDER BY cel.eventtime, cel.id LIMIT $2`); err != nil {
		return "", nil, err
	}
	if b.books, err = db.PrepareContext(ctx, baseBookSQL); err != nil {
		return "", nil, err
	}
	if b.search, err = db.PrepareContext(ctx, baseSearchSQL); err != nil {
		return "", nil, err
	}
	if b.regs, err = db.PrepareContext(ctx, models.BindingsSQL); err != nil {
		return "", nil, err
	}
	if b.phones, err = db.PrepareContext(ctx, basePhoneSettingsSQL); err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(b.serve), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close(); _ = db.Close() }, nil
}

func (b *baseline) auth(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return false
	}
	key := sha256.Sum256([]byte(user + "\x00" + pass))
	b.mu.Lock()
	hit := b.creds[key]
	b.mu.Unlock()
	if hit {
		return true
	}
	var hash string
	if err := b.db.QueryRowContext(r.Context(), `SELECT password_hash FROM ws_accounts WHERE login = $1 AND NOT disabled`, user).Scan(&hash); err != nil {
		return false
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(pass)) != nil {
		return false
	}
	b.mu.Lock()
	b.creds[key] = true
	b.mu.Unlock()
	return true
}

func (b *baseline) serve(w http.ResponseWriter, r *http.Request) {
	if !b.auth(r) {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	switch r.URL.Path {
	case "/sipxconfig/rest/phonebook/xivo":
		b.book(w, r, false)
		return
	case "/sipxconfig/rest/my/search/phonebook":
		b.book(w, r, true)
		return
	case "/sipxconfig/api/registrations":
		b.registrations(w, r)
		return
	}
	if strings.HasPrefix(r.URL.Path, "/sipxconfig/api/phones/") && strings.HasSuffix(r.URL.Path, "/settings") {
		b.phoneSettings(w, r)
		return
	}
	var v any
	var err error
	switch r.URL.Query().Get("act") {
	case "view":
		v, err = b.view(r.Context(), r.URL.Query().Get("id"))
	case "list":
		v, err = rowsOf(b.all.QueryContext(r.Context()))
	case "add":
		var id int
		id, err = b.add(r)
		v = strconv.Itoa(id)
	case "stats": // data/stats1, one queue, one month
		v, err = b.stats(r)
	case "search": // CEL, one day
		q := r.URL.Query()
		v, err = rowsOf(b.cel.QueryContext(r.Context(), q.Get("dbeg"), q.Get("limit")))
	default:
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// view runs the statement pbxws runs for a user view, and encodes what it returns.
func (b *baseline) view(ctx context.Context, id string) (any, error) {
	rows, err := rowsOf(b.view1.QueryContext(ctx, id))
	if err != nil || len(rows) == 0 {
		return nil, errors.Join(err, errors.New("no such user"))
	}
	out := rows[0]
	for k, v := range out {
		if s, ok := v.(string); ok && strings.HasSuffix(k, "_json") {
			out[k] = json.RawMessage(s)
		}
	}
	return out, nil
}

func (b *baseline) add(r *http.Request) (int, error) {
	var body struct {
		UF struct {
			Firstname string `json:"firstname"`
			Lastname  string `json:"lastname"`
		} `json:"userfeatures"`
		LF struct {
			Number []json.Number `json:"number"`
		} `json:"linefeatures"`
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return 0, err
	}
	if err := json.Unmarshal(raw, &body); err != nil || len(body.LF.Number) != 1 {
		return 0, errors.Join(err, errors.New("bad body"))
	}
	tx, err := b.db.BeginTx(r.Context(), nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var id int
	if err := tx.QueryRowContext(r.Context(), `INSERT INTO users (firstname, lastname, callerid) VALUES ($1, $2, $3) RETURNING id`,
		body.UF.Firstname, body.UF.Lastname, `"`+body.UF.Firstname+" "+body.UF.Lastname+`"`).Scan(&id); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(r.Context(), `INSERT INTO lines (user_id, protocol, name, context, number, secret, rules_order)
		VALUES ($1, 'sip', $3, 'default', $2, 'SECRET', 1)`, id, "8"+body.LF.Number[0].String(), "b"+strconv.Itoa(id)); err != nil {
		return 0, err
	}
	return id, tx.Commit()
}

// rowsOf reads rows into maps (column → value), text as strings.
func rowsOf(rows *sql.Rows, err error) ([]map[string]any, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		m := make(map[string]any, len(cols))
		for i, c := range cols {
			if b, ok := vals[i].([]byte); ok {
				m[c] = string(b)
			} else {
				m[c] = vals[i]
			}
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
