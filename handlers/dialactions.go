package handlers

import (
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
