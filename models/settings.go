package models

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/jmoiron/sqlx"
)

// SettingKind is the type of a setting's value.
type SettingKind int

// The kinds of settings: a boolean, a whole number in a range, one of a list of words, text.
const (
	SettingBool SettingKind = iota
	SettingInt
	SettingEnum
	SettingText
	// SettingList is a list of text items, each checked like a text setting (MaxLen,
	// Pattern), at most MaxItems of them.
	SettingList
	// SettingRows is a list of rows (objects) whose members are declared by Columns, at
	// most MaxItems of them (SIP authentication rows, IAX call number limits).
	SettingRows
)

// Setting declares one key of a settings section: its kind, its default and its rule.
type Setting struct {
	// Key is the setting's name, "group.name" when the section groups its settings.
	Key     string
	Kind    SettingKind
	Default any // bool, int or string, by Kind
	// Min and Max bound an int; Values list an enumeration's words; MaxLen bounds text,
	// Pattern (with PatternRule, its readable form) constrains it further.
	Min, Max    int
	Values      []string
	MaxLen      int
	MaxItems    int
	Pattern     *regexp.Regexp
	PatternRule string
	Columns     []Setting
}

// Column returns the declaration of a rows setting's column.
func (s *Setting) Column(name string) (*Setting, bool) {
	for i := range s.Columns {
		if s.Columns[i].Key == name {
			return &s.Columns[i], true
		}
	}
	return nil, false
}

// Check returns the rule v breaks ("" when v is a valid value of the setting).
func (s *Setting) Check(v any) string {
	switch s.Kind {
	case SettingBool:
		if _, ok := v.(bool); !ok {
			return "must be a boolean"
		}
	case SettingInt:
		n, ok := v.(int)
		if !ok {
			return "must be a whole number"
		}
		if n < s.Min || n > s.Max {
			return fmt.Sprintf("must be between %d and %d", s.Min, s.Max)
		}
	case SettingEnum:
		t, ok := v.(string)
		if !ok || !contains(s.Values, t) {
			return "must be one of: " + strings.Join(s.Values, ", ")
		}
	case SettingRows:
		rows, ok := v.([]map[string]any)
		if !ok {
			return "must be a list of objects"
		}
		if len(rows) > s.MaxItems {
			return fmt.Sprintf("must have at most %d rows", s.MaxItems)
		}
		for i, r := range rows {
			for k, x := range r {
				col, ok := s.Column(k)
				if !ok {
					return fmt.Sprintf("row %d: %s is not a column (%s)", i, k, columnNames(s.Columns))
				}
				if rule := col.Check(x); rule != "" {
					return fmt.Sprintf("row %d: %s %s", i, k, rule)
				}
			}
		}
	case SettingList:
		items, ok := v.([]string)
		if !ok {
			return "must be a list of strings"
		}
		if len(items) > s.MaxItems {
			return fmt.Sprintf("must have at most %d items", s.MaxItems)
		}
		item := *s
		item.Kind = SettingText
		for i, x := range items {
			if rule := item.Check(x); rule != "" {
				return fmt.Sprintf("item %d %s", i, rule)
			}
		}
	case SettingText:
		t, ok := v.(string)
		switch {
		case !ok:
			return "must be text"
		case len(t) > s.MaxLen:
			return fmt.Sprintf("must be at most %d characters", s.MaxLen)
		case !Printable(t):
			return "must be printable text without control characters"
		case t != "" && s.Pattern != nil && !s.Pattern.MatchString(t):
			return s.PatternRule
		}
	}
	return ""
}

// SettingsSection is one section's declared keys, in the order views show them.
type SettingsSection struct {
	Name     string
	Settings []Setting
	// Rule, when set, checks what involves several keys (feature codes are unique).
	Rule  func(values map[string]any) *ValidationError
	byKey map[string]*Setting
}

// Setting returns the declaration of key.
func (s *SettingsSection) Setting(key string) (*Setting, bool) {
	st, ok := s.byKey[key]
	return st, ok
}

// IsGroup reports whether name is a group of the section's settings.
func (s *SettingsSection) IsGroup(name string) bool {
	for k := range s.byKey {
		if strings.HasPrefix(k, name+".") {
			return true
		}
	}
	return false
}

