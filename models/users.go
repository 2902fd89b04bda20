package models

import (
	"cmp"
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"golang.org/x/crypto/bcrypt"
)

// User is a person with phones: XiVO userfeatures, sipX user.
type User struct {
	ID                   int     `db:"id"`
	EntityID             int     `db:"entity_id" validate:"gte=1"`
	FirstName            string  `db:"firstname" validate:"required,max=128,printable"`
	LastName             string  `db:"lastname" validate:"max=128,printable"`
	CallerID             string  `db:"callerid"`
	RingSeconds          int     `db:"ringseconds" validate:"gte=0,lte=60"`
	SimultCalls          int     `db:"simultcalls" validate:"gte=1,lte=20"`
	LoginClient          *string `db:"loginclient" validate:"omitempty,min=2,max=64,loginclient"`
	PasswdHash           string  `db:"passwdclient_hash"`
	EnableClient         bool    `db:"enableclient"`
	CTIProfileID         *int    `db:"cti_profile_id"`
	EnableHint           bool    `db:"enablehint"`
	EnableVoicemail      bool    `db:"enablevoicemail"`
	VoicemailID          *int    `db:"voicemail_id"`
	VoicemailType        *string `db:"voicemailtype"`
	EnableXfer           bool    `db:"enablexfer"`
	EnableAutomon        bool    `db:"enableautomon"`
	CallRecord           bool    `db:"callrecord"`
	IncallFilter         bool    `db:"incallfilter"`
	EnableDND            bool    `db:"enablednd"`
	EnableUNC            bool    `db:"enableunc"`
	DestUNC              string  `db:"destunc" validate:"omitempty,max=128,dialable"`
	EnableRNA            bool    `db:"enablerna"`
	DestRNA              string  `db:"destrna" validate:"omitempty,max=128,dialable"`
	EnableBusy           bool    `db:"enablebusy"`
	DestBusy             string  `db:"destbusy" validate:"omitempty,max=128,dialable"`
	MusicOnHold          string  `db:"musiconhold" validate:"max=128,printable"`
	OutCallerID          string  `db:"outcallerid" validate:"max=80,printable"`
	MobilePhoneNumber    string  `db:"mobilephonenumber" validate:"omitempty,max=128,dialable"`
	UserField            string  `db:"userfield" validate:"max=128,printable"`
	BSFilter             string  `db:"bsfilter" validate:"oneof=no boss secretary"`
	PreprocessSubroutine *string `db:"preprocess_subroutine" validate:"omitempty,max=39,printable"`
	Timezone             string  `db:"timezone" validate:"max=128,printable"`
	Language             string  `db:"language" validate:"omitempty,language"`
	RingIntern           string  `db:"ringintern" validate:"max=64,printable"`
	RingExtern           string  `db:"ringextern" validate:"max=64,printable"`
	RingGroup            string  `db:"ringgroup" validate:"max=64,printable"`
	RingForward          string  `db:"ringforward" validate:"max=64,printable"`
	RightCallCode        string  `db:"rightcallcode" validate:"omitempty,max=15,numeric"`
	AgentID              *int    `db:"agentid"`
	PictureID            *int    `db:"pictureid"`
	ScheduleID           int     `db:"schedule_id" validate:"gte=0"`
	Commented            bool    `db:"commented"`
	Description          string  `db:"description" validate:"max=1000"`
	// Admin grants the sipX ADMIN role; Email is the user's own address.
	Admin bool   `db:"admin"`
	Email string `db:"email" validate:"omitempty,max=255,email"`
	// ForwardVoicemail sends callers to voicemail when the call sequence ends unanswered.
	ForwardVoicemail bool `db:"forward_voicemail"`
}

// Fullname is "first last" trimmed, or "-" when both are empty.
func (u *User) Fullname() string {
	n := strings.TrimSpace(strings.TrimSpace(u.FirstName) + " " + strings.TrimSpace(u.LastName))
	if n == "" {
		return "-"
	}
	return n
}

// NewUser returns a user with the defaults XiVO gives a new one.
func NewUser() *User {
	return &User{EntityID: 1, RingSeconds: 30, SimultCalls: 5, EnableHint: true, EnableXfer: true,
		MusicOnHold: "default", OutCallerID: "default", BSFilter: "no"}
}

// Voicemail is a voicemail box.
type Voicemail struct {
	ID              int    `db:"id" json:"id"`
	Context         string `db:"context" json:"context" validate:"required,contextname"`
	Mailbox         string `db:"mailbox" json:"mailbox" validate:"required,max=40,extension"`
	Fullname        string `db:"fullname" json:"fullname" validate:"max=80,printable"`
	Password        string `db:"password" json:"password" validate:"omitempty,max=80,numeric"`
	Email           string `db:"email" json:"email" validate:"omitempty,max=80,email"`
	Pager           string `db:"pager" json:"pager" validate:"omitempty,max=80,email"`
	TZ              string `db:"tz" json:"tz" validate:"max=80,printable"`
	Language        string `db:"language" json:"language" validate:"omitempty,language"`
	Attach          *bool  `db:"attach" json:"attach"`
	DeleteVoicemail bool   `db:"deletevoicemail" json:"deletevoicemail"`
	SkipCheckPass   bool   `db:"skipcheckpass" json:"skipcheckpass"`
	Commented       bool   `db:"commented" json:"commented"`
}

// DialAction is what happens on one event of a user, group, queue, incall or schedule.
type DialAction struct {
	Event      string  `db:"event" json:"event"`
	ActionType string  `db:"actiontype" json:"actiontype" validate:"oneof=none endcall user group queue meetme voicemail extension outcall application sound custom schedule trunk voicemenu"`
	Action     string  `db:"action" json:"action" validate:"max=64,printable"`
	ActionArg1 *string `db:"actionarg1" json:"actionarg1" validate:"omitempty,max=255,printable"`
	ActionArg2 *string `db:"actionarg2" json:"actionarg2" validate:"omitempty,max=255,printable"`
	Linked     bool    `db:"linked" json:"linked"`
}

// FuncKey is one programmable key of a user's phone.
type FuncKey struct {
	FKNum       int    `db:"fknum" json:"fknum" validate:"gte=1,lte=255"`
	Type        string `db:"type" json:"type" validate:"max=64,printable"`
	TypeVal     string `db:"typeval" json:"typeval" validate:"max=255,printable"`
	Label       string `db:"label" json:"label" validate:"max=64,printable"`
	Supervision bool   `db:"supervision" json:"supervision"`
	ProgFunckey bool   `db:"progfunckey" json:"progfunckey"`
}

// RightCall is a call permission.
type RightCall struct {
	ID   int    `db:"id"`
	Name string `db:"name"`
}

