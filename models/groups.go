package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"

	"github.com/go-playground/validator/v10"
	"github.com/jmoiron/sqlx"
)

// Group is a ring group: a number in a context that rings its member users.
type Group struct {
	ID      int    `db:"id" json:"id"`
	Name    string `db:"name" json:"name" validate:"required,groupname"`
	Context string `db:"context" json:"context" validate:"required,contextname"`
	// Number may be empty: a group reached only through incalls or keys.
	Number string `db:"number" json:"number" validate:"max=40"`
	// Timeout is how long the group rings before its noanswer action (0: no limit).
	Timeout              int    `db:"timeout" json:"timeout" validate:"gte=0,lte=86400"`
	Strategy             string `db:"strategy" json:"strategy" validate:"oneof=ringall leastrecent fewestcalls random rrmemory linear wrandom"`
	MusicClass           string `db:"musicclass" json:"musicclass" validate:"max=128,printable"`
	RingInUse            bool   `db:"ringinuse" json:"ringinuse"`
	TransferUser         bool   `db:"transfer_user" json:"transfer_user"`
	TransferCall         bool   `db:"transfer_call" json:"transfer_call"`
	WriteCaller          bool   `db:"write_caller" json:"write_caller"`
	WriteCalling         bool   `db:"write_calling" json:"write_calling"`
	IgnoreForward        bool   `db:"ignore_forward" json:"ignore_forward"`
	PreprocessSubroutine string `db:"preprocess_subroutine" json:"preprocess_subroutine" validate:"max=39,printable"`
	Description          string `db:"description" json:"description" validate:"max=1000"`
	Commented            bool   `db:"commented" json:"commented"`
	// CallerIDMode rewrites the caller's name with CallerIDDisplay ("" leaves it).
	CallerIDMode    string `db:"callerid_mode" json:"mode" validate:"omitempty,oneof=prepend overwrite append"`
	CallerIDDisplay string `db:"callerid_display" json:"callerdisplay" validate:"max=80,printable"`
	// ScheduleID is the schedule the group follows (nil: none).
	ScheduleID *int `db:"schedule_id" json:"schedule_id"`
	// DID is a second number the group answers on in its context ("" none; sipX's did).
	DID string `db:"did" json:"did" validate:"max=40"`
	// The sipX call-handling flags (sipx-api.md §9.1); XiVO does not show them.
	VoicemailFallback bool `db:"voicemail_fallback" json:"voicemail_fallback"`
	UserForward       bool `db:"user_forward" json:"user_forward"`
	UseFwdTimers      bool `db:"use_fwd_timers" json:"use_fwd_timers"`
	// FallbackURI is a no-answer fallback that is not a number (a SIP URI); a number is
	// the noanswer dial action of type extension.
	FallbackURI string `db:"fallback_uri" json:"fallback_uri" validate:"max=255,printable"`
}

// GroupComposite is a group with its members and dial actions. On writes a nil part keeps
// what is stored (edit) or means none (add).
type GroupComposite struct {
	Group       Group
	Members     []int // user ids, in ring order
	DialActions []DialAction
	// RightCalls are the call rights the group holds (nil keeps them on edit).
	RightCalls []int
	// Rings are the user members in ring order with how each rings. Read: always. Write:
	// when not nil they replace the user members (and Members is not read); when nil and
	// Members is given, members who stay keep how they ring and new ones ring 30 s, every
	// one then rings together or in turn as the strategy says (XiVO's ringall, linear).
	Rings []GroupRing
	// NameIsAlias makes the name unique among user names, aliases and dialable numbers
	// too (sipX dials a call group by its name).
	NameIsAlias bool
	// AnyNumber lets the number lie outside the context's group ranges (sipX has no
	// ranges). A number kept by an edit is not checked against the ranges again.
	AnyNumber bool
}

// GroupRing is one user member of a group and how it rings.
type GroupRing struct {
	UserID int `db:"userid"`
	// Expiration is how long the member rings, in seconds.
	Expiration int  `db:"ring_expiration" validate:"gte=1,lte=300"`
	Enabled    bool `db:"ring_enabled"`
	// Together: the member rings with the one before it rather than after it.
	Together bool `db:"ring_together"`
}

// DefaultRingExpiration is how long a member added without saying rings.
const DefaultRingExpiration = 30

// GroupEvents are the dial-action events a group has.
var GroupEvents = []string{"noanswer", "busy", "congestion", "chanunavail"}