// Settings are the values of one section, every declared key present (stored values
// merged over the defaults).
type Settings struct {
	Section *SettingsSection
	Values  map[string]any
}

func boolSetting(key string, def bool) Setting {
	return Setting{Key: key, Kind: SettingBool, Default: def}
}
func intSetting(key string, def, lo, hi int) Setting {
	return Setting{Key: key, Kind: SettingInt, Default: def, Min: lo, Max: hi}
}
func enumSetting(key, def string, values ...string) Setting {
	return Setting{Key: key, Kind: SettingEnum, Default: def, Values: values}
}
func textSetting(key, def string, maxLen int) Setting {
	return Setting{Key: key, Kind: SettingText, Default: def, MaxLen: maxLen}
}
func patternSetting(key, def string, maxLen int, re *regexp.Regexp, rule string) Setting {
	return Setting{Key: key, Kind: SettingText, Default: def, MaxLen: maxLen, Pattern: re, PatternRule: rule}
}

var (
	reLocaleSetting = regexp.MustCompile(`^[a-z]{2}_[A-Z]{2}$`)
	reHostList      = regexp.MustCompile(`^[A-Za-z0-9.:/_-]+(,[A-Za-z0-9.:/_-]+)*$`)
	reCodecList     = regexp.MustCompile(`^[a-z0-9]+(,[a-z0-9]+)*$`)
	reDBURI         = regexp.MustCompile(`^[a-z][a-z0-9+.-]*://[^\s]+$`)
	reTimezone      = regexp.MustCompile(`^[A-Za-z0-9_+/-]+$`)
	reAudioFormats  = regexp.MustCompile(`^(wav49|wav|gsm|ulaw|alaw|g729)(\|(wav49|wav|gsm|ulaw|alaw|g729))*$`)
)

func listSetting(key string, maxItems, maxLen int, re *regexp.Regexp, rule string) Setting {
	return Setting{Key: key, Kind: SettingList, Default: []string{}, MaxItems: maxItems, MaxLen: maxLen, Pattern: re, PatternRule: rule}
}

func rowsSetting(key string, maxItems int, columns ...Setting) Setting {
	return Setting{Key: key, Kind: SettingRows, Default: []map[string]any{}, MaxItems: maxItems, Columns: columns}
}

func columnNames(cols []Setting) string {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.Key
	}
	return strings.Join(names, ", ")
}

// storedRows reads rows back from jsonb: numbers of int columns become ints again.
func storedRows(st *Setting, list []any) []map[string]any {
	rows := make([]map[string]any, 0, len(list))
	for _, x := range list {
		m, _ := x.(map[string]any)
		row := map[string]any{}
		for k, v := range m {
			if f, isNum := v.(float64); isNum {
				if col, ok := st.Column(k); ok && col.Kind == SettingInt {
					v = int(f)
				}
			}
			row[k] = v
		}
		rows = append(rows, row)
	}
	return rows
}

var (
	reIPAddress = regexp.MustCompile(`^[0-9A-Fa-f.:]+$`)
	reUserName  = regexp.MustCompile(`^[^\s:@]+$`)
)

// reRegisterLine is a registration line: [transport://]user[:secret[:authuser]]@host[:port][/contact].
var reRegisterLine = regexp.MustCompile(`^([a-z]+://)?[^\s@/]+@[A-Za-z0-9.\[\]:-]+(/[^\s]*)?$`)

func language(key string) Setting {
	return patternSetting(key, "en_US", 5, reLocaleSetting, "must be a locale such as en_US")
}