// Membership is a user's place in a ring group or a queue.
type Membership struct {
	Category string `db:"category" json:"category"`
	QueueID  int    `db:"queue_id" json:"queue_id"`
	Name     string `db:"name" json:"name"`
	Penalty  int    `db:"penalty" json:"penalty"`
	Position int    `db:"position" json:"position"`
}

// Ring is one step of a user's call sequence: ring number for expiration seconds, after the
// previous ring gave up or (Parallel) together with it.
type Ring struct {
	Number     string `db:"number" json:"number" validate:"required,max=128,dialable"`
	Expiration int    `db:"expiration" json:"expiration" validate:"gte=1,lte=3600"`
	Parallel   bool   `db:"parallel" json:"parallel"`
	Enabled    bool   `db:"enabled" json:"enabled"`
	// ScheduleID limits the ring to a schedule's open periods (nil: always). A schedule the
	// user may not use (neither general nor theirs) is dropped on write: the ring stays.
	ScheduleID *int `db:"schedule_id" json:"schedule_id"`
}

// UserComposite is a user with everything that hangs off it. On writes a nil part means
// "leave what is stored" (edit) or "none" (add); a non-nil part replaces what is stored.
type UserComposite struct {
	User User
	// Password, when non-empty, sets a new portal password (stored hashed only).
	Password string
	// Admin and Email, when set, change the user's flag and address (nil keeps them).
	Admin *bool
	Email *string
	// Aliases are login names besides the line numbers (nil keeps them).
	Aliases []string
	// Rings are the user's call sequence (nil keeps it on writes).
	Rings []Ring
	// ForwardVoicemail, when set, changes User.ForwardVoicemail.
	ForwardVoicemail *bool
	// Groups are the sipX user groups the user is in (read); GroupIDs, when not nil,
	// replaces the memberships.
	Groups   []UserGroup
	GroupIDs []int
	// SIPPassword, when set, becomes the secret of the user's first SIP line.
	SIPPassword *string
	// CTIProfileName, when set, names the CTI profile (case-insensitively, an exact match
	// first); the write resolves it to CTIProfileID, "" clearing nothing.
	CTIProfileName *string
	Lines          []Line
	Voicemail      *Voicemail
	DialActions    []DialAction
	RightCalls     []int
	FuncKeys       []FuncKey
	// Read-only parts, filled by View.
	Members    []Membership
	Entity     *Entity
	EntityCtxs []string
}

// UserStore reads and writes users and their composite.
type UserStore struct {
	db    *sqlx.DB
	realm string
	lines *LineStore
	// Hot reads run as prepared statements: the view's plan alone costs milliseconds.
	viewStmt, viewAllStmt, listStmt *sqlx.Stmt
	// The add's insert too: compiling a named query cost more CPU than the rest of the add.
	insertStmt, insertCheckStmt *sqlx.Stmt
	// lastList sizes the next list's slice at once: growing it to 10,000 users copied
	// megabytes per request.
	lastList atomic.Int64
}

// prepare readies the hot statements; a statement that does not prepare fails the start.
func (s *UserStore) prepare(ctx context.Context) (err error) {
	if s.viewAllStmt, err = s.db.PreparexContext(ctx, userViewAllSQL); err != nil {
		return fmt.Errorf("preparing the user view with its sipX parts: %w", err)
	}
	if s.viewStmt, err = s.db.PreparexContext(ctx, UserViewSQL); err != nil {
		return fmt.Errorf("preparing the user view: %w", err)
	}
	if s.listStmt, err = s.db.PreparexContext(ctx, UserListSQL); err != nil {
		return fmt.Errorf("preparing the user list: %w", err)
	}
	if s.insertStmt, err = s.db.PreparexContext(ctx, userInsertSQL); err != nil {
		return fmt.Errorf("preparing the user insert: %w", err)
	}
	if s.insertCheckStmt, err = s.db.PreparexContext(ctx, userInsertCheckSQL); err != nil {
		return fmt.Errorf("preparing the user insert with its line check: %w", err)
	}
	return nil
}

// UserListSQL is the users list statement.
const UserListSQL = `SELECT ` + userCols + ` FROM users u ORDER BY u.id`

const userCols = `u.id, u.entity_id, u.firstname, u.lastname, u.callerid, u.ringseconds, u.simultcalls,
	u.loginclient, u.passwdclient_hash, u.enableclient, u.cti_profile_id,
	u.enablehint, u.enablevoicemail, u.voicemail_id, u.voicemailtype, u.enablexfer, u.enableautomon,
	u.callrecord, u.incallfilter, u.enablednd, u.enableunc, u.destunc, u.enablerna, u.destrna,
	u.enablebusy, u.destbusy, u.musiconhold, u.outcallerid, u.mobilephonenumber, u.userfield,
	u.bsfilter, u.preprocess_subroutine, u.timezone, u.language, u.ringintern, u.ringextern,
	u.ringgroup, u.ringforward, u.rightcallcode, u.agentid, u.pictureid, u.schedule_id,
	u.commented, u.description, u.admin, u.email, u.forward_voicemail`

// scanDest appends the destinations of the userCols columns, in their order, to dst.
func (u *User) scanDest(dst []any) []any {
	return append(dst, &u.ID, &u.EntityID, &u.FirstName, &u.LastName, &u.CallerID,
		&u.RingSeconds, &u.SimultCalls, &u.LoginClient, &u.PasswdHash,
		&u.EnableClient, &u.CTIProfileID, &u.EnableHint, &u.EnableVoicemail, &u.VoicemailID,
		&u.VoicemailType, &u.EnableXfer, &u.EnableAutomon, &u.CallRecord, &u.IncallFilter,
		&u.EnableDND, &u.EnableUNC, &u.DestUNC, &u.EnableRNA, &u.DestRNA, &u.EnableBusy,
		&u.DestBusy, &u.MusicOnHold, &u.OutCallerID, &u.MobilePhoneNumber, &u.UserField,
		&u.BSFilter, &u.PreprocessSubroutine, &u.Timezone, &u.Language, &u.RingIntern,
		&u.RingExtern, &u.RingGroup, &u.RingForward, &u.RightCallCode, &u.AgentID,
		&u.PictureID, &u.ScheduleID, &u.Commented, &u.Description, &u.Admin, &u.Email, &u.ForwardVoicemail)
}

var userConstraints = map[string]string{
	"users_loginclient_key":     "user.login_client",
	"users_entity_id_fkey":      "user.entity_id",
	"users_cti_profile_id_fkey": "user.cti_profile_id",
}

// List returns every user by id.
func (s *UserStore) List(ctx context.Context) ([]User, error) {
	return s.list(ctx, nil)
}

// ListAt returns every user by id, and the snapshot they were read in (ChangeLog.Current
// tells later whether the list is still current).
func (s *UserStore) ListAt(ctx context.Context, changes *ChangeLog) (us []User, snap Snapshot, err error) {
	snap, err = changes.Read(ctx, func(tx *sqlx.Tx) error {
		us, err = s.list(ctx, tx)
		return err
	})
	return us, snap, err
}

