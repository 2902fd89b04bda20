package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/go-playground/validator/v10"
	"github.com/jmoiron/sqlx"
)

// Queue is a call queue: XiVO's queuefeatures (a number in a context, how long it rings,
// its exits) with Asterisk's queue settings (strategy, join and leave rules).
type Queue struct {
	ID          int    `db:"id" json:"id"`
	Name        string `db:"name" json:"name" validate:"required,groupname"`
	DisplayName string `db:"displayname" json:"displayname" validate:"max=128,printable"`
	// Number may be empty: a queue reached only through incalls or other dial actions.
	Number  string `db:"number" json:"number" validate:"max=40"`
	Context string `db:"context" json:"context" validate:"required,contextname"`
	// Timeout is how long a caller waits before the noanswer exit (0: no limit).
	RingingTime          int    `db:"timeout" json:"timeout" validate:"gte=0,lte=86400"`
	DataQuality          bool   `db:"data_quality" json:"data_quality"`
	HittingCallee        bool   `db:"hitting_callee" json:"hitting_callee"`
	HittingCaller        bool   `db:"hitting_caller" json:"hitting_caller"`
	Retries              bool   `db:"retries" json:"retries"`
	Ring                 bool   `db:"ring" json:"ring"`
	TransferUser         bool   `db:"transfer_user" json:"transfer_user"`
	TransferCall         bool   `db:"transfer_call" json:"transfer_call"`
	WriteCaller          bool   `db:"write_caller" json:"write_caller"`
	WriteCalling         bool   `db:"write_calling" json:"write_calling"`
	URL                  string `db:"url" json:"url" validate:"max=255,printable"`
	AnnounceOverride     string `db:"announceoverride" json:"announceoverride" validate:"max=128,printable"`
	PreprocessSubroutine string `db:"preprocess_subroutine" json:"preprocess_subroutine" validate:"max=39,printable"`
	// WaitTime and WaitRatio trigger the qwaittime and qwaitratio exits (nil: never).
	WaitTime  *int     `db:"waittime" json:"waittime" validate:"omitempty,gte=0,lte=86400"`
	WaitRatio *float64 `db:"waitratio" json:"waitratio" validate:"omitempty,gte=0,lte=1000"`

	Strategy   string `db:"strategy" json:"strategy" validate:"oneof=ringall leastrecent fewestcalls random rrmemory linear wrandom"`
	MusicClass string `db:"musicclass" json:"musicclass" validate:"max=128,printable"`
	// MemberTimeout is how long each member rings (Asterisk's queue timeout; nil: its default).
	MemberTimeout    *int    `db:"member_timeout" json:"member_timeout" validate:"omitempty,gte=0,lte=86400"`
	Retry            *int    `db:"retry" json:"retry" validate:"omitempty,gte=0,lte=86400"`
	WrapupTime       int     `db:"wrapuptime" json:"wrapuptime" validate:"gte=0,lte=86400"`
	MaxLen           int     `db:"maxlen" json:"maxlen" validate:"gte=0,lte=100000"`
	ServiceLevel     *int    `db:"servicelevel" json:"servicelevel" validate:"omitempty,gte=0,lte=86400"`
	Weight           *int    `db:"weight" json:"weight" validate:"omitempty,gte=0,lte=1000"`
	JoinEmpty        *string `db:"joinempty" json:"joinempty" validate:"omitempty,max=128,queueemptyrule"`
	LeaveWhenEmpty   *string `db:"leavewhenempty" json:"leavewhenempty" validate:"omitempty,max=128,queueemptyrule"`
	RingInUse        bool    `db:"ringinuse" json:"ringinuse"`
	Autofill         bool    `db:"autofill" json:"autofill"`
	Autopause        bool    `db:"autopause" json:"autopause"`
	SetQueueVar      bool    `db:"setqueuevar" json:"setqueuevar"`
	SetQueueEntryVar bool    `db:"setqueueentryvar" json:"setqueueentryvar"`
	TimeoutPriority  string  `db:"timeoutpriority" json:"timeoutpriority" validate:"oneof=app conf"`
	// Options are Asterisk's other queue settings, passed through (QueueOptionDefaults).
	Options map[string]string `db:"-" json:"options"`

	// SkillRuleID is the skill rule set callers are matched with (nil: none).
	SkillRuleID     *int   `db:"skill_rule_id" json:"skill_rule_id"`
	CallerIDMode    string `db:"callerid_mode" json:"mode" validate:"omitempty,oneof=prepend overwrite append"`
	CallerIDDisplay string `db:"callerid_display" json:"callerdisplay" validate:"max=80,printable"`
	ScheduleID      *int   `db:"schedule_id" json:"schedule_id"`
	Description     string `db:"description" json:"description" validate:"max=1000"`
	Commented       bool   `db:"commented" json:"commented"`
}