// settingsSections declares the sections general_settings/* and queuelogger/configuration
// serve: each key's type, default and rule.
var settingsSections = map[string]*SettingsSection{
	"sip": {Name: "sip", Settings: []Setting{
		intSetting("bindport", 5060, 1, 65535),
		boolSetting("srvlookup", false),
		boolSetting("allowguest", false),
		boolSetting("autocreatepeer", false),
		language("language"),
		enumSetting("nat", "no", "yes", "no", "never", "route", "force_rport", "comedia"),
		boolSetting("allowtransfer", true),
		boolSetting("allowsubscribe", true),
		patternSetting("realm", "xivo", 128, regexp.MustCompile(`^[A-Za-z0-9.-]+$`), "must be a domain name"),
		textSetting("useragent", "XiVO PBX", 80),
		intSetting("minexpiry", 60, 1, 86400),
		intSetting("maxexpiry", 3600, 1, 86400),
		intSetting("defaultexpiry", 120, 1, 86400),
		intSetting("qualifyfreq", 60, 1, 86400),
		enumSetting("dtmfmode", "rfc2833", "rfc2833", "inband", "info", "auto"),
		patternSetting("transport", "udp", 11, regexp.MustCompile(`^(udp|tcp|tls)(,(udp|tcp|tls))*$`), "must be udp, tcp or tls, or a comma-separated combination"),
		boolSetting("callevents", false),
		intSetting("t1min", 100, 10, 10000),
		enumSetting("session-timers", "accept", "accept", "refuse", "originate"),
		intSetting("session-expires", 600, 90, 86400),
		intSetting("session-minse", 90, 90, 86400),
		patternSetting("allow", "", 255, reCodecList, "must be codec names separated by commas"),
		patternSetting("disallow", "all", 255, reCodecList, "must be codec names separated by commas"),
		listSetting("register", 100, 255, reRegisterLine, "must be a registration such as user:secret@host/contact"),
		listSetting("mwi", 100, 255, reRegisterLine, "must be a subscription such as user:secret@host/mailbox"),
		rowsSetting("authentication", 100,
			patternSetting("user", "", 80, reUserName, "must be a user name without spaces, : or @"),
			textSetting("secret", "", 80),
			patternSetting("realm", "", 128, regexp.MustCompile(`^[A-Za-z0-9.-]+$`), "must be a domain name")),
	}},
	"iax": {Name: "iax", Settings: []Setting{
		intSetting("bindport", 4569, 1, 65535),
		boolSetting("delayreject", false),
		language("language"),
		boolSetting("iaxcompat", false),
		boolSetting("authdebug", false),
		boolSetting("trunktimestamps", false),
		enumSetting("requirecalltoken", "auto", "auto", "yes", "no"),
		intSetting("maxauthreq", 3, 1, 100),
		boolSetting("jitterbuffer", false),
		intSetting("maxjitterbuffer", 1000, 0, 10000),
		enumSetting("bandwidth", "high", "low", "medium", "high"),
		enumSetting("encryption", "no", "yes", "no", "aes128"),
		patternSetting("allow", "", 255, reCodecList, "must be codec names separated by commas"),
		patternSetting("disallow", "all", 255, reCodecList, "must be codec names separated by commas"),
		listSetting("register", 100, 255, reRegisterLine, "must be a registration such as user:secret@host"),
		rowsSetting("callnumberlimits", 100,
			patternSetting("destination", "", 39, reIPAddress, "must be an IP address"),
			patternSetting("netmask", "", 39, reIPAddress, "must be an IP address or mask"),
			intSetting("calllimits", 0, 0, 10000)),
	}},
	"sccp": {Name: "sccp", Settings: []Setting{
		boolSetting("directmedia", false),
		intSetting("dialtimeout", 5, 1, 60),
		language("language"),
		intSetting("keepalive", 60, 10, 600),
		patternSetting("allow", "", 255, reCodecList, "must be codec names separated by commas"),
		patternSetting("disallow", "", 255, reCodecList, "must be codec names separated by commas"),
	}},
	"voicemail": {Name: "voicemail", Settings: []Setting{
		intSetting("maxmsg", 100, 1, 9999),
		intSetting("maxsecs", 0, 0, 86400),
		intSetting("minsecs", 0, 0, 86400),
		intSetting("maxgreet", 0, 0, 86400),
		intSetting("maxlogins", 3, 1, 100),
		boolSetting("attach", true),
		boolSetting("deletevoicemail", false),
		boolSetting("saycid", false),
		boolSetting("sayduration", false),
		boolSetting("review", false),
		boolSetting("operator", false),
		boolSetting("envelope", true),
		boolSetting("tempgreetwarn", false),
		patternSetting("format", "wav", 64, reAudioFormats, "must be audio formats separated by | (wav, wav49, gsm, ulaw, alaw, g729)"),
		patternSetting("serveremail", "xivo", 255, regexp.MustCompile(`^[^\s@]+(@[^\s@]+)?$`), "must be an e-mail address or a local user name"),
		textSetting("fromstring", "XiVO PBX", 80),
		enumSetting("charset", "UTF-8", "UTF-8", "ISO-8859-1", "ISO-8859-15"),
		textSetting("emaildateformat", "%A, %B %d, %Y at %r", 64),
		rowsSetting("zonemessages", 100,
			patternSetting("name", "", 64, regexp.MustCompile(`^[a-z0-9_-]+$`), "must be 1-64 characters of a-z, 0-9, _ -"),
			patternSetting("timezone", "", 64, reTimezone, "must be a time zone name such as Europe/Paris"),
			textSetting("msg_format", "", 255)),
	}},
	"phonebook": {Name: "phonebook", Settings: []Setting{
		patternSetting("accessfeatures", "", 1000, reHostList, "must be addresses or networks separated by commas"),
		patternSetting("xivoserver", "", 1000, reHostList, "must be addresses or URLs separated by commas"),
		textSetting("ldapfilter", "", 1000),
	}},
	"advanced": {Name: "advanced", Settings: []Setting{
		boolSetting("generalqueues.persistentmembers", true),
		boolSetting("generalqueues.autofill", true),
		enumSetting("generalqueues.monitor-type", "MixMonitor", "MixMonitor", "Monitor"),
		boolSetting("generalqueues.shared_lastcall", false),
		intSetting("generalmeetme.audiobuffers", 32, 2, 32),
		boolSetting("generalmeetme.schedule", false),
		boolSetting("generalmeetme.logmembercount", false),
		intSetting("generalmeetme.fuzzystart", 300, 0, 3600),
		intSetting("generalmeetme.earlyalert", 3600, 0, 86400),
		intSetting("generalmeetme.endalert", 120, 0, 3600),
		patternSetting("general.timezone", "", 64, reTimezone, "must be a time zone name such as Europe/Paris"),
		intSetting("general.dialtimeout", 60, 1, 300),
		boolSetting("general.hangupcause", false),
		boolSetting("guest_active", false),
	}},
	"extenfeatures":   extenFeaturesSection(),
	"generalfeatures": generalFeaturesSection(),
	"featuremap":      featureMapSection(),
	"queuelogger": {Name: "queuelogger", Settings: []Setting{
		patternSetting("db_uri", "postgresql://asterisk@localhost/asterisk", 255, reDBURI, "must be a URI such as postgresql://user@host/database"),
	}},
}

