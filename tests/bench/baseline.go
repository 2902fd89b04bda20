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
	"sync"
	"time"

	"github.com/lib/pq"
	"golang.org/x/crypto/bcrypt"
)

// The baseline: plain net/http and database/sql doing the same SELECTs as pbxws for users
// view, list and add, with the same Basic check (bcrypt once, then a cache keyed by a hash),
// encoded with encoding/json. It is what the same work costs with nothing around it.
type baseline struct {
	db    *sql.DB
	mu    sync.Mutex
	creds map[[32]byte]bool
}

func startBaseline(ctx context.Context, dsn string) (string, func(), error) {
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		return "", nil, err
	}
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	b := &baseline{db: db, creds: map[[32]byte]bool{}}
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
	var v any
	var err error
	switch r.URL.Query().Get("act") {
	case "view":
		v, err = b.view(r.Context(), r.URL.Query().Get("id"))
	case "list":
		v, err = rowsOf(b.db.QueryContext(r.Context(), `SELECT `+userCols+` FROM users u ORDER BY u.id`))
	case "add":
		var id int
		id, err = b.add(r)
		v = strconv.Itoa(id)
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

const userCols = `u.id, u.entity_id, u.firstname, u.lastname, u.callerid, u.ringseconds, u.simultcalls,
	u.loginclient, u.passwdclient_hash, u.passwdclient_ha1, u.enableclient, u.cti_profile_id,
	u.enablehint, u.enablevoicemail, u.voicemail_id, u.voicemailtype, u.enablexfer, u.enableautomon,
	u.callrecord, u.incallfilter, u.enablednd, u.enableunc, u.destunc, u.enablerna, u.destrna,
	u.enablebusy, u.destbusy, u.musiconhold, u.outcallerid, u.mobilephonenumber, u.userfield,
	u.bsfilter, u.preprocess_subroutine, u.timezone, u.language, u.ringintern, u.ringextern,
	u.ringgroup, u.ringforward, u.rightcallcode, u.agentid, u.pictureid, u.schedule_id,
	u.commented, u.description`

// view runs the same statements pbxws runs for a user view.
func (b *baseline) view(ctx context.Context, id string) (any, error) {
	out := map[string]any{}
	q := func(key, query string, args ...any) ([]map[string]any, error) {
		rows, err := rowsOf(b.db.QueryContext(ctx, query, args...))
		out[key] = rows
		return rows, err
	}
	user, err := q("userfeatures", `SELECT `+userCols+` FROM users u WHERE u.id = $1`, id)
	if err != nil || len(user) == 0 {
		return nil, errors.Join(err, errors.New("no such user"))
	}
	lines, err := q("linefeatures", `SELECT l.id, l.user_id, l.protocol, l.name, l.context, l.number, l.secret, l.interface,
		l.device_id, l.num, l.line_num, l.rules_type, l.rules_time, l.rules_order, l.rules_group,
		l.provisioningid, l.configregistrar, l.callerid, l.internal, l.commented, l.encryption,
		l.description, l.options, u.firstname AS owner_firstname, u.lastname AS owner_lastname
		FROM lines l LEFT JOIN users u ON u.id = l.user_id WHERE l.user_id = $1 ORDER BY l.rules_group, l.rules_order, l.id`, id)
	if err != nil {
		return nil, err
	}
	if vm := user[0]["voicemail_id"]; vm != nil {
		if _, err := q("voicemail", `SELECT id, context, mailbox, fullname, password, email, pager, tz, language, attach,
			deletevoicemail, skipcheckpass, commented FROM voicemails WHERE id = $1`, vm); err != nil {
			return nil, err
		}
	}
	steps := []struct{ key, query string }{
		{"dialaction", `SELECT event, actiontype, action, actionarg1, actionarg2, linked FROM dialactions WHERE category = 'user' AND categoryval = $1 ORDER BY event`},
		{"rightcall", `SELECT rightcall_id FROM user_rightcalls WHERE user_id = $1::int ORDER BY rightcall_id`},
		{"phonefunckey", `SELECT fknum, type, typeval, label, supervision, progfunckey FROM user_funckeys WHERE user_id = $1::int ORDER BY fknum`},
		{"members", `SELECT category, queue_id, name, penalty, position FROM queue_members WHERE usertype = 'user' AND userid = $1::int ORDER BY category, queue_id`},
	}
	for _, s := range steps {
		if _, err := q(s.key, s.query, id); err != nil {
			return nil, err
		}
	}
	ent := user[0]["entity_id"]
	if _, err := q("entity", `SELECT id, name, displayname, phonenumber, faxnumber, email, url, address1, address2,
		city, state, zipcode, country, description, dcreate, disable FROM entities WHERE id = $1`, ent); err != nil {
		return nil, err
	}
	if _, err := q("contexts", `SELECT name FROM contexts WHERE entity_id = $1 AND contexttype = 'internal' ORDER BY name`, ent); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(lines))
	for _, l := range lines {
		names = append(names, l["name"].(string))
	}
	_, err = q("registered", `SELECT DISTINCT username FROM registrations WHERE username = ANY($1) AND expires > localtimestamp`, pq.StringArray(names))
	return out, err
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
