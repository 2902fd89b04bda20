package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"
)

// The settings of phones, their lines and phone groups (sipx-api.md §3, §7.5): each vendor's
// phones have a phone tree (time, NTP, dial plan, display) and a line tree (registration,
// display, line key). A phone's effective value is its own override, else its groups' (the
// highest weight first), else the default; a phone group's values are per group and path,
// shown in any model's tree that has the path. A line's user id, password and display name
// are the line's columns (mirrored), never stored twice.

// Owner kinds of the phone settings, as stored in setting_values.owner_kind.
const (
	phoneOwnerKind      = "phone"
	phoneLineOwnerKind  = "phone-line"
	phoneGroupOwnerKind = "phone-group"
)

// The line leaves that are line columns.
const (
	lineUserIDPath  = "registration/userId"
	linePasswordPth = "registration/password"
	lineDisplayPath = "registration/displayName"
)

// registrationGroup is the line tree's part every vendor shares: the mirrored columns.
func registrationGroup() *TreeSetting {
	return TreeGroup("registration", "Registration",
		TreeStr("userId", "User ID").Require().MaxLength(40).Match(`[A-Za-z0-9@+._-]+`).
			Describe("The SIP user the line registers as (the line's name)."),
		TreeStr("password", "Password").Secret().Require().MaxLength(80).Match(`[\x20-\x7e]*`).
			Describe("The line's SIP secret."),
		TreeStr("displayName", "Display name").MaxLength(255).Match(`[^"<>\r\n]*`).
			Describe("The name shown to the called party."))
}

func timeZones(name, label, def string) *TreeSetting {
	return TreeEnum(name, label, "-18000", "UTC-05:00 (New York)", "-21600", "UTC-06:00 (Chicago)",
		"-28800", "UTC-08:00 (Los Angeles)", "0", "UTC", "3600", "UTC+01:00 (Paris, Berlin)",
		"7200", "UTC+02:00 (Helsinki)", "19800", "UTC+05:30 (Mumbai)", "32400", "UTC+09:00 (Tokyo)").Def(def)
}

// vendorTrees are each vendor's phone and line trees ("" is the generic SIP phone).
var vendorTrees = map[string][2]*SettingTree{
	"Polycom": {
		NewSettingTree(
			TreeGroup("tcpIpApp", "Network applications",
				TreeGroup("sntp", "Time (SNTP)",
					TreeStr("address", "SNTP server").Def("pool.ntp.org").MaxLength(255).Match(`[A-Za-z0-9.:-]*`),
					timeZones("gmtOffset", "GMT offset (seconds)", "0"),
					TreeBool("daylightSavings", "Daylight saving time").Def("1"))),
			TreeGroup("dialplan", "Dial plan",
				TreeStr("digitmap", "Digit map").Def("[2-9]11|0T|011xxx.T|[0-1][2-9]xxxxxxxxx|[2-9]xxxxxxxxx|[2-9]xxxT").MaxLength(2048),
				TreeInt("impossibleMatchHandling", "Impossible match handling").Def("0").Range(0, 3)),
			TreeGroup("up", "User preferences",
				TreeEnum("backlightIdleIntensity", "Idle backlight", "0", "Off", "1", "Low", "2", "Medium", "3", "High").Def("1"))),
		NewSettingTree(
			registrationGroup(),
			TreeGroup("reg", "Line key",
				TreeStr("label", "Label").MaxLength(64),
				TreeInt("callsPerLineKey", "Calls per line key").Def("24").Range(1, 24),
				TreeBool("ringType", "Distinctive ring").Def("0"))),
	},
	"Yealink": {
		NewSettingTree(
			TreeGroup("time", "Time",
				TreeStr("ntpServer1", "NTP server 1").Def("pool.ntp.org").MaxLength(255).Match(`[A-Za-z0-9.:-]*`),
				TreeStr("ntpServer2", "NTP server 2").MaxLength(255).Match(`[A-Za-z0-9.:-]*`),
				timeZones("timeZone", "Time zone (seconds from UTC)", "0"),
				TreeEnum("timeFormat", "Time format", "0", "12 hours", "1", "24 hours").Def("1")),
			TreeGroup("dialplan", "Dial plan",
				TreeStr("dialNow", "Dial-now rule").MaxLength(512),
				TreeStr("areaCode", "Area code").MaxLength(16).Match(`[0-9]*`)),
			TreeGroup("phone", "Phone",
				TreeBool("lcdLogo", "Show the logo").Def("false").Literals("true", "false"))),
		NewSettingTree(
			registrationGroup(),
			TreeGroup("account", "Account",
				TreeStr("label", "Label").MaxLength(64),
				TreeEnum("ringtone", "Ring tone", "Common", "Common", "Ring1.wav", "Ring 1", "Ring2.wav", "Ring 2").Def("Common"),
				TreeBool("autoAnswer", "Auto answer").Def("0"))),
	},
	"Aastra": {
		NewSettingTree(
			TreeGroup("time", "Time",
				TreeStr("timeServer1", "Time server 1").Def("pool.ntp.org").MaxLength(255).Match(`[A-Za-z0-9.:-]*`),
				TreeEnum("timeZoneName", "Time zone", "US-Eastern", "US Eastern", "US-Central", "US Central",
					"US-Pacific", "US Pacific", "GB-London", "London", "FR-Paris", "Paris", "DE-Berlin", "Berlin").Def("US-Eastern")),
			TreeGroup("dialplan", "Dial plan",
				TreeStr("dialPlan", "Dial plan").Def("x+#|xx+*").MaxLength(512),
				TreeInt("digitTimeout", "Digit timeout (seconds)").Def("4").Range(1, 30))),
		NewSettingTree(
			registrationGroup(),
			TreeGroup("line", "Line",
				TreeStr("screenName", "Screen name").MaxLength(64),
				TreeBool("callWaiting", "Call waiting").Def("1"))),
	},
	"": {
		NewSettingTree(
			TreeGroup("time", "Time",
				TreeStr("ntpServer", "NTP server").Def("pool.ntp.org").MaxLength(255).Match(`[A-Za-z0-9.:-]*`),
				timeZones("timeZone", "Time zone (seconds from UTC)", "0"))),
		NewSettingTree(registrationGroup()),
	},
}