// QueueOptionDefaults are the Asterisk queue settings a queue passes through, with the value
// each has when not set. Reads return the stored values merged over these.
var QueueOptionDefaults = map[string]string{
	"announce":                    "",
	"announce-frequency":          "0",
	"announce-holdtime":           "no",
	"announce-position":           "yes",
	"announce-position-limit":     "5",
	"announce-round-seconds":      "0",
	"min-announce-frequency":      "60",
	"periodic-announce":           "",
	"periodic-announce-frequency": "0",
	"random-periodic-announce":    "0",
	"queue-youarenext":            "queue-youarenext",
	"queue-thereare":              "queue-thereare",
	"queue-callswaiting":          "queue-callswaiting",
	"queue-holdtime":              "queue-holdtime",
	"queue-minutes":               "queue-minutes",
	"queue-seconds":               "queue-seconds",
	"queue-thankyou":              "queue-thankyou",
	"queue-reporthold":            "queue-reporthold",
	"reportholdtime":              "0",
	"memberdelay":                 "0",
	"timeoutrestart":              "0",
	"eventmemberstatus":           "0",
	"eventwhencalled":             "0",
	"monitor-type":                "",
	"monitor-format":              "",
	"defaultrule":                 "",
}

// QueueMember is a user or an agent answering a queue's calls.
type QueueMember struct {
	ID      int `db:"userid" json:"id"`
	Penalty int `db:"penalty" json:"penalty" validate:"gte=0,lte=100"`
}

// QueueComposite is a queue with its members and dial actions. On writes a nil part keeps
// what is stored (edit) or means none (add).
type QueueComposite struct {
	Queue       Queue
	Users       []QueueMember
	Agents      []QueueMember
	DialActions []DialAction
}

// QueueEvents are the dial-action events (exits) a queue has.
var QueueEvents = []string{"noanswer", "busy", "congestion", "chanunavail", "qwaittime", "qwaitratio"}

// NewQueue is a queue with the defaults an add starts from.
func NewQueue() *QueueComposite {
	return &QueueComposite{Queue: Queue{Strategy: "ringall", MusicClass: "default", Autofill: true, Autopause: true,
		TimeoutPriority: "app", Options: map[string]string{}}}
}

// QueueStore reads and writes queues.
type QueueStore struct{ db *sqlx.DB }

const queueCols = `id, name, displayname, number, context, timeout, data_quality, hitting_callee,
	hitting_caller, retries, ring, transfer_user, transfer_call, write_caller, write_calling, url,
	announceoverride, preprocess_subroutine, waittime, waitratio, strategy, musicclass, member_timeout,
	retry, wrapuptime, maxlen, servicelevel, weight, joinempty, leavewhenempty, ringinuse, autofill,
	autopause, setqueuevar, setqueueentryvar, timeoutpriority, options, skill_rule_id, callerid_mode,
	callerid_display, schedule_id, description, commented`

var queueConstraints = map[string]string{
	"queues_name_key":              "queue.name",
	"extensions_context_exten_key": "queue.number",
	"queues_context_fkey":          "queue.context",
}

type queueRow struct {
	Queue
	OptionsJSON []byte `db:"options"`
}

func (r *queueRow) queue() (Queue, error) {
	q := r.Queue
	q.Options = map[string]string{}
	if err := json.Unmarshal(r.OptionsJSON, &q.Options); err != nil {
		return q, fmt.Errorf("queue %d options: %w", q.ID, err)
	}
	return q, nil
}