var reGroupName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,128}$`)

func init() {
	must(validate.RegisterValidation("groupname", func(fl validator.FieldLevel) bool {
		return reGroupName.MatchString(fl.Field().String())
	}))
	ruleText["groupname"] = "must be 1-128 characters of A-Z, a-z, 0-9, _ . -"
}

// GroupStore reads and writes ring groups.
type GroupStore struct{ db *sqlx.DB }

const groupCols = `id, name, context, number, timeout, strategy, musicclass, ringinuse, transfer_user,
	transfer_call, write_caller, write_calling, ignore_forward, preprocess_subroutine, description, commented,
	callerid_mode, callerid_display, schedule_id, did, voicemail_fallback, user_forward, use_fwd_timers, fallback_uri`

var groupConstraints = map[string]string{
	"groups_name_key":              "group.name",
	"extensions_context_exten_key": "group.number",
	"groups_context_fkey":          "group.context",
	"groups_did_check":             "group.did",
}

// List returns every group by id.
func (s *GroupStore) List(ctx context.Context) ([]Group, error) {
	var out []Group
	err := s.db.SelectContext(ctx, &out, `SELECT `+groupCols+` FROM groups ORDER BY id`)
	return out, err
}

// Search matches a substring of the name or the number.
func (s *GroupStore) Search(ctx context.Context, term string) ([]Group, error) {
	var out []Group
	err := s.db.SelectContext(ctx, &out, `SELECT `+groupCols+` FROM groups
		WHERE name ILIKE $1 OR number ILIKE $1 ORDER BY id`, likeTerm(term))
	return out, err
}

// Get returns a group with its members and dial actions, or ErrNotFound.
func (s *GroupStore) Get(ctx context.Context, id int) (*GroupComposite, error) {
	return s.get(ctx, s.db, id, "")
}

func (s *GroupStore) get(ctx context.Context, q sqlx.QueryerContext, id int, lock string) (*GroupComposite, error) {
	c := &GroupComposite{}
	err := sqlx.GetContext(ctx, q, &c.Group, `SELECT `+groupCols+` FROM groups WHERE id = $1`+lock, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if err := sqlx.SelectContext(ctx, q, &c.Rings, `SELECT userid, ring_expiration, ring_enabled, ring_together
		FROM queue_members WHERE category = 'group' AND queue_id = $1 AND usertype = 'user' ORDER BY position, id`, id); err != nil {
		return nil, err
	}
	c.Members = make([]int, len(c.Rings))
	for i, r := range c.Rings {
		c.Members[i] = r.UserID
	}
	if c.RightCalls, err = rightCallsOf(ctx, q, "group", id); err != nil {
		return nil, err
	}
	c.DialActions, err = dialActionsOf(ctx, q, "group", id)
	return c, err
}

// dialActionsOf reads the dial actions of one object, by event.
func dialActionsOf(ctx context.Context, q sqlx.QueryerContext, category string, id int) ([]DialAction, error) {
	out := []DialAction{}
	err := sqlx.SelectContext(ctx, q, &out, `SELECT event, actiontype, action, actionarg1, actionarg2, linked
		FROM dialactions WHERE category = $1 AND categoryval = $2 ORDER BY event`, category, strconv.Itoa(id))
	return out, err
}

// Create validates and inserts the group, setting its id.
func (s *GroupStore) Create(ctx context.Context, c *GroupComposite) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := s.check(ctx, tx, c, 0, true); err != nil {
			return err
		}
		g := &c.Group
		err := tx.QueryRowxContext(ctx, `INSERT INTO groups (name, context, number, timeout, strategy,
			musicclass, ringinuse, transfer_user, transfer_call, write_caller, write_calling,
			ignore_forward, preprocess_subroutine, description, commented, callerid_mode, callerid_display,
			schedule_id, did, voicemail_fallback, user_forward, use_fwd_timers, fallback_uri)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23) RETURNING id`,
			g.Name, g.Context, g.Number, g.Timeout, g.Strategy, g.MusicClass, g.RingInUse, g.TransferUser,
			g.TransferCall, g.WriteCaller, g.WriteCalling, g.IgnoreForward, g.PreprocessSubroutine,
			g.Description, g.Commented, g.CallerIDMode, g.CallerIDDisplay, g.ScheduleID,
			g.DID, g.VoicemailFallback, g.UserForward, g.UseFwdTimers, g.FallbackURI).Scan(&g.ID)
		if err != nil {
			return mapPQ(err, groupConstraints)
		}
		return s.writeParts(ctx, tx, c, nil)
	})
}

// Edit merges an edit onto the stored group in one transaction that locks its row first.
func (s *GroupStore) Edit(ctx context.Context, id int, merge func(stored *GroupComposite) (*GroupComposite, error)) error {
	return EditLocked(ctx, s.db, func(tx *sqlx.Tx) (*GroupComposite, error) {
		return s.get(ctx, tx, id, " FOR UPDATE")
	}, merge, func(tx *sqlx.Tx, stored, c *GroupComposite) error {
		c.Group.ID = id
		if c.Rings == nil && c.Members != nil && slices.Equal(c.Members, stored.Members) &&
			c.Group.Strategy == stored.Group.Strategy {
			c.Members = nil // unchanged: keep the rows as they are
		}
		if c.Rings == nil && c.Members == nil && c.Group.Strategy != stored.Group.Strategy {
			c.Members = stored.Members // the strategy says anew how they ring
		}
		renumbered := c.Group.Number != stored.Group.Number || c.Group.Context != stored.Group.Context
		if err := s.check(ctx, tx, c, id, renumbered); err != nil {
			return err
		}
		g := &c.Group
		res, err := tx.ExecContext(ctx, `UPDATE groups SET name=$2, context=$3, number=$4, timeout=$5,
			strategy=$6, musicclass=$7, ringinuse=$8, transfer_user=$9, transfer_call=$10,
			write_caller=$11, write_calling=$12, ignore_forward=$13, preprocess_subroutine=$14,
			description=$15, commented=$16, callerid_mode=$17, callerid_display=$18, schedule_id=$19,
			did=$20, voicemail_fallback=$21, user_forward=$22, use_fwd_timers=$23, fallback_uri=$24 WHERE id=$1`,
			id, g.Name, g.Context, g.Number, g.Timeout, g.Strategy, g.MusicClass, g.RingInUse,
			g.TransferUser, g.TransferCall, g.WriteCaller, g.WriteCalling, g.IgnoreForward,
			g.PreprocessSubroutine, g.Description, g.Commented, g.CallerIDMode, g.CallerIDDisplay, g.ScheduleID,
			g.DID, g.VoicemailFallback, g.UserForward, g.UseFwdTimers, g.FallbackURI)
		if err != nil {
			return mapPQ(err, groupConstraints)
		}
		if err := oneRow(res); err != nil {
			return err
		}
		// Members carry the group's name (as users' views show it).
		if _, err := tx.ExecContext(ctx, `UPDATE queue_members SET name = $2
			WHERE category = 'group' AND queue_id = $1`, id, g.Name); err != nil {
			return err
		}
		return s.writeParts(ctx, tx, c, stored)
	})
}

// check validates the group: its fields, its number in its context (in one of its group
// ranges when renumbered, unless AnyNumber), its members (existing users, each once) and
// its dial actions.
func (s *GroupStore) check(ctx context.Context, tx *sqlx.Tx, c *GroupComposite, id int, renumbered bool) error {
	ve := CheckIn("group", &c.Group)
	events := map[string]bool{}
	for _, e := range GroupEvents {
		events[e] = true
	}
	for _, d := range c.DialActions {
		if !events[d.Event] {
			ve.Add("dial_actions."+d.Event, "is not an event of a group")
		}
	}
	if err := ve.OrNil(); err != nil {
		return err
	}
	g := &c.Group
	if err := checkQueueName(ctx, tx, "group.name", "queues", "queue", g.Name); err != nil {
		return err
	}
	kind := "group"
	if c.AnyNumber || !renumbered {
		kind = ""
	}
	if err := CheckNumber(ctx, tx, "group.number", "group.context", "group", id, kind, g.Context, g.Number); err != nil {
		return err
	}
	if err := checkScheduleLink(ctx, tx, "group.schedule_id", g.ScheduleID); err != nil {
		return err
	}
	if err := checkGroupDID(ctx, tx, c, id); err != nil {
		return err
	}
	if c.NameIsAlias {
		if err := checkGroupAlias(ctx, tx, g.Name, id); err != nil {
			return err
		}
	}
	members := c.Members
	if c.Rings != nil {
		members = make([]int, len(c.Rings))
		for i := range c.Rings {
			members[i] = c.Rings[i].UserID
			ve.Merge(fmt.Sprintf("rings[%d].", i), Check(&c.Rings[i]))
		}
	}
	seen := map[int]bool{}
	for i, uid := range members {
		field := fmt.Sprintf("members[%d]", i)
		if seen[uid] {
			ve.Add(field, fmt.Sprintf("user %d is listed twice", uid))
			continue
		}
		seen[uid] = true
		ok, err := lockExisting(ctx, tx, "users", uid)
		if err != nil {
			return err
		}
		if !ok {
			ve.Add(field, fmt.Sprintf("user %d does not exist", uid))
		}
	}
	if err := ve.OrNil(); err != nil {
		return err
	}
	return CheckDestinations(ctx, tx, "dial_actions", c.DialActions)
}

// writeParts writes the parts c carries; stored is the group before an edit (nil on create).
// Only user members are rewritten: other members (agents) stay.
func (s *GroupStore) writeParts(ctx context.Context, tx *sqlx.Tx, c *GroupComposite, stored *GroupComposite) error {
	id := c.Group.ID
	rings := c.Rings
	if rings == nil && c.Members != nil {
		// XiVO names members only: those who stay keep their ring time and state, new ones
		// ring 30 s, and the strategy says whether they ring together.
		kept := map[int]GroupRing{}
		if stored != nil {
			for _, r := range stored.Rings {
				kept[r.UserID] = r
			}
		}
		rings = make([]GroupRing, len(c.Members))
		for i, uid := range c.Members {
			r, ok := kept[uid]
			if !ok {
				r = GroupRing{UserID: uid, Expiration: DefaultRingExpiration, Enabled: true}
			}
			r.Together = c.Group.Strategy == "ringall"
			rings[i] = r
		}
	}
	if rings != nil {
		if _, err := tx.ExecContext(ctx, `DELETE FROM queue_members WHERE category = 'group' AND queue_id = $1
			AND usertype = 'user'`, id); err != nil {
			return err
		}
		for i, r := range rings {
			if _, err := tx.ExecContext(ctx, `INSERT INTO queue_members (category, queue_id, name, usertype,
				userid, position, ring_expiration, ring_enabled, ring_together)
				VALUES ('group', $1, $2, 'user', $3, $4, $5, $6, $7)`,
				id, c.Group.Name, r.UserID, i, r.Expiration, r.Enabled, r.Together); err != nil {
				return mapPQ(err, nil)
			}
		}
	}
	if c.RightCalls != nil {
		if err := writeRightCalls(ctx, tx, "group", id, c.RightCalls); err != nil {
			return err
		}
	}
	if c.DialActions != nil {
		return writeDialActions(ctx, tx, "group", strconv.Itoa(id), c.DialActions)
	}
	return nil
}

// Delete removes a group with its members and dial actions; a group that a dial action
// still sends calls to (an incall, a user's no-answer) is refused (InUseError).
func (s *GroupStore) Delete(ctx context.Context, id int) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error { return deleteGroup(ctx, tx, id) })
}

func deleteGroup(ctx context.Context, tx *sqlx.Tx, id int) error {
	if err := lockForDelete(ctx, tx, "groups", id); err != nil {
		return err
	}
	if err := refuseIfDestination(ctx, tx, "group", id); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM queue_members WHERE category = 'group' AND queue_id = $1`, id); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM dialactions WHERE category = 'group' AND categoryval = $1`, strconv.Itoa(id)); err != nil {
		return err
	}
	if err := dropRightCalls(ctx, tx, "group", id); err != nil {
		return err
	}
	if err := leavePickups(ctx, tx, "group", id); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM groups WHERE id = $1`, id)
	return mapPQ(err, nil)
}

// DeleteAll removes every group in one transaction and says how many there were; when one
// is still a destination of another family nothing is deleted (InUseError naming it).
func (s *GroupStore) DeleteAll(ctx context.Context) (n int, err error) {
	return deleteEvery(ctx, s.db, "groups", "group", deleteGroup)
}

// deleteEvery deletes every row of table with del, all in one transaction. The family's
// own dial actions go first: groups sending calls to each other do not block their
// deleting all of them.
func deleteEvery(ctx context.Context, db *sqlx.DB, table, family string, del func(context.Context, *sqlx.Tx, int) error) (n int, err error) {
	err = WithTx(ctx, db, func(tx *sqlx.Tx) error {
		var ids []int
		if err := tx.SelectContext(ctx, &ids, `SELECT id FROM `+table+` ORDER BY id FOR UPDATE`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM dialactions WHERE category = $1`, family); err != nil {
			return err
		}
		for _, id := range ids {
			if err := del(ctx, tx, id); err != nil {
				return err
			}
		}
		n = len(ids)
		return nil
	})
	return n, err
}