// PhoneTree and LineTree are the model's settings definitions.
func (m PhoneModel) PhoneTree() *SettingTree { return vendorTrees[m.Vendor][0] }

// LineTree is the definition of the settings of the model's lines.
func (m PhoneModel) LineTree() *SettingTree { return vendorTrees[m.Vendor][1] }

// phoneResolveSQL finds a phone by number ($1) or MAC ($2), with its XiVO vendor and model.
const phoneResolveSQL = `SELECT phone_id, vendor, model FROM devices WHERE phone_id = $1
	UNION ALL SELECT phone_id, vendor, model FROM devices WHERE $2 <> '' AND mac = $2 LIMIT 1`

// phoneEffectiveSQL is every value of phone $1 that is not a default, in one query: its own
// overrides, else its groups' values, the heaviest group first.
const phoneEffectiveSQL = `SELECT DISTINCT ON (x.path) x.path, x.value FROM (
		SELECT v.path, v.value, 2147483647 AS weight, 0 AS gid FROM setting_values v
			WHERE v.owner_kind = '` + phoneOwnerKind + `' AND v.owner_id = $1
		UNION ALL
		SELECT v.path, v.value, g.weight, g.id FROM devices d JOIN phone_group_members m ON m.device_id = d.id
			JOIN phone_groups g ON g.id = m.group_id
			JOIN setting_values v ON v.owner_kind = '` + phoneGroupOwnerKind + `' AND v.owner_id = CAST(g.id AS text)
			WHERE d.phone_id = CAST($1 AS integer)) x
	ORDER BY x.path, x.weight DESC, x.gid DESC`

// prepare readies the statements every phone settings read runs.
func (s *PhoneStore) prepare(ctx context.Context) (err error) {
	if s.resolveStmt, err = s.db.PreparexContext(ctx, phoneResolveSQL); err != nil {
		return fmt.Errorf("preparing the phone lookup: %w", err)
	}
	if s.effectiveStmt, err = s.db.PreparexContext(ctx, phoneEffectiveSQL); err != nil {
		return fmt.Errorf("preparing the phone settings read: %w", err)
	}
	return nil
}

// phoneNumber reads a phone reference: its number when all digits (and one exists), else
// its MAC. lock takes the device row's lock.
func (s *PhoneStore) phoneNumber(ctx context.Context, q sqlx.QueryerContext, ref string, lock bool) (int, PhoneModel, error) {
	num := 0
	if allDigits(ref) && len(ref) < 10 {
		num, _ = strconv.Atoi(ref)
	}
	mac, _ := NormalizeMAC(ref)
	var id int
	var vendor, model string
	var row *sqlx.Row
	switch t := q.(type) {
	case *sqlx.Tx:
		row = inTx(ctx, t, s.resolveStmt, phoneResolveSQL, num, mac)
	default:
		if s.resolveStmt != nil {
			row = s.resolveStmt.QueryRowxContext(ctx, num, mac)
		} else {
			row = q.QueryRowxContext(ctx, phoneResolveSQL, num, mac)
		}
	}
	err := row.Scan(&id, &vendor, &model)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, PhoneModel{}, ErrNotFound
	}
	if err != nil {
		return 0, PhoneModel{}, err
	}
	if lock {
		var one int
		err := sqlx.GetContext(ctx, q, &one, `SELECT 1 FROM devices WHERE phone_id = $1 FOR UPDATE`, id)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, PhoneModel{}, ErrNotFound
		}
		if err != nil {
			return 0, PhoneModel{}, err
		}
	}
	return id, PhoneModelOf(vendor, model), nil
}