func (s *QueueStore) rows(ctx context.Context, query string, args ...any) ([]Queue, error) {
	var rows []queueRow
	if err := s.db.SelectContext(ctx, &rows, query, args...); err != nil {
		return nil, err
	}
	out := make([]Queue, len(rows))
	for i := range rows {
		var err error
		if out[i], err = rows[i].queue(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// List returns every queue by id.
func (s *QueueStore) List(ctx context.Context) ([]Queue, error) {
	return s.rows(ctx, `SELECT `+queueCols+` FROM queues ORDER BY id`)
}

// Search matches a substring of the name, the display name or the number.
func (s *QueueStore) Search(ctx context.Context, term string) ([]Queue, error) {
	return s.rows(ctx, `SELECT `+queueCols+` FROM queues
		WHERE name ILIKE $1 OR displayname ILIKE $1 OR number ILIKE $1 ORDER BY id`, likeTerm(term))
}

// Get returns a queue with its members and dial actions, or ErrNotFound.
func (s *QueueStore) Get(ctx context.Context, id int) (*QueueComposite, error) {
	return s.get(ctx, s.db, id, "")
}

func (s *QueueStore) get(ctx context.Context, q sqlx.QueryerContext, id int, lock string) (*QueueComposite, error) {
	var row queueRow
	err := sqlx.GetContext(ctx, q, &row, `SELECT `+queueCols+` FROM queues WHERE id = $1`+lock, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	c := &QueueComposite{}
	if c.Queue, err = row.queue(); err != nil {
		return nil, err
	}
	for _, part := range []struct {
		usertype string
		dst      *[]QueueMember
	}{{"user", &c.Users}, {"agent", &c.Agents}} {
		*part.dst = []QueueMember{}
		if err := sqlx.SelectContext(ctx, q, part.dst, `SELECT userid, penalty FROM queue_members
			WHERE category = 'queue' AND queue_id = $1 AND usertype = $2 ORDER BY position, id`, id, part.usertype); err != nil {
			return nil, err
		}
	}
	c.DialActions, err = dialActionsOf(ctx, q, "queue", id)
	return c, err
}

// Create validates and inserts the queue with its parts, setting its id.
func (s *QueueStore) Create(ctx context.Context, c *QueueComposite) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := checkQueue(ctx, tx, c, 0); err != nil {
			return err
		}
		args, err := queueArgs(&c.Queue)
		if err != nil {
			return err
		}
		if err := tx.QueryRowxContext(ctx, `INSERT INTO queues (`+queueWriteCols+`) VALUES (`+queueWriteParams+`) RETURNING id`,
			args...).Scan(&c.Queue.ID); err != nil {
			return mapPQ(err, queueConstraints)
		}
		return writeQueueParts(ctx, tx, c)
	})
}

const queueWriteCols = `name, displayname, number, context, timeout, data_quality, hitting_callee,
	hitting_caller, retries, ring, transfer_user, transfer_call, write_caller, write_calling, url,
	announceoverride, preprocess_subroutine, waittime, waitratio, strategy, musicclass, member_timeout,
	retry, wrapuptime, maxlen, servicelevel, weight, joinempty, leavewhenempty, ringinuse, autofill,
	autopause, setqueuevar, setqueueentryvar, timeoutpriority, options, skill_rule_id, callerid_mode,
	callerid_display, schedule_id, description, commented`

var queueWriteParams = func() string {
	out := ""
	for i := 1; i <= 42; i++ {
		if i > 1 {
			out += ","
		}
		out += "$" + strconv.Itoa(i)
	}
	return out
}()

func queueArgs(q *Queue) ([]any, error) {
	// Only what differs from the defaults is stored (reads merge it over them).
	differ := map[string]string{}
	for k, v := range q.Options {
		if v != QueueOptionDefaults[k] {
			differ[k] = v
		}
	}
	opts, err := json.Marshal(differ)
	if err != nil {
		return nil, err
	}
	return []any{q.Name, q.DisplayName, q.Number, q.Context, q.RingingTime, q.DataQuality, q.HittingCallee,
		q.HittingCaller, q.Retries, q.Ring, q.TransferUser, q.TransferCall, q.WriteCaller, q.WriteCalling, q.URL,
		q.AnnounceOverride, q.PreprocessSubroutine, q.WaitTime, q.WaitRatio, q.Strategy, q.MusicClass, q.MemberTimeout,
		q.Retry, q.WrapupTime, q.MaxLen, q.ServiceLevel, q.Weight, q.JoinEmpty, q.LeaveWhenEmpty, q.RingInUse, q.Autofill,
		q.Autopause, q.SetQueueVar, q.SetQueueEntryVar, q.TimeoutPriority, string(opts), q.SkillRuleID, q.CallerIDMode,
		q.CallerIDDisplay, q.ScheduleID, q.Description, q.Commented}, nil
}

// Edit merges an edit onto the stored queue in one transaction that locks its row first.
// The name cannot change (members and statistics know the queue by it).
func (s *QueueStore) Edit(ctx context.Context, id int, merge func(stored *QueueComposite) (*QueueComposite, error)) error {
	return EditLocked(ctx, s.db, func(tx *sqlx.Tx) (*QueueComposite, error) {
		return s.get(ctx, tx, id, " FOR UPDATE")
	}, merge, func(tx *sqlx.Tx, stored, c *QueueComposite) error {
		c.Queue.ID = id
		if c.Queue.Name != stored.Queue.Name {
			return Invalid("queue.name", "cannot be changed (it is "+stored.Queue.Name+")")
		}
		if c.Users != nil && slices.Equal(c.Users, stored.Users) {
			c.Users = nil
		}
		if c.Agents != nil && slices.Equal(c.Agents, stored.Agents) {
			c.Agents = nil
		}
		if err := checkQueue(ctx, tx, c, id); err != nil {
			return err
		}
		args, err := queueArgs(&c.Queue)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE queues SET (`+queueWriteCols+`) = (`+queueWriteParams+`) WHERE id = $43`,
			append(args, id)...)
		if err != nil {
			return mapPQ(err, queueConstraints)
		}
		if err := oneRow(res); err != nil {
			return err
		}
		return writeQueueParts(ctx, tx, c)
	})
}

// checkQueue validates the queue: its fields and options, its number in its context, its
// members (existing users and agents, each once), skill rule, schedule and dial actions.
func checkQueue(ctx context.Context, tx *sqlx.Tx, c *QueueComposite, id int) error {
	q := &c.Queue
	ve := CheckIn("queue", q)
	for k, v := range q.Options {
		if _, known := QueueOptionDefaults[k]; !known {
			ve.Add("queue.options."+k, "is not a queue setting pbxws keeps")
		} else if len(v) > 128 || !Printable(v) {
			ve.Add("queue.options."+k, "must be printable text of at most 128 characters")
		}
	}
	events := map[string]bool{}
	for _, e := range QueueEvents {
		events[e] = true
	}
	for _, d := range c.DialActions {
		if !events[d.Event] {
			ve.Add("dial_actions."+d.Event, "is not an event of a queue")
		}
	}
	for i := range c.Users {
		ve.Merge(fmt.Sprintf("users[%d].", i), Check(&c.Users[i]))
	}
	for i := range c.Agents {
		ve.Merge(fmt.Sprintf("agents[%d].", i), Check(&c.Agents[i]))
	}
	if err := ve.OrNil(); err != nil {
		return err
	}
	if err := checkQueueName(ctx, tx, "queue.name", "groups", "ring group", q.Name); err != nil {
		return err
	}
	if err := CheckNumber(ctx, tx, "queue.number", "queue.context", "queue", id, "queue", q.Context, q.Number); err != nil {
		return err
	}
	if err := checkScheduleLink(ctx, tx, "queue.schedule_id", q.ScheduleID); err != nil {
		return err
	}
	if q.SkillRuleID != nil {
		ok, err := lockExisting(ctx, tx, "queue_skill_rules", *q.SkillRuleID)
		if err != nil {
			return err
		}
		if !ok {
			ve.Add("queue.skill_rule_id", fmt.Sprintf("skill rule %d does not exist", *q.SkillRuleID))
		}
	}
	for _, part := range []struct {
		field, kind, table string
		members            []QueueMember
	}{{"users", "user", "users", c.Users}, {"agents", "agent", "agents", c.Agents}} {
		seen := map[int]bool{}
		for i, m := range part.members {
			field := fmt.Sprintf("%s[%d]", part.field, i)
			if seen[m.ID] {
				ve.Add(field, fmt.Sprintf("%s %d is listed twice", part.kind, m.ID))
				continue
			}
			seen[m.ID] = true
			ok, err := lockExisting(ctx, tx, part.table, m.ID)
			if err != nil {
				return err
			}
			if !ok {
				ve.Add(field, fmt.Sprintf("%s %d does not exist", part.kind, m.ID))
			}
		}
	}
	if err := ve.OrNil(); err != nil {
		return err
	}
	return CheckDestinations(ctx, tx, "dial_actions", c.DialActions)
}

func writeQueueParts(ctx context.Context, tx *sqlx.Tx, c *QueueComposite) error {
	q := &c.Queue
	// Members carry the queue's name (as users' views show it).
	if _, err := tx.ExecContext(ctx, `UPDATE queue_members SET name = $2
		WHERE category = 'queue' AND queue_id = $1 AND name <> $2`, q.ID, q.Name); err != nil {
		return err
	}
	for _, part := range []struct {
		usertype string
		members  []QueueMember
	}{{"user", c.Users}, {"agent", c.Agents}} {
		if part.members == nil {
			continue
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM queue_members WHERE category = 'queue' AND queue_id = $1
			AND usertype = $2`, q.ID, part.usertype); err != nil {
			return err
		}
		for i, m := range part.members {
			if _, err := tx.ExecContext(ctx, `INSERT INTO queue_members (category, queue_id, name, usertype,
				userid, penalty, position) VALUES ('queue', $1, $2, $3, $4, $5, $6)`,
				q.ID, q.Name, part.usertype, m.ID, m.Penalty, i); err != nil {
				return mapPQ(err, nil)
			}
		}
	}
	if c.DialActions != nil {
		return writeDialActions(ctx, tx, "queue", strconv.Itoa(q.ID), c.DialActions)
	}
	return nil
}

// Delete removes a queue with its members and dial actions; a queue that a dial action
// still sends calls to (an incall, a user's no-answer) is refused (InUseError).
func (s *QueueStore) Delete(ctx context.Context, id int) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := lockForDelete(ctx, tx, "queues", id); err != nil {
			return err
		}
		if err := refuseIfDestination(ctx, tx, "queue", id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM dialactions WHERE category = 'queue' AND categoryval = $1`, strconv.Itoa(id)); err != nil {
			return err
		}
		if err := leavePickups(ctx, tx, "queue", id); err != nil {
			return err
		}
		// queue_members rows go with the queue through a trigger (0050).
		_, err := tx.ExecContext(ctx, `DELETE FROM queues WHERE id = $1`, id)
		return mapPQ(err, nil)
	})
}

// queueEmptyConditions are the member states Asterisk's joinempty and leavewhenempty list
// (comma-separated), and the older yes/no/strict/loose words.
var queueEmptyConditions = map[string]bool{"paused": true, "penalty": true, "inuse": true, "ringing": true,
	"unavailable": true, "invalid": true, "unknown": true, "wrapup": true,
	"yes": true, "no": true, "strict": true, "loose": true}

func init() {
	must(validate.RegisterValidation("queueemptyrule", func(fl validator.FieldLevel) bool {
		for _, w := range strings.Split(fl.Field().String(), ",") {
			if !queueEmptyConditions[strings.TrimSpace(w)] {
				return false
			}
		}
		return true
	}))
	ruleText["queueemptyrule"] = "must be a comma-separated list of: paused, penalty, inuse, ringing, unavailable, invalid, unknown, wrapup"
}

// checkQueueName refuses a ring group or queue name the other family holds: both are
// Asterisk queues, named in one namespace (XiVO kept them in one table). The advisory lock
// serialises the writers of one name across both families until they commit.
func checkQueueName(ctx context.Context, tx *sqlx.Tx, field, otherTable, otherFamily, name string) error {
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('asterisk queue ' || $1))`, name); err != nil {
		return err
	}
	var taken bool
	if err := tx.GetContext(ctx, &taken, `SELECT EXISTS (SELECT 1 FROM `+otherTable+` WHERE name = $1)`, name); err != nil {
		return err
	}
	if taken {
		return &ConflictError{Field: field, Msg: fmt.Sprintf("%s: the %s %s already has this name (ring groups and queues share Asterisk's queue names)",
			field, otherFamily, name)}
	}
	return nil
}
