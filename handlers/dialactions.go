package handlers

import (
	"fmt"
	"strconv"

	"pbxws/models"
)

// The shared dial-action format (spec §4.21) of users, groups, incalls and schedules.

// dialActionsView renders an object's dial actions keyed by event, `false` when none.
func dialActionsView(category string, id int, das []models.DialAction) any {
	if len(das) == 0 {
		return false
	}
	typeval := strconv.Itoa(id)
	out := newObject(len(das))
	for _, d := range das {
		out.set(d.Event, jsonObject{{"event", d.Event}, {"category", category}, {"categoryval", typeval},
			{"actiontype", d.ActionType}, {"action", d.Action}, {"actionarg1", d.ActionArg1},
			{"actionarg2", d.ActionArg2}, {"linked", d.Linked}})
	}
	return out
}

// eventSet turns a family's event list into the set decodeDialActions checks against.
func eventSet(events ...string) map[string]bool {
	m := make(map[string]bool, len(events))
	for _, e := range events {
		m[e] = true
	}
	return m
}

// idList reads a list of object ids: numbers or digit strings, or the rows of a view posted
// back (objects carrying the id under key). `false` (a view's "none") is the empty list.
func idList(f fields, name, key string) ([]int, bool) {
	if f.m[name] == false {
		return []int{}, true
	}
	list, ok := f.list(name)
	if !ok {
		return nil, false
	}
	out := make([]int, 0, len(list))
	for i, v := range list {
		if m, isObj := v.(map[string]any); isObj {
			v = m[key]
		}
		n, ok := intOf(v)
		if !ok || n <= 0 {
			f.fail(name+"["+strconv.Itoa(i)+"]", "must be an id (a positive whole number)")
			continue
		}
		out = append(out, n)
	}
	return out, true
}

// callerIDView is a caller-id rewriting as views show it: false when there is none.
func callerIDView(mode, display string) any {
	if mode == "" {
		return false
	}
	return jsonObject{{"mode", mode}, {"callerdisplay", display}}
}

// decodeCallerID reads callerid {mode, callerdisplay}; false (a view's "none") clears it.
func decodeCallerID(top fields, mode, display *string) {
	if top.m["callerid"] == false {
		*mode, *display = "", ""
	} else if cm, ok := top.object("callerid"); ok {
		cf := top.sub("callerid", cm)
		cf.strTrim("mode", mode)
		cf.str("callerdisplay", display)
	}
}

// decodeScheduleLink reads schedule_id: a schedule id, or 0, "" or null for none.
func decodeScheduleLink(top fields, id **int) {
	if top.optInt("schedule_id", id) && *id != nil && **id == 0 {
		*id = nil
	}
}

// setScheduleLink adds schedule_id to a view when the object follows a schedule (the
// original omitted the key otherwise).
func setScheduleLink(o *jsonObject, id *int) {
	if id != nil {
		o.set("schedule_id", *id)
	}
}

// decodeRightCalls reads a body's "rightcall": call permission ids, or a view's rows
// ({"rightcallid": n, …}) posted back; !ok when the body does not carry it.
func decodeRightCalls(top fields) ([]int, bool) {
	rc, ok := top.list("rightcall")
	if !ok {
		return nil, false
	}
	out := []int{}
	for i, v := range rc {
		if row, isRow := v.(map[string]any); isRow {
			v = row["rightcallid"]
		}
		n, ok := intOf(v)
		if !ok {
			top.errs.Add(fmt.Sprintf("rightcall[%d]", i), "must be a call permission id")
			continue
		}
		out = append(out, n)
	}
	return out, true
}

// rightCallsView is an object's call rights as views show them: rows of rightcallid, type
// and typeval, or false for none.
func rightCallsView(category string, id int, ids []int) any {
	typeval := strconv.Itoa(id)
	rows := make([]jsonObject, len(ids))
	for i, rc := range ids {
		rows[i] = jsonObject{{"rightcallid", rc}, {"type", category}, {"typeval", typeval}}
	}
	return falseOr(rows)
}