// list reads the users in tx, or on the pool when tx is nil.
func (s *UserStore) list(ctx context.Context, tx *sqlx.Tx) ([]User, error) {
	var rows *sqlx.Rows
	var err error
	switch {
	case s.listStmt != nil && tx != nil:
		rows, err = tx.StmtxContext(ctx, s.listStmt).QueryxContext(ctx)
	case s.listStmt != nil:
		rows, err = s.listStmt.QueryxContext(ctx)
	case tx != nil:
		rows, err = tx.QueryxContext(ctx, UserListSQL)
	default:
		rows, err = s.db.QueryxContext(ctx, UserListSQL)
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	n := int(s.lastList.Load())
	out := make([]User, 0, max(256, n+n/32))
	defer func() { s.lastList.Store(int64(len(out))) }()
	for rows.Next() {
		out = append(out, User{})
		u := &out[len(out)-1]
		// Explicit destinations: reflection per row was most of a list.
		if err := rows.Scan(u.scanDest(nil)...); err != nil {
			return nil, err
		}
	}
	return out, rows.Err()
}

// Search matches a substring of "first last", an exact (case-insensitive) userfield, or a
// substring of one of the user's line numbers.
func (s *UserStore) Search(ctx context.Context, term string) ([]User, error) {
	var out []User
	err := s.db.SelectContext(ctx, &out, `SELECT `+userCols+` FROM users u
		WHERE (u.firstname || ' ' || u.lastname) ILIKE $1
		   OR u.userfield ILIKE $2
		   OR EXISTS (SELECT 1 FROM lines l WHERE l.user_id = u.id AND l.number ILIKE $1)
		ORDER BY u.id`, likeTerm(term), likeExact(term))
	return out, err
}

// ByLogin returns the id of the user whose login (case-insensitive) or alias is name.
func (s *UserStore) ByLogin(ctx context.Context, name string) (int, error) {
	var id int
	err := s.db.GetContext(ctx, &id, `SELECT id FROM users WHERE lower(loginclient) = lower($1)
		UNION ALL SELECT user_id FROM user_aliases WHERE alias = $1 LIMIT 1`, name)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	return id, err
}

// privateKeyAlphabet is what a private key is made of: 32 of these, 192 bits (64 symbols:
// each random byte maps to one without bias).
const privateKeyAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_"

// ValidPrivateKey reports whether key has the shape of a private key.
func ValidPrivateKey(key string) bool {
	if len(key) != 32 {
		return false
	}
	for i := 0; i < len(key); i++ {
		if !strings.ContainsRune(privateKeyAlphabet, rune(key[i])) {
			return false
		}
	}
	return true
}

// NewPrivateKey gives the user a new private key, which replaces the old one, and returns
// it: only its hash is stored.
func (s *UserStore) NewPrivateKey(ctx context.Context, id int) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	key := make([]byte, 32)
	for i, b := range raw {
		key[i] = privateKeyAlphabet[b&63]
	}
	h := sha256.Sum256(key)
	return string(key), s.setPrivateKey(ctx, id, h[:])
}

// RevokePrivateKey takes the user's private key away.
func (s *UserStore) RevokePrivateKey(ctx context.Context, id int) error {
	return s.setPrivateKey(ctx, id, nil)
}

func (s *UserStore) setPrivateKey(ctx context.Context, id int, hash []byte) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET private_key_hash = $2 WHERE id = $1`, id, hash)
		if err != nil {
			return err
		}
		return oneRow(res)
	})
}

// SetAdmin grants or revokes the sipX ADMIN role.
func (s *UserStore) SetAdmin(ctx context.Context, id int, admin bool) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET admin = $2 WHERE id = $1`, id, admin)
		if err != nil {
			return err
		}
		return oneRow(res)
	})
}

// ListComposites returns every user with the parts a directory shows (lines, voicemail,
// entity, aliases), by id, in five queries whatever their number.
func (s *UserStore) ListComposites(ctx context.Context) ([]UserComposite, error) {
	us, err := s.List(ctx)
	if err != nil || len(us) == 0 {
		return nil, err
	}
	out := make([]UserComposite, len(us))
	at := make(map[int]int, len(us))
	for i, u := range us {
		out[i].User = u
		at[u.ID] = i
	}
	var ls []Line
	if err := s.db.SelectContext(ctx, &ls, `SELECT `+lineCols+lineFrom+` WHERE l.user_id IS NOT NULL
		ORDER BY l.user_id, l.rules_group, l.rules_order, l.id`); err != nil {
		return nil, err
	}
	for _, l := range ls {
		if i, ok := at[*l.UserID]; ok {
			out[i].Lines = append(out[i].Lines, l)
		}
	}
	var aliases []struct {
		UserID int    `db:"user_id"`
		Alias  string `db:"alias"`
	}
	if err := s.db.SelectContext(ctx, &aliases, `SELECT user_id, alias FROM user_aliases ORDER BY user_id, alias`); err != nil {
		return nil, err
	}
	for _, a := range aliases {
		if i, ok := at[a.UserID]; ok {
			out[i].Aliases = append(out[i].Aliases, a.Alias)
		}
	}
	var members []struct {
		UserID int `db:"user_id"`
		UserGroup
	}
	if err := s.db.SelectContext(ctx, &members, `SELECT gm.user_id, ug.id, ug.name, ug.description, ug.entity_id
		FROM user_group_members gm JOIN user_groups ug ON ug.id = gm.group_id ORDER BY gm.user_id, ug.id`); err != nil {
		return nil, err
	}
	for _, m := range members {
		if i, ok := at[m.UserID]; ok {
			out[i].Groups = append(out[i].Groups, m.UserGroup)
		}
	}
	var vms []Voicemail
	if err := s.db.SelectContext(ctx, &vms, `SELECT `+voicemailCols+` FROM voicemails
		WHERE id IN (SELECT voicemail_id FROM users)`); err != nil {
		return nil, err
	}
	byVM := make(map[int]*Voicemail, len(vms))
	for i := range vms {
		byVM[vms[i].ID] = &vms[i]
	}
	var es []Entity
	if err := s.db.SelectContext(ctx, &es, `SELECT `+entityCols+` FROM entities`); err != nil {
		return nil, err
	}
	byEntity := make(map[int]*Entity, len(es))
	for i := range es {
		byEntity[es[i].ID] = &es[i]
	}
	for i := range out {
		u := &out[i].User
		if u.VoicemailID != nil {
			out[i].Voicemail = byVM[*u.VoicemailID]
		}
		out[i].Entity = byEntity[u.EntityID]
	}
	return out, nil
}

// Get returns one user row or ErrNotFound.
func (s *UserStore) Get(ctx context.Context, id int) (*User, error) {
	return s.get(ctx, s.db, id)
}