// phoneEffective reads phoneEffectiveSQL.
func (s *PhoneStore) phoneEffective(ctx context.Context, q sqlx.QueryerContext, id string) (map[string]*string, error) {
	var rows *sqlx.Rows
	var err error
	switch t := q.(type) {
	case *sqlx.Tx:
		rows, err = t.QueryxContext(ctx, phoneEffectiveSQL, id)
	default:
		if s.effectiveStmt != nil {
			rows, err = s.effectiveStmt.QueryxContext(ctx, id)
		} else {
			rows, err = q.QueryxContext(ctx, phoneEffectiveSQL, id)
		}
	}
	return pathValues(rows, err)
}

// settingOwners builds the store's owner kinds: phones, their lines and phone groups.
func (s *PhoneStore) settingOwners() {
	s.PhoneSettings = &SettingsOwner{
		Name: phoneOwnerKind,
		Resolve: func(ctx context.Context, q sqlx.QueryerContext, ref string, lock bool) (string, *SettingTree, error) {
			if !lock {
				snap, err := s.cache.current(ctx, true)
				if err != nil {
					return "", nil, err
				}
				if snap != nil {
					id, m, ok := snap.lookup(ref)
					if !ok {
						return "", nil, ErrNotFound
					}
					return strconv.Itoa(id), m.PhoneTree(), nil
				}
			}
			id, m, err := s.phoneNumber(ctx, q, ref, lock)
			if err != nil {
				return "", nil, err
			}
			return strconv.Itoa(id), m.PhoneTree(), nil
		},
		Effective: func(ctx context.Context, q sqlx.QueryerContext, id string) (map[string]*string, error) {
			snap, err := s.cache.current(ctx, false)
			if err != nil {
				return nil, err
			}
			if n, convErr := strconv.Atoi(id); snap != nil && convErr == nil {
				if _, ok := snap.models[n]; ok {
					return snap.values[n], nil // shared: the engine only reads it
				}
			}
			return s.phoneEffective(ctx, q, id)
		},
		Announce: "settings/phone",
	}
	s.LineSettings = &SettingsOwner{
		Name:     phoneLineOwnerKind,
		Resolve:  s.resolveLine,
		Mirror:   lineMirror,
		Announce: "settings/phone-line",
	}
	s.GroupSettings = &SettingsOwner{
		Name:     phoneGroupOwnerKind,
		Resolve:  resolveGroupModel,
		Announce: "settings/phone-group",
	}
}

// PhoneLineSettingsRef is the reference of a phone's line's settings.
func PhoneLineSettingsRef(phone, line string) string { return phone + "\n" + line }

// resolveLine finds the line of a PhoneLineSettingsRef: a line not on the phone is not found.
func (s *PhoneStore) resolveLine(ctx context.Context, q sqlx.QueryerContext, ref string, lock bool) (string, *SettingTree, error) {
	phone, line, _ := strings.Cut(ref, "\n")
	id, m, err := s.phoneNumber(ctx, q, phone, lock)
	if err != nil {
		return "", nil, err
	}
	if !allDigits(line) || len(line) > 9 {
		return "", nil, ErrNotFound
	}
	query := `SELECT l.id FROM lines l JOIN devices d ON d.id = l.device_id WHERE l.id = $1::int AND d.phone_id = $2`
	if lock {
		query += ` FOR UPDATE OF l`
	}
	var lineID int
	err = sqlx.GetContext(ctx, q, &lineID, query, line, id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, ErrNotFound
	}
	if err != nil {
		return "", nil, err
	}
	return strconv.Itoa(lineID), m.LineTree(), nil
}