func init() {
	for _, s := range settingsSections {
		s.byKey = make(map[string]*Setting, len(s.Settings))
		for i := range s.Settings {
			st := &s.Settings[i]
			if st.Check(st.Default) != "" {
				panic("settings: the default of " + s.Name + "." + st.Key + " breaks its own rule")
			}
			s.byKey[st.Key] = st
		}
	}
}

// SettingsSectionNamed is the declaration of a section (nil when there is none).
func SettingsSectionNamed(name string) *SettingsSection { return settingsSections[name] }

// SettingsStore reads and writes the settings sections.
type SettingsStore struct{ db *sqlx.DB }

// Get returns a section's values: the stored ones over the defaults.
func (s *SettingsStore) Get(ctx context.Context, section string) (*Settings, error) {
	return s.read(ctx, s.db, section, "")
}

func (s *SettingsStore) read(ctx context.Context, q sqlx.QueryerContext, section, lock string) (*Settings, error) {
	sec := settingsSections[section]
	if sec == nil {
		return nil, ErrNotFound
	}
	var raw []byte
	if err := sqlx.GetContext(ctx, q, &raw, `SELECT value FROM settings WHERE section = $1`+lock, section); err != nil {
		return nil, err
	}
	stored := map[string]any{}
	if err := json.Unmarshal(raw, &stored); err != nil {
		return nil, err
	}
	out := &Settings{Section: sec, Values: make(map[string]any, len(sec.Settings))}
	for _, st := range sec.Settings {
		out.Values[st.Key] = st.Default
		v, ok := stored[st.Key]
		if !ok {
			continue
		}
		if f, isNum := v.(float64); isNum && st.Kind == SettingInt {
			v = int(f)
		}
		if list, isList := v.([]any); isList && st.Kind == SettingRows {
			v = storedRows(&st, list)
		}
		if list, isList := v.([]any); isList && st.Kind == SettingList {
			items := make([]string, 0, len(list))
			for _, x := range list {
				t, _ := x.(string)
				items = append(items, t)
			}
			v = items
		}
		if st.Check(v) == "" { // a value a later rule refuses falls back to the default
			out.Values[st.Key] = v
		}
	}
	return out, nil
}