func (s *UserStore) get(ctx context.Context, q sqlx.QueryerContext, id int) (*User, error) {
	var u User
	err := sqlx.GetContext(ctx, q, &u, `SELECT `+userCols+` FROM users u WHERE u.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &u, err
}

// UserViewSQL fetches a user with everything View returns in one round trip: the row, and
// each part as JSON. Every subquery costs PostgreSQL a plan node to run per view, so the
// parts a user often lacks (dial actions, call rights, keys, memberships) share one, tagged
// by kind, and the lines read their owner's name from the outer row.
var UserViewSQL = userViewSQL("")

// userViewAllSQL is UserViewSQL with the parts only the sipX façade shows: aliases, the call
// sequence and user groups (json.php's views, the hot ones, do not pay for them).
var userViewAllSQL = userViewSQL(`
		UNION ALL SELECT 'a', to_json(alias) FROM user_aliases WHERE user_id = u.id
		UNION ALL SELECT 'f', to_json(f) FROM (SELECT position, number, expiration, parallel, enabled, schedule_id
			FROM user_rings WHERE user_id = u.id) f
		UNION ALL SELECT 'g', to_json(g) FROM (SELECT ug.id, ug.name, ug.description FROM user_group_members gm
			JOIN user_groups ug ON ug.id = gm.group_id WHERE gm.user_id = u.id) g`)

func userViewSQL(moreParts string) string {
	return `SELECT ` + userCols + `,
	(SELECT COALESCE(json_agg(x ORDER BY x.rules_group, x.rules_order, x.id), '[]') FROM (
		SELECT ` + lineCols + `, EXISTS (SELECT 1 FROM registrations r WHERE r.username = l.name
			AND r.expires > localtimestamp) AS registered FROM lines l WHERE l.user_id = u.id) x) AS lines_json,
	(SELECT row_to_json(v) FROM (SELECT ` + voicemailCols + ` FROM voicemails WHERE id = u.voicemail_id) v) AS voicemail_json,
	(SELECT json_agg(p) FROM (
		SELECT 'd' AS k, to_json(d) AS v FROM (SELECT event, actiontype, action, actionarg1, actionarg2, linked
			FROM dialactions WHERE category = 'user' AND categoryval = u.id::text) d
		UNION ALL SELECT 'r', to_json(rightcall_id) FROM user_rightcalls WHERE user_id = u.id
		UNION ALL SELECT 'k', to_json(k) FROM (SELECT fknum, type, typeval, label, supervision, progfunckey
			FROM user_funckeys WHERE user_id = u.id) k
		UNION ALL SELECT 'm', to_json(m) FROM (SELECT category, queue_id, name, penalty, position
			FROM queue_members WHERE usertype = 'user' AND userid = u.id) m` + moreParts + `) p) AS parts_json,
	(SELECT row_to_json(e) FROM (SELECT ` + entityCols + ` FROM entities WHERE id = u.entity_id) e) AS entity_json,
	(SELECT COALESCE(json_agg(c.name ORDER BY c.name), '[]') FROM contexts c WHERE c.entity_id = u.entity_id
		AND c.contexttype = 'internal') AS contexts_json
	FROM users u WHERE u.id = $1`
}

// View returns the user with its lines (and whether each is registered), voicemail, dial
// actions, call rights, keys, memberships and entity, read in one statement.
func (s *UserStore) View(ctx context.Context, id int) (*UserComposite, error) {
	return s.view(ctx, nil, id, false)
}

// ViewAll is View with the parts the sipX façade adds: aliases, the call sequence, user
// groups.
func (s *UserStore) ViewAll(ctx context.Context, id int) (*UserComposite, error) {
	return s.view(ctx, nil, id, true)
}

// Edit merges an edit onto the stored user in one transaction that locks the user's row
// first: merge receives the composite as stored (after any edit that committed before) and
// returns what to write. Parts merge leaves nil keep what is stored.
func (s *UserStore) Edit(ctx context.Context, id int, merge func(stored *UserComposite) (*UserComposite, error)) error {
	return EditLocked(ctx, s.db, func(tx *sqlx.Tx) (*UserComposite, error) {
		var locked int
		err := tx.GetContext(ctx, &locked, `SELECT id FROM users WHERE id = $1 FOR UPDATE`, id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		if err != nil {
			return nil, err
		}
		return s.view(ctx, tx, id, false)
	}, merge, func(tx *sqlx.Tx, stored, merged *UserComposite) error {
		merged.User.ID = id
		return s.write(ctx, tx, merged, &stored.User)
	})
}

// view reads the composite, within tx when it is not nil; all adds the sipX parts.
func (s *UserStore) view(ctx context.Context, tx *sqlx.Tx, id int, all bool) (*UserComposite, error) {
	c := &UserComposite{}
	// The parts arrive as JSON; sql.RawBytes would alias the driver's buffer, so they are
	// decoded before the row is closed.
	var lines, voicemail, parts, entity, contexts []byte
	dest := c.User.scanDest(make([]any, 0, 50))
	dest = append(dest, &lines, &voicemail, &parts, &entity, &contexts)
	var err error
	query, stmt := UserViewSQL, s.viewStmt
	if all {
		query, stmt = userViewAllSQL, s.viewAllStmt
	}
	switch {
	case tx != nil && stmt != nil:
		err = tx.StmtxContext(ctx, stmt).QueryRowContext(ctx, id).Scan(dest...)
	case tx != nil:
		err = tx.QueryRowContext(ctx, query, id).Scan(dest...)
	case stmt != nil:
		err = stmt.QueryRowContext(ctx, id).Scan(dest...)
	default:
		err = s.db.QueryRowContext(ctx, query, id).Scan(dest...)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	for _, p := range []struct {
		raw []byte
		dst any
	}{
		{lines, &c.Lines}, {contexts, &c.EntityCtxs}, {voicemail, &c.Voicemail}, {entity, &c.Entity},
	} {
		if len(p.raw) == 0 || string(p.raw) == "[]" {
			continue // NULL (no voicemail, no entity) or an empty part
		}
		if err := json.Unmarshal(p.raw, p.dst); err != nil {
			return nil, fmt.Errorf("user view: %w", err)
		}
	}
	if len(parts) > 0 {
		if err := c.decodeParts(parts); err != nil {
			return nil, fmt.Errorf("user view: %w", err)
		}
	}
	return c, nil
}

// decodeParts reads the tagged parts of UserViewSQL, in the order each part is kept in.
func (c *UserComposite) decodeParts(raw []byte) error {
	var tagged []struct {
		K string          `json:"k"`
		V json.RawMessage `json:"v"`
	}
	if err := json.Unmarshal(raw, &tagged); err != nil {
		return err
	}
	type ringAt struct {
		Position int `json:"position"`
		Ring
	}
	var rings []ringAt
	for _, t := range tagged {
		var err error
		switch t.K {
		case "d":
			c.DialActions = append(c.DialActions, DialAction{})
			err = json.Unmarshal(t.V, &c.DialActions[len(c.DialActions)-1])
		case "r":
			c.RightCalls = append(c.RightCalls, 0)
			err = json.Unmarshal(t.V, &c.RightCalls[len(c.RightCalls)-1])
		case "k":
			c.FuncKeys = append(c.FuncKeys, FuncKey{})
			err = json.Unmarshal(t.V, &c.FuncKeys[len(c.FuncKeys)-1])
		case "m":
			c.Members = append(c.Members, Membership{})
			err = json.Unmarshal(t.V, &c.Members[len(c.Members)-1])
		case "a":
			c.Aliases = append(c.Aliases, "")
			err = json.Unmarshal(t.V, &c.Aliases[len(c.Aliases)-1])
		case "f":
			rings = append(rings, ringAt{})
			err = json.Unmarshal(t.V, &rings[len(rings)-1])
		case "g":
			c.Groups = append(c.Groups, UserGroup{})
			err = json.Unmarshal(t.V, &c.Groups[len(c.Groups)-1])
		default:
			err = fmt.Errorf("unknown part %q", t.K)
		}
		if err != nil {
			return err
		}
	}
	// The order each part had when PostgreSQL sorted it (events and categories are
	// lowercase ASCII words, which every collation orders as bytes).
	slices.SortFunc(c.DialActions, func(a, b DialAction) int { return strings.Compare(a.Event, b.Event) })
	slices.Sort(c.RightCalls)
	slices.Sort(c.Aliases)
	slices.SortFunc(rings, func(a, b ringAt) int { return cmp.Compare(a.Position, b.Position) })
	for _, r := range rings {
		c.Rings = append(c.Rings, r.Ring)
	}
	slices.SortFunc(c.Groups, func(a, b UserGroup) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(c.FuncKeys, func(a, b FuncKey) int { return cmp.Compare(a.FKNum, b.FKNum) })
	slices.SortFunc(c.Members, func(a, b Membership) int {
		return cmp.Or(strings.Compare(a.Category, b.Category), cmp.Compare(a.QueueID, b.QueueID))
	})
	return nil
}

const voicemailCols = `id, context, mailbox, fullname, password, email, pager, tz, language, attach,
	deletevoicemail, skipcheckpass, commented`

// Create inserts the composite in one transaction and sets c.User.ID.
func (s *UserStore) Create(ctx context.Context, c *UserComposite) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error { return s.write(ctx, tx, c, nil) })
}

// write validates and stores c; old is the stored row on update, nil on create.
func (s *UserStore) write(ctx context.Context, tx *sqlx.Tx, c *UserComposite, old *User) error {
	u := &c.User
	u.CallerID = `"` + strings.TrimSpace(strings.TrimSpace(u.FirstName)+" "+strings.TrimSpace(u.LastName)) + `"`
	if u.LoginClient != nil {
		l := strings.ToLower(strings.TrimSpace(*u.LoginClient))
		if l == "" {
			u.LoginClient = nil
		} else {
			u.LoginClient = &l
		}
	}
	if c.Admin != nil {
		u.Admin = *c.Admin
	}
	if c.ForwardVoicemail != nil {
		u.ForwardVoicemail = *c.ForwardVoicemail
	}
	if c.Rings != nil {
		// XiVO's no-answer forward is the first enabled sequential ring.
		u.EnableRNA, u.DestRNA = false, ""
		for _, r := range c.Rings {
			if r.Enabled && !r.Parallel {
				u.EnableRNA, u.DestRNA = true, r.Number
				break
			}
		}
	}
	if c.Email != nil {
		u.Email = strings.TrimSpace(*c.Email)
	}
	ve := &ValidationError{}
	ve.Merge("user.", Check(u))
	for i := range c.Rings {
		ve.Merge(fmt.Sprintf("rings[%d].", i), Check(&c.Rings[i]))
	}
	if u.RingSeconds%5 != 0 {
		ve.Add("user.ring_seconds", "must be a multiple of 5 between 0 and 60")
	}
	if c.Password != "" && (len(c.Password) < 4 || len(c.Password) > 64 || !Printable(c.Password)) {
		ve.Add("user.password", "must be 4-64 printable characters")
	}
	if u.EnableClient {
		if u.LoginClient == nil {
			ve.Add("user.login_client", "is required when the client is enabled")
		}
		if c.Password == "" && u.PasswdHash == "" {
			ve.Add("user.password", "is required when the client is enabled")
		}
	}
	for i := range c.DialActions {
		ve.Merge("dial_actions."+c.DialActions[i].Event+".", Check(&c.DialActions[i]))
	}
	for i := range c.FuncKeys {
		ve.Merge(fmt.Sprintf("func_keys[%d].", i), Check(&c.FuncKeys[i]))
	}
	if c.Voicemail != nil {
		ve.Merge("voicemail.", Check(c.Voicemail))
	}
	if err := ve.OrNil(); err != nil {
		return err
	}
	// A destination that is empty cannot be enabled.
	u.EnableUNC = u.EnableUNC && u.DestUNC != ""
	u.EnableRNA = u.EnableRNA && u.DestRNA != ""
	u.EnableBusy = u.EnableBusy && u.DestBusy != ""

	if n := c.CTIProfileName; n != nil && *n != "" {
		var id int
		err := tx.GetContext(ctx, &id, `SELECT id FROM cti_profiles WHERE lower(name) = lower($1)
			ORDER BY name = $1 DESC, id LIMIT 1`, *n)
		if errors.Is(err, sql.ErrNoRows) {
			return Invalid("user.cti_profile_name", "must name an existing CTI profile")
		}
		if err != nil {
			return err
		}
		u.CTIProfileID = &id
	}
	if u.CTIProfileID != nil {
		var ok bool
		if err := tx.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM cti_profiles WHERE id = $1)`, *u.CTIProfileID); err != nil {
			return err
		}
		if !ok {
			u.CTIProfileID = nil // XiVO blanks an unknown profile id
		}
	}
	if c.Password != "" {
		h, err := bcrypt.GenerateFromPassword([]byte(c.Password), bcrypt.DefaultCost)
		if err != nil {
			return err
		}
		u.PasswdHash = string(h)
	}

	// Voicemail first: the user row points at it.
	if c.Voicemail != nil {
		if err := s.writeVoicemail(ctx, tx, u, c.Voicemail); err != nil {
			return err
		}
	}

	var err error
	var first *lineCheck // the first line's check, when the insert read it
	if old == nil && len(c.Lines) > 0 && c.Lines[0].ID == 0 {
		l := &c.Lines[0]
		first = &lineCheck{}
		err = inTx(ctx, tx, s.insertCheckStmt, userInsertCheckSQL, append(u.insertArgs(), l.Context, l.Number, l.ID, l.Protocol, l.Name)...).
			Scan(&u.ID, &first.exists, &first.ranges, &first.taken, &first.trunkName)
	} else if old == nil {
		err = inTx(ctx, tx, s.insertStmt, userInsertSQL, u.insertArgs()...).Scan(&u.ID)
	} else {
		_, err = tx.NamedExecContext(ctx, `UPDATE users SET entity_id=:entity_id,
			firstname=:firstname, lastname=:lastname, callerid=:callerid, ringseconds=:ringseconds,
			simultcalls=:simultcalls, loginclient=:loginclient, passwdclient_hash=:passwdclient_hash,
			enableclient=:enableclient,
			cti_profile_id=:cti_profile_id, enablehint=:enablehint, enablevoicemail=:enablevoicemail,
			voicemail_id=:voicemail_id, voicemailtype=:voicemailtype, enablexfer=:enablexfer,
			enableautomon=:enableautomon, callrecord=:callrecord, incallfilter=:incallfilter,
			enablednd=:enablednd, enableunc=:enableunc, destunc=:destunc, enablerna=:enablerna,
			destrna=:destrna, enablebusy=:enablebusy, destbusy=:destbusy, musiconhold=:musiconhold,
			outcallerid=:outcallerid, mobilephonenumber=:mobilephonenumber, userfield=:userfield,
			bsfilter=:bsfilter, preprocess_subroutine=:preprocess_subroutine, timezone=:timezone,
			language=:language, ringintern=:ringintern, ringextern=:ringextern,
			ringgroup=:ringgroup, ringforward=:ringforward, rightcallcode=:rightcallcode,
			agentid=:agentid, pictureid=:pictureid, schedule_id=:schedule_id,
			commented=:commented, description=:description WHERE id=:id`, u)
	}
	if err != nil {
		return mapPQ(err, userConstraints)
	}
	if c.Lines != nil {
		if err := s.writeLines(ctx, tx, u, c.Lines, old == nil, first); err != nil {
			return err
		}
	} else if old != nil {
		// Lines follow the user's ring time and caller id even when the edit did not list them.
		if _, err := tx.ExecContext(ctx, `UPDATE lines SET rules_time = $2, callerid = $3 WHERE user_id = $1`,
			u.ID, fmt.Sprint(u.RingSeconds), u.CallerID); err != nil {
			return err
		}
	}
	if c.DialActions != nil {
		if err := writeDialActions(ctx, tx, "user", fmt.Sprint(u.ID), c.DialActions); err != nil {
			return err
		}
	}
	if c.RightCalls != nil {
		if err := s.writeRightCalls(ctx, tx, u.ID, c.RightCalls); err != nil {
			return err
		}
	}
	if err := s.writeLogin(ctx, tx, c); err != nil {
		return err
	}
	if err := writeRings(ctx, tx, c, old); err != nil {
		return err
	}
	if c.Password != "" {
		if err := s.writeDigests(ctx, tx, c, old == nil); err != nil {
			return err
		}
	}
	if c.FuncKeys != nil {
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_funckeys WHERE user_id = $1`, u.ID); err != nil {
			return err
		}
		for _, k := range c.FuncKeys {
			if _, err := tx.ExecContext(ctx, `INSERT INTO user_funckeys (user_id, fknum, type, typeval,
				label, supervision, progfunckey) VALUES ($1,$2,$3,$4,$5,$6,$7)`, u.ID, k.FKNum, k.Type,
				k.TypeVal, k.Label, k.Supervision, k.ProgFunckey); err != nil {
				return mapPQ(err, map[string]string{"user_funckeys_pkey": "func_keys.fk_num"})
			}
		}
	}
	return nil
}

// writeLogin writes what the sipX façade adds to a user: the admin flag, e-mail address and
// voicemail fallback,
// the login aliases (each unique among user names, aliases and line numbers and names) and
// the SIP password (the secret of the first SIP line).
func (s *UserStore) writeLogin(ctx context.Context, tx *sqlx.Tx, c *UserComposite) error {
	u := &c.User
	if c.Admin != nil || c.Email != nil || c.ForwardVoicemail != nil {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET admin = $2, email = $3, forward_voicemail = $4 WHERE id = $1`,
			u.ID, u.Admin, u.Email, u.ForwardVoicemail); err != nil {
			return err
		}
	}
	if c.Aliases != nil {
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_aliases WHERE user_id = $1`, u.ID); err != nil {
			return err
		}
		seen := map[string]bool{}
		for i, a := range c.Aliases {
			field := fmt.Sprintf("aliases[%d]", i)
			a = strings.TrimSpace(a)
			if !reLoginClient.MatchString(a) || len(a) > 64 {
				return Invalid(field, "must be 1-64 characters of A-Z, a-z, 0-9, . _ ~ -")
			}
			if seen[a] {
				continue
			}
			seen[a] = true
			var taken bool
			if err := tx.GetContext(ctx, &taken, `SELECT EXISTS (SELECT 1 FROM users
					WHERE lower(loginclient) = lower($1) AND id <> $2)
				OR EXISTS (SELECT 1 FROM lines WHERE (number = $1 OR name = $1) AND user_id IS DISTINCT FROM $2)`,
				a, u.ID); err != nil {
				return err
			}
			if taken {
				return &ConflictError{Field: field, Msg: "alias " + a + " is already the name or number of another user or line"}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO user_aliases (user_id, alias) VALUES ($1, $2)`, u.ID, a); err != nil {
				mapped := mapPQ(err, map[string]string{"user_aliases_alias_key": field})
				var ce *ConflictError
				if errors.As(mapped, &ce) {
					ce.Msg = "alias " + a + " is already another user's"
				}
				return mapped
			}
		}
	}
	if c.GroupIDs != nil {
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_group_members WHERE user_id = $1`, u.ID); err != nil {
			return err
		}
		for i, g := range c.GroupIDs {
			res, err := tx.ExecContext(ctx, `INSERT INTO user_group_members (group_id, user_id)
				SELECT id, $2 FROM user_groups WHERE id = $1 ON CONFLICT DO NOTHING`, g, u.ID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 && !slices.Contains(c.GroupIDs[:i], g) {
				return Invalid(fmt.Sprintf("groups[%d].id", i), fmt.Sprintf("names no user group (%d)", g))
			}
		}
	}
	if p := c.SIPPassword; p != nil && *p != "" {
		if len(*p) > 80 || !Printable(*p) {
			return Invalid("user.sip_password", "must be at most 80 printable characters")
		}
		res, err := tx.ExecContext(ctx, `UPDATE lines SET secret = $2 WHERE id = (SELECT id FROM lines
			WHERE user_id = $1 AND protocol = 'sip' ORDER BY num, line_num, id LIMIT 1)`, u.ID, *p)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return Invalid("user.sip_password", "cannot be set: the user has no SIP line")
		}
	}
	return nil
}

// writeRings keeps the call sequence: a composite with Rings replaces it (sipX); otherwise a
// change of XiVO's no-answer forward changes the first sequential ring only (or adds one).
func writeRings(ctx context.Context, tx *sqlx.Tx, c *UserComposite, old *User) error {
	u := &c.User
	if c.Rings != nil {
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_rings WHERE user_id = $1`, u.ID); err != nil {
			return err
		}
		for i, r := range c.Rings {
			if _, err := tx.ExecContext(ctx, `INSERT INTO user_rings (user_id, position, number, expiration, parallel, enabled, schedule_id)
				VALUES ($1, $2, $3, $4, $5, $6, (SELECT id FROM schedules WHERE id = $7 AND (owner_id IS NULL OR owner_id = $1)))`,
				u.ID, i, r.Number, r.Expiration, r.Parallel, r.Enabled, r.ScheduleID); err != nil {
				return mapPQ(err, nil)
			}
		}
		return nil
	}
	changed := old == nil && u.DestRNA != "" || old != nil && (old.DestRNA != u.DestRNA || old.EnableRNA != u.EnableRNA)
	if !changed {
		return nil
	}
	res, err := tx.ExecContext(ctx, `UPDATE user_rings SET number = $2, enabled = $3 WHERE user_id = $1 AND position =
		(SELECT min(position) FROM user_rings WHERE user_id = $1 AND NOT parallel)`, u.ID, u.DestRNA, u.EnableRNA)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 || u.DestRNA == "" {
		if n > 0 && u.DestRNA == "" {
			_, err = tx.ExecContext(ctx, `DELETE FROM user_rings WHERE user_id = $1 AND number = ''`, u.ID)
		}
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO user_rings (user_id, position, number, expiration, parallel, enabled)
		SELECT $1, COALESCE(min(position) - 1, 0), $2, 30, false, $3 FROM user_rings WHERE user_id = $1`, u.ID, u.DestRNA, u.EnableRNA)
	return err
}

// writeDigests keeps one Digest secret per login form of the user (user_digests): its user
// name, the numbers and names of its SIP lines and its aliases. On create every form is in
// c; on update the stored ones are read.
func (s *UserStore) writeDigests(ctx context.Context, tx *sqlx.Tx, c *UserComposite, creating bool) error {
	u := &c.User
	var forms []string
	if creating {
		if u.LoginClient != nil {
			forms = append(forms, *u.LoginClient)
		}
		for _, l := range c.Lines {
			if l.Protocol == "sip" {
				forms = append(forms, l.Name, l.Number)
			}
		}
		forms = append(forms, c.Aliases...)
	} else if err := tx.SelectContext(ctx, &forms, `SELECT lower(loginclient) FROM users WHERE id = $1 AND loginclient <> ''
		UNION SELECT name FROM lines WHERE user_id = $1 AND protocol = 'sip'
		UNION SELECT number FROM lines WHERE user_id = $1 AND protocol = 'sip'
		UNION SELECT alias FROM user_aliases WHERE user_id = $1`, u.ID); err != nil {
		return err
	}
	logins := make([]string, 0, len(forms))
	ha1s := make([]string, 0, len(forms))
	seen := map[string]bool{}
	for _, f := range forms {
		if f == "" || seen[f] {
			continue
		}
		seen[f] = true
		logins = append(logins, f)
		ha1s = append(ha1s, HA1(f, s.realm, c.Password))
	}
	// The forms no longer the user's go; the others get the new secret (one statement: a
	// CTE's delete is not visible to the insert beside it, so they must not overlap).
	_, err := tx.ExecContext(ctx, `WITH gone AS (DELETE FROM user_digests WHERE user_id = $1 AND NOT (login = ANY($2)))
		INSERT INTO user_digests (user_id, login, ha1) SELECT $1, l, h FROM unnest($2::text[], $3::text[]) AS x (l, h)
		ON CONFLICT (user_id, login) DO UPDATE SET ha1 = EXCLUDED.ha1`,
		u.ID, pq.StringArray(logins), pq.StringArray(ha1s))
	return err
}

// userInsertSQL inserts a user; its parameters are insertArgs, in order.
const userInsertSQL = `INSERT INTO users (entity_id, firstname, lastname, callerid,
	ringseconds, simultcalls, loginclient, passwdclient_hash, enableclient,
	cti_profile_id, enablehint, enablevoicemail, voicemail_id, voicemailtype, enablexfer,
	enableautomon, callrecord, incallfilter, enablednd, enableunc, destunc, enablerna,
	destrna, enablebusy, destbusy, musiconhold, outcallerid, mobilephonenumber, userfield,
	bsfilter, preprocess_subroutine, timezone, language, ringintern, ringextern, ringgroup,
	ringforward, rightcallcode, agentid, pictureid, schedule_id, commented, description)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
	$19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, $36,
	$37, $38, $39, $40, $41, $42, $43) RETURNING id`

// userInsertCheckSQL is userInsertSQL that also answers lineCheckSQL for the user's first
// line ($44 to $48): an add with a line saves the round trip of the check. The check reads
// contexts, ranges and lines, which the insert does not write, so it answers as it would
// have one statement later; a number taken in between is still refused by the unique key.
var userInsertCheckSQL = `WITH u AS (` + userInsertSQL + `) SELECT u.id, c.* FROM u, (` +
	strings.NewReplacer("$1", "$44", "$2", "$45", "$3", "$46", "$4", "$47", "$5", "$48").Replace(lineCheckSQL) + `) c`

// insertArgs are the parameters of userInsertSQL.
func (u *User) insertArgs() []any {
	return []any{u.EntityID, u.FirstName, u.LastName, u.CallerID, u.RingSeconds, u.SimultCalls,
		u.LoginClient, u.PasswdHash, u.EnableClient, u.CTIProfileID, u.EnableHint,
		u.EnableVoicemail, u.VoicemailID, u.VoicemailType, u.EnableXfer, u.EnableAutomon,
		u.CallRecord, u.IncallFilter, u.EnableDND, u.EnableUNC, u.DestUNC, u.EnableRNA,
		u.DestRNA, u.EnableBusy, u.DestBusy, u.MusicOnHold, u.OutCallerID, u.MobilePhoneNumber,
		u.UserField, u.BSFilter, u.PreprocessSubroutine, u.Timezone, u.Language, u.RingIntern,
		u.RingExtern, u.RingGroup, u.RingForward, u.RightCallCode, u.AgentID, u.PictureID,
		u.ScheduleID, u.Commented, u.Description}
}

// HA1 is the RFC 2617 digest secret MD5(user ":" realm ":" password), hex.
func HA1(user, realm, password string) string {
	h := md5.Sum([]byte(user + ":" + realm + ":" + password))
	return hex.EncodeToString(h[:])
}

// writeVoicemail creates or updates the user's box and links it.
func (s *UserStore) writeVoicemail(ctx context.Context, tx *sqlx.Tx, u *User, vm *Voicemail) error {
	if vm.Language == "" {
		vm.Language = u.Language
	}
	var err error
	if u.VoicemailID != nil {
		vm.ID = *u.VoicemailID
		err = updateVoicemail(ctx, tx, vm)
	} else {
		err = insertVoicemail(ctx, tx, vm)
	}
	if err != nil {
		return err
	}
	u.VoicemailID = &vm.ID
	u.EnableVoicemail = true
	t := "asterisk"
	u.VoicemailType = &t
	return nil
}

// writeLines makes lines exactly the user's lines: listed lines are created (ID 0) or
// attached/updated (their own fields as given), lines no longer listed are detached (kept as
// free lines, so nothing is lost by omission). first, when not nil, is the check of the
// first line, new, read already.
func (s *UserStore) writeLines(ctx context.Context, tx *sqlx.Tx, u *User, lines []Line, creating bool, first *lineCheck) error {
	keep := make([]int, 0, len(lines))
	for i := range lines {
		l := &lines[i]
		prefix := fmt.Sprintf("lines[%d].", i)
		follow := func() {
			l.UserID = &u.ID
			l.RulesTime = fmt.Sprint(u.RingSeconds)
			l.CallerID = u.CallerID
			if l.RulesOrder == 0 {
				l.RulesOrder = i + 1
			}
		}
		if l.ID == 0 {
			follow()
			found := first
			if i > 0 {
				found = nil
			}
			if err := s.lines.insert(ctx, tx, l, prefix, found); err != nil {
				return err
			}
		} else {
			var owner *int
			err := tx.GetContext(ctx, &owner, `SELECT user_id FROM lines WHERE id = $1 FOR UPDATE`, l.ID)
			if errors.Is(err, sql.ErrNoRows) {
				return Invalid(prefix+"id", fmt.Sprintf("line %d does not exist", l.ID))
			}
			if err != nil {
				return err
			}
			if owner != nil && *owner != u.ID {
				return Invalid(prefix+"id", fmt.Sprintf("line %d belongs to another user", l.ID))
			}
			if l.Merge != nil {
				// A line the body only named by id: its change applies over it as stored.
				stored, err := s.lines.get(ctx, tx, l.ID)
				if err != nil {
					return err
				}
				if err := l.Merge(stored); err != nil {
					return err
				}
				*l = *stored
			}
			follow()
			if err := s.lines.update(ctx, tx, l, prefix); err != nil {
				return err
			}
		}
		keep = append(keep, l.ID)
	}
	var err error
	if !creating { // a new user has no other lines to let go of
		_, err = tx.ExecContext(ctx, `UPDATE lines SET user_id = NULL, rules_order = 0
			WHERE user_id = $1 AND NOT (id = ANY($2))`, u.ID, intArray(keep))
		if err != nil {
			return err
		}
	}
	// The first line's peer carries the voicemail box.
	if u.VoicemailID != nil && len(lines) > 0 {
		_, err = tx.ExecContext(ctx, `UPDATE lines l SET options = l.options || jsonb_build_object('mailbox', v.mailbox || '@' || v.context)
			FROM voicemails v WHERE v.id = $2 AND l.id = $1 AND l.protocol IN ('sip', 'iax')`, lines[0].ID, *u.VoicemailID)
	}
	return err
}

func (s *UserStore) writeRightCalls(ctx context.Context, tx *sqlx.Tx, userID int, ids []int) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM user_rightcalls WHERE user_id = $1`, userID); err != nil {
		return err
	}
	for i, id := range ids {
		res, err := tx.ExecContext(ctx, `INSERT INTO user_rightcalls (user_id, rightcall_id)
			SELECT $1, id FROM rightcalls WHERE id = $2 ON CONFLICT DO NOTHING`, userID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var dup bool
			_ = tx.GetContext(ctx, &dup, `SELECT EXISTS (SELECT 1 FROM rightcalls WHERE id = $1)`, id)
			if !dup {
				return Invalid(fmt.Sprintf("right_calls[%d]", i), fmt.Sprintf("call permission %d does not exist", id))
			}
		}
	}
	return nil
}