// lineMirror serves a line's user id, password and display name from its columns.
var lineMirror = &SettingMirror{
	Paths: []string{lineUserIDPath, linePasswordPth, lineDisplayPath},
	Read: func(ctx context.Context, q sqlx.QueryerContext, id string) (map[string]*string, error) {
		var row struct {
			Name     string  `db:"name"`
			Secret   string  `db:"secret"`
			CallerID string  `db:"callerid"`
			Display  *string `db:"display_name"`
		}
		if err := sqlx.GetContext(ctx, q, &row, `SELECT l.name, l.secret, l.callerid, e.display_name
				FROM lines l LEFT JOIN external_lines e ON e.line_id = l.id WHERE l.id = $1::int`, id); err != nil {
			return nil, err
		}
		display := CallerIDName(row.CallerID)
		if row.Display != nil {
			display = *row.Display
		}
		out := map[string]*string{lineUserIDPath: &row.Name, linePasswordPth: nil, lineDisplayPath: nil}
		if row.Secret != "" {
			out[linePasswordPth] = &row.Secret
		}
		if display != "" {
			out[lineDisplayPath] = &display
		}
		return out, nil
	},
	Write: func(ctx context.Context, tx *sqlx.Tx, id string, vs map[string]*string) error {
		text := func(p string) string {
			if v := vs[p]; v != nil {
				return *v
			}
			return ""
		}
		if v, ok := vs[lineUserIDPath]; ok && v != nil { // a line keeps its name on a reset
			if _, err := tx.ExecContext(ctx, `UPDATE lines SET name = $2 WHERE id = $1::int`, id, *v); err != nil {
				mapped := mapPQ(err, lineConstraints)
				var ce *ConflictError
				if errors.As(mapped, &ce) {
					return &ConflictError{Field: lineUserIDPath, Msg: lineUserIDPath + ": " + *v + " is already the SIP user of another line"}
				}
				return mapped
			}
		}
		if v, ok := vs[linePasswordPth]; ok && v != nil { // a line keeps its secret on a reset: without one it cannot register
			if _, err := tx.ExecContext(ctx, `UPDATE lines SET secret = $2 WHERE id = $1::int`, id, *v); err != nil {
				return err
			}
		}
		if _, ok := vs[lineDisplayPath]; ok {
			d := text(lineDisplayPath)
			res, err := tx.ExecContext(ctx, `UPDATE external_lines SET display_name = $2 WHERE line_id = $1::int`, id, d)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				// A user line: the name part of its caller id, its number kept.
				callerID := ""
				if d != "" {
					callerID = `"` + d + `"`
				}
				if _, err := tx.ExecContext(ctx, `UPDATE lines SET callerid = CASE WHEN $2 = '' THEN '' WHEN number = '' THEN $2
						ELSE $2 || ' <' || number || '>' END WHERE id = $1::int`, id, callerID); err != nil {
					return err
				}
			}
		}
		return nil
	},
}

// CallerIDName is the name part of a caller id (`"Jack" <1042>` → Jack).
func CallerIDName(cid string) string {
	cid = strings.TrimSpace(cid)
	if strings.HasPrefix(cid, `"`) {
		if end := strings.IndexByte(cid[1:], '"'); end >= 0 {
			return cid[1 : 1+end]
		}
	}
	if i := strings.IndexByte(cid, '<'); i >= 0 {
		return strings.TrimSpace(cid[:i])
	}
	return ""
}

// PhoneGroupModelRef is the reference of a phone group's settings for a model.
func PhoneGroupModelRef(group, model string) string { return group + "\n" + model }

// resolveGroupModel finds the group of a PhoneGroupModelRef, shown through the model's
// phone tree: the values are the group's, whatever the model.
func resolveGroupModel(ctx context.Context, q sqlx.QueryerContext, ref string, lock bool) (string, *SettingTree, error) {
	group, model, _ := strings.Cut(ref, "\n")
	m, ok := PhoneModelByID(model)
	if !ok {
		return "", nil, ErrNotFound
	}
	num := 0
	if allDigits(group) && len(group) < 10 {
		num, _ = strconv.Atoi(group)
	}
	var id int
	err := sqlx.GetContext(ctx, q, &id, `SELECT id FROM (SELECT id, 0 AS rank FROM phone_groups WHERE id = $2
			UNION ALL SELECT id, 1 FROM phone_groups WHERE name = $1) c ORDER BY rank LIMIT 1`, group, num)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, ErrNotFound
	}
	if err != nil {
		return "", nil, err
	}
	if lock {
		if err := sqlx.GetContext(ctx, q, &id, `SELECT id FROM phone_groups WHERE id = $1 FOR UPDATE`, id); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return "", nil, ErrNotFound
			}
			return "", nil, err
		}
	}
	return strconv.Itoa(id), m.PhoneTree(), nil
}