// Edit merges an edit onto a section in one transaction that locks its row: every value is
// checked against its declaration (a ValidationError names each bad key), and only the
// values that differ from their defaults are stored.
func (s *SettingsStore) Edit(ctx context.Context, section string, merge func(stored *Settings) (*Settings, error)) error {
	return s.EditSet(ctx, []string{section}, func(set SettingsSet) (SettingsSet, error) {
		merged, err := merge(set[section])
		return SettingsSet{section: merged}, err
	})
}

// SettingsSet is several sections read or written together, by name.
type SettingsSet map[string]*Settings

// GetSet reads several sections.
func (s *SettingsStore) GetSet(ctx context.Context, sections ...string) (SettingsSet, error) {
	set := SettingsSet{}
	for _, name := range sections {
		v, err := s.Get(ctx, name)
		if err != nil {
			return nil, err
		}
		set[name] = v
	}
	return set, nil
}

// EditSet is Edit over several sections in one transaction; errors then name keys under
// their section ("featuremap.featuremap.blindxfer").
func (s *SettingsStore) EditSet(ctx context.Context, sections []string, merge func(stored SettingsSet) (SettingsSet, error)) error {
	for _, name := range sections {
		if settingsSections[name] == nil {
			return ErrNotFound
		}
	}
	return EditLocked(ctx, s.db, func(tx *sqlx.Tx) (SettingsSet, error) {
		set := SettingsSet{}
		for _, name := range sections { // always in the caller's order: no lock cycle
			if _, err := tx.ExecContext(ctx, `INSERT INTO settings (section) VALUES ($1) ON CONFLICT DO NOTHING`, name); err != nil {
				return nil, err
			}
			v, err := s.read(ctx, tx, name, " FOR UPDATE")
			if err != nil {
				return nil, err
			}
			set[name] = v
		}
		return set, nil
	}, merge, func(tx *sqlx.Tx, _, merged SettingsSet) error {
		ve := &ValidationError{}
		stored := map[string][]byte{}
		for _, name := range sections {
			prefix := ""
			if len(sections) > 1 {
				prefix = name + "."
			}
			keep, bad := checkSettings(settingsSections[name], merged[name].Values)
			ve.Merge(prefix, bad)
			b, err := json.Marshal(keep)
			if err != nil {
				return err
			}
			stored[name] = b
		}
		if err := ve.OrNil(); err != nil {
			return err
		}
		for _, name := range sections {
			if _, err := tx.ExecContext(ctx, `UPDATE settings SET value = CAST($2 AS jsonb) WHERE section = $1`, name, string(stored[name])); err != nil {
				return err
			}
		}
		return nil
	})
}

// checkSettings validates a section's values and returns those that differ from their
// defaults.
func checkSettings(sec *SettingsSection, values map[string]any) (map[string]any, *ValidationError) {
	ve := &ValidationError{}
	keep := map[string]any{}
	for k, v := range values {
		st, ok := sec.byKey[k]
		if !ok {
			ve.Add(k, "is not a setting of the "+sec.Name+" section")
			continue
		}
		if rule := st.Check(v); rule != "" {
			ve.Add(k, rule)
			continue
		}
		if !reflect.DeepEqual(v, st.Default) {
			keep[k] = v
		}
	}
	if sec.Rule != nil && len(ve.Fields) == 0 {
		ve.Merge("", sec.Rule(values))
	}
	return keep, ve
}
