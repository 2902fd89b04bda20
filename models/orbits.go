package models

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/jmoiron/sqlx"
)

// sipX park orbits are the XiVO parking lots (sipx-api.md §11). Their settings tree,
// general/, is mostly the parking lot's own columns: multipleCalls is positions > 1,
// enableTimeout and parkTimeout are duration (0: off), allowTransfer is calltransfers not
// empty. Only transferKey is a stored override (owner kind "orbit").

// OrbitTree is the definition of an orbit's settings (§11).
var OrbitTree = NewSettingTree(
	TreeGroup("general", "General",
		TreeBool("enableTimeout", "Enable timeout").Def("0").
			Describe("Return a parked call to the one who parked it when nobody picks it up in time."),
		TreeInt("parkTimeout", "Timeout").Def("120").Range(30, 300).
			Describe("Seconds a call stays parked before it returns, when the timeout is enabled."),
		TreeBool("multipleCalls", "Multiple calls").Def("0").
			Describe("Park several calls on the orbit at once."),
		TreeBool("allowTransfer", "Allow transfers").Def("0").
			Describe("Let a parked call be transferred."),
		TreeStr("transferKey", "Transfer key").Def("0").Match(`[*#0-9]`).Require().
			Describe("The key that transfers a parked call."),
	),
)

// orbitMultiplePositions is how many positions a one-position lot gets when sipX turns
// multiple calls on.
const orbitMultiplePositions = 10

// OrbitSettings is the owner kind of the orbits' settings: an orbit is a parking lot, by id.
var OrbitSettings = &SettingsOwner{
	Name: "orbit",
	Resolve: func(ctx context.Context, q sqlx.QueryerContext, ref string, lock bool) (string, *SettingTree, error) {
		id, err := strconv.Atoi(ref)
		if err != nil || id < 1 || strconv.Itoa(id) != ref {
			return "", nil, ErrNotFound
		}
		query := `SELECT id FROM parking_lots WHERE id = $1`
		if lock {
			query += ` FOR UPDATE`
		}
		var got int
		if err := sqlx.GetContext(ctx, q, &got, query, id); errors.Is(err, sql.ErrNoRows) {
			return "", nil, ErrNotFound
		} else if err != nil {
			return "", nil, err
		}
		return ref, OrbitTree, nil
	},
	Mirror: &SettingMirror{
		Paths: []string{"general/enableTimeout", "general/parkTimeout", "general/multipleCalls", "general/allowTransfer"},
		Read:  readOrbitColumns,
		Write: writeOrbitColumns,
	},
}

// orbitColumns are the parking-lot columns the orbit settings mirror.
type orbitColumns struct {
	Positions     int    `db:"positions"`
	Duration      int    `db:"duration"`
	ParkTimeout   *int   `db:"park_timeout"`
	CallTransfers string `db:"calltransfers"`
}

func orbitColumnsOf(ctx context.Context, q sqlx.QueryerContext, id string) (*orbitColumns, error) {
	var c orbitColumns
	err := sqlx.GetContext(ctx, q, &c, `SELECT positions, duration, park_timeout, calltransfers FROM parking_lots WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return &c, err
}

func boolText(b bool) *string {
	s := "0"
	if b {
		s = "1"
	}
	return &s
}

func readOrbitColumns(ctx context.Context, q sqlx.QueryerContext, id string) (map[string]*string, error) {
	c, err := orbitColumnsOf(ctx, q, id)
	if err != nil {
		return nil, err
	}
	out := map[string]*string{
		"general/enableTimeout": boolText(c.Duration > 0),
		"general/multipleCalls": boolText(c.Positions > 1),
		"general/allowTransfer": boolText(c.CallTransfers != ""),
	}
	switch {
	case c.Duration > 0:
		s := strconv.Itoa(c.Duration)
		out["general/parkTimeout"] = &s
	case c.ParkTimeout != nil:
		s := strconv.Itoa(*c.ParkTimeout)
		out["general/parkTimeout"] = &s
	}
	return out, nil
}

// writeOrbitColumns applies checked values (nil: the default) to the parking lot, whose row
// the write's Resolve locked.
func writeOrbitColumns(ctx context.Context, tx *sqlx.Tx, id string, values map[string]*string) error {
	c, err := orbitColumnsOf(ctx, tx, id)
	if err != nil {
		return err
	}
	leaf := func(name string) *TreeSetting { l, _ := OrbitTree.Find("general/" + name); return l }
	value := func(name string) (*string, bool) {
		v, ok := values["general/"+name]
		if ok && v == nil {
			v = leaf(name).Default
		}
		return v, ok
	}
	// The timeout: on, its seconds are duration; off, duration is 0 and the seconds wait in
	// park_timeout.
	on, seconds := c.Duration > 0, 0
	switch {
	case c.Duration > 0:
		seconds = c.Duration
	case c.ParkTimeout != nil:
		seconds = *c.ParkTimeout
	default:
		seconds, _ = strconv.Atoi(*leaf("parkTimeout").Default)
	}
	if v, ok := value("enableTimeout"); ok {
		on = leaf("enableTimeout").Bool(v)
	}
	if v, ok := value("parkTimeout"); ok {
		seconds, _ = strconv.Atoi(*v)
	}
	switch {
	case on:
		c.Duration, c.ParkTimeout = seconds, nil
	case seconds >= 30 && seconds <= 300:
		c.Duration, c.ParkTimeout = 0, &seconds
	default: // a XiVO duration sipX's timeout cannot hold: off, the default when back on
		c.Duration, c.ParkTimeout = 0, nil
	}
	if v, ok := value("multipleCalls"); ok {
		switch multiple := leaf("multipleCalls").Bool(v); {
		case multiple && c.Positions <= 1:
			c.Positions = orbitMultiplePositions
		case !multiple:
			c.Positions = 1
		}
	}
	if v, ok := value("allowTransfer"); ok {
		switch allow := leaf("allowTransfer").Bool(v); {
		case allow && c.CallTransfers == "":
			c.CallTransfers = "both"
		case !allow:
			c.CallTransfers = ""
		}
	}
	_, err = tx.ExecContext(ctx, `UPDATE parking_lots SET positions = $2, duration = $3, park_timeout = $4, calltransfers = $5 WHERE id = $1`,
		id, c.Positions, c.Duration, c.ParkTimeout, c.CallTransfers)
	return mapPQ(err, nil)
}
