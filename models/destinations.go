package models

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
)

// Dial actions (spec §4.21) send a call to an object of another family: the user, group,
// conference room, voicemail box, queue or schedule whose id is actionarg1. Writes check
// that the object exists (locking it, so a concurrent delete waits for the write or is
// refused by it), and deletes of such an object are refused while a dial action names it.

// destinationTables is the table of each family a dial action may name by id.
var destinationTables = map[string]string{
	"user": "users", "group": "groups", "meetme": "meetmes", "voicemail": "voicemails",
	"queue": "queues", "schedule": "schedules",
}

// endcallActions are the ways an endcall action ends the call.
var endcallActions = map[string]bool{"hangup": true, "busy": true, "congestion": true}

// CheckDestinations validates dial actions: every event named once, endcall with one of
// its actions, and each object a destination names by id existing. prefix names the list
// in errors ("dial_actions"); each action is named by its event.
func CheckDestinations(ctx context.Context, tx *sqlx.Tx, prefix string, das []DialAction) error {
	ve := &ValidationError{}
	for i := range das {
		d := &das[i]
		field := prefix + "." + d.Event
		ve.Merge(field+".", Check(d))
		if d.ActionType == "endcall" && !endcallActions[strings.TrimPrefix(d.Action, "endcall:")] {
			ve.Add(field+".action", "must be one of: hangup, busy, congestion")
		}
		table, byID := destinationTables[d.ActionType]
		if !byID {
			continue
		}
		arg := ""
		if d.ActionArg1 != nil {
			arg = strings.TrimSpace(*d.ActionArg1)
		}
		id, err := strconv.Atoi(arg)
		if err != nil || id <= 0 || id > 1<<31-1 {
			ve.Add(field+".action_arg1", "must be the id of a "+d.ActionType)
			continue
		}
		d.ActionArg1 = &arg
		ok, err := lockExisting(ctx, tx, table, id)
		if err != nil {
			return err
		}
		if !ok {
			ve.Add(field+".action_arg1", fmt.Sprintf("%s %d does not exist", d.ActionType, id))
		}
	}
	return ve.OrNil()
}

// lockExisting reports whether the row id of table exists, locking it against deletion
// until the transaction ends. A table pbxws does not have yet holds nothing.
func lockExisting(ctx context.Context, tx *sqlx.Tx, table string, id int) (bool, error) {
	var present bool
	if err := tx.GetContext(ctx, &present, `SELECT to_regclass($1) IS NOT NULL`, table); err != nil || !present {
		return false, err
	}
	var n int
	err := tx.GetContext(ctx, &n, `SELECT count(*) FROM (SELECT 1 FROM `+table+` WHERE id = $1 FOR SHARE) x`, id)
	return n > 0, err
}

// refuseIfDestination returns an InUseError naming the first object whose dial action
// sends calls to the object (family, id); call it after locking the object's row.
func refuseIfDestination(ctx context.Context, tx *sqlx.Tx, family string, id int) error {
	var by []struct {
		Category    string `db:"category"`
		CategoryVal string `db:"categoryval"`
		Event       string `db:"event"`
	}
	if err := tx.SelectContext(ctx, &by, `SELECT category, categoryval, event FROM dialactions
		WHERE actiontype = $1 AND actionarg1 = $2 AND NOT (category = $1 AND categoryval = $2)
		ORDER BY category, categoryval, event LIMIT 1`, family, strconv.Itoa(id)); err != nil {
		return err
	}
	if len(by) == 0 {
		return nil
	}
	return &InUseError{Msg: fmt.Sprintf("%s %d is still the destination of %s %s (%s): change that first",
		family, id, by[0].Category, by[0].CategoryVal, by[0].Event)}
}

// lockForDelete locks the row id of table for its deletion; ErrNotFound when there is none.
func lockForDelete(ctx context.Context, tx *sqlx.Tx, table string, id int) error {
	var n int
	if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM (SELECT 1 FROM `+table+` WHERE id = $1 FOR UPDATE) x`, id); err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// checkScheduleLink validates the schedule an object follows (nil: none), locking it.
func checkScheduleLink(ctx context.Context, tx *sqlx.Tx, field string, id *int) error {
	if id == nil {
		return nil
	}
	ok, err := lockExisting(ctx, tx, "schedules", *id)
	if err != nil {
		return err
	}
	if !ok {
		return Invalid(field, fmt.Sprintf("schedule %d does not exist", *id))
	}
	return nil
}