// writeDialActions replaces the dial actions of one object.
func writeDialActions(ctx context.Context, tx *sqlx.Tx, category, categoryval string, das []DialAction) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM dialactions WHERE category = $1 AND categoryval = $2`,
		category, categoryval); err != nil {
		return err
	}
	for _, d := range das {
		if _, err := tx.ExecContext(ctx, `INSERT INTO dialactions (category, categoryval, event,
			actiontype, action, actionarg1, actionarg2, linked) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
			category, categoryval, d.Event, d.ActionType, d.Action, d.ActionArg1, d.ActionArg2, d.Linked); err != nil {
			return err
		}
	}
	return nil
}

// Delete removes a user with its lines, voicemail, dial actions, call rights, keys and
// memberships, in one transaction.
func (s *UserStore) Delete(ctx context.Context, id int) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error { return deleteUser(ctx, tx, id) })
}

func deleteUser(ctx context.Context, tx *sqlx.Tx, id int) error {
	if err := lockForDelete(ctx, tx, "users", id); err != nil {
		return err
	}
	if err := refuseIfDestination(ctx, tx, "user", id); err != nil {
		return err
	}
	var vmID *int
	err := tx.GetContext(ctx, &vmID, `DELETE FROM users WHERE id = $1 RETURNING voicemail_id`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return mapPQ(err, nil)
	}
	if vmID != nil {
		if err := refuseIfDestination(ctx, tx, "voicemail", *vmID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM voicemails v WHERE v.id = $1
			AND NOT EXISTS (SELECT 1 FROM users u WHERE u.voicemail_id = v.id)`, *vmID); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM dialactions WHERE category = 'user' AND categoryval = $1`, fmt.Sprint(id)); err != nil {
		return err
	}
	if _, err = tx.ExecContext(ctx, `DELETE FROM queue_members WHERE usertype = 'user' AND userid = $1`, id); err != nil {
		return err
	}
	return leavePickups(ctx, tx, "user", id)
}

// DeleteAll removes every user (with everything Delete removes) in one transaction, and
// says how many went.
func (s *UserStore) DeleteAll(ctx context.Context) (n int, err error) {
	err = WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var ids []int
		if err := tx.SelectContext(ctx, &ids, `SELECT id FROM users ORDER BY id FOR UPDATE`); err != nil {
			return err
		}
		// Users sending calls to each other do not block deleting them all.
		if _, err := tx.ExecContext(ctx, `DELETE FROM dialactions WHERE category = 'user'`); err != nil {
			return err
		}
		for _, id := range ids {
			if err := deleteUser(ctx, tx, id); err != nil {
				return err
			}
		}
		n = len(ids)
		return nil
	})
	return n, err
}
