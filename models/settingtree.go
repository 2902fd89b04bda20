package models

// Settings trees (sipx-api.md §3): the one engine behind every sipX "…/settings" resource.
//
// A definition is a SettingTree of groups and leaves, written in Go with TreeGroup and the
// leaf constructors (TreeStr, TreeInt, TreeReal, TreeBool, TreeEnum,
// TreeMultiEnum) refined by their methods (Def, Range, AtLeast, MaxLength, Match, Secret,
// Require, Hide, ReadOnly, Describe, Literals):
//
//	var orbitTree = models.NewSettingTree(
//		models.TreeGroup("general", "General",
//			models.TreeBool("enableTimeout", "Enable timeout").Def("0"),
//			models.TreeInt("parkTimeout", "Timeout").Def("120").Range(30, 300)))
//
// An owner kind (SettingsOwner) says whose values a tree holds:
//   - Name is the kind stored with every override ("phone", "gateway", "service:moh");
//   - Resolve finds an owner from the reference a URL carries (an id, a MAC, a name), returns
//     its canonical id and its tree (phones: their model's), ErrNotFound when there is none;
//     with lock set it runs in the write's transaction and must lock the owner's row
//     (SELECT … FOR UPDATE) so that two writes of one owner run one after the other;
//   - Inherited (optional) gives the values an owner takes before the defaults (a phone's
//     groups', highest weight first);
//   - Mirror (optional) serves the paths that are canonical columns (a gateway's user name is
//     the trunk's): they are read from and written to the columns, never stored twice;
//   - Announce (optional) names the section under which every change is recorded in
//     host_config_changes and notified on PBXControlChannel, in the write's transaction;
//   - AfterWrite (optional) runs last in every write's transaction (a cache's NOTIFY);
//   - Effective (optional) gives, on reads, every value of an owner that is not a default
//     (its overrides over its inherited values) in one go, instead of Inherited, Mirror and
//     the stored overrides read one after the other: for owners read often (phones).
//
// ServiceSettings makes the kind of a service's settings (one owner). SettingsTreeStore reads
// effective values (override, else mirrored column, else inherited, else default) and writes
// overrides: every write validates all its values first (all or nothing) and runs in one
// transaction. Overrides live in setting_values (migration 0091), keyed by kind, owner id and
// path; DropSettings removes an owner's in the transaction that deletes the owner.
// handlers.SettingsResource serves the HTTP side of a kind.

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
)

// TreeType is a leaf's type.
type TreeType string

// The leaf types of §3.1.
const (
	TreeTypeString    TreeType = "string"
	TreeTypeInteger   TreeType = "integer"
	TreeTypeReal      TreeType = "real"
	TreeTypeBoolean   TreeType = "boolean"
	TreeTypeEnum      TreeType = "enum"
	TreeTypeMultiEnum TreeType = "multiEnum"
	TreeTypeFile      TreeType = "file"
)

// secretShown stands for a password's value in announcements (the audit table, the notice).
var secretShown = "********"

// settingValueMax bounds any stored value that states no length of its own.
const settingValueMax = 4096

// SettingOption is one value of an enumeration and what people read for it.
type SettingOption struct{ Value, Label string }

// TreeSetting is a group (Type "") or a leaf of a definition.
type TreeSetting struct {
	Name               string
	Type               TreeType
	Label, Description string
	Children           []*TreeSetting
	// Default is the value a leaf has without an override (nil: none).
	Default  *string
	Min, Max *float64
	// MaxLen bounds a string's length in characters (0: settingValueMax).
	MaxLen  int
	Pattern *regexp.Regexp
	// Password leaves are secrets; Required ones refuse an empty value; Hidden ones are never
	// listed nor addressable.
	Password, Required, Hidden bool
	// ReadOnlyWhy, when not empty, makes the leaf read-only and says where its value comes
	// from (the configuration flag): writes are refused with 409.
	ReadOnlyWhy string
	// True and False are the boolean literals ("1"/"0" unless stated).
	True, False string
	Options     []SettingOption

	path string
}

// TreeGroup is a group of settings.
func TreeGroup(name, label string, children ...*TreeSetting) *TreeSetting {
	return &TreeSetting{Name: name, Label: label, Children: children}
}

func treeLeaf(t TreeType, name, label string) *TreeSetting {
	return &TreeSetting{Name: name, Type: t, Label: label}
}

// TreeStr is a string leaf.
func TreeStr(name, label string) *TreeSetting { return treeLeaf(TreeTypeString, name, label) }

// TreeInt is an integer leaf.
func TreeInt(name, label string) *TreeSetting { return treeLeaf(TreeTypeInteger, name, label) }

// TreeReal is a real-number leaf.
func TreeReal(name, label string) *TreeSetting { return treeLeaf(TreeTypeReal, name, label) }

// TreeBool is a boolean leaf whose literals are "1" and "0" (Literals changes them).
func TreeBool(name, label string) *TreeSetting {
	s := treeLeaf(TreeTypeBoolean, name, label)
	s.True, s.False = "1", "0"
	return s
}

// TreeEnum is an enumeration leaf; options alternate values and labels.
func TreeEnum(name, label string, options ...string) *TreeSetting {
	s := treeLeaf(TreeTypeEnum, name, label)
	s.Options = treeOptions(options)
	return s
}

// TreeMultiEnum is a leaf holding several values of an enumeration, comma-separated.
func TreeMultiEnum(name, label string, options ...string) *TreeSetting {
	s := treeLeaf(TreeTypeMultiEnum, name, label)
	s.Options = treeOptions(options)
	return s
}

func treeOptions(vl []string) []SettingOption {
	if len(vl)%2 != 0 {
		panic("settings: options must come as value, label pairs")
	}
	out := make([]SettingOption, 0, len(vl)/2)
	for i := 0; i < len(vl); i += 2 {
		out = append(out, SettingOption{Value: vl[i], Label: vl[i+1]})
	}
	return out
}

// Def sets the default value.
func (s *TreeSetting) Def(v string) *TreeSetting { s.Default = &v; return s }

// Describe sets the description.
func (s *TreeSetting) Describe(d string) *TreeSetting { s.Description = d; return s }

// Range bounds a number.
func (s *TreeSetting) Range(lo, hi float64) *TreeSetting { s.Min, s.Max = &lo, &hi; return s }

// AtLeast bounds a number from below only.
func (s *TreeSetting) AtLeast(lo float64) *TreeSetting { s.Min = &lo; return s }

// MaxLength bounds a string's length.
func (s *TreeSetting) MaxLength(n int) *TreeSetting { s.MaxLen = n; return s }

// Match requires a string to match the whole of pattern.
func (s *TreeSetting) Match(pattern string) *TreeSetting {
	s.Pattern = regexp.MustCompile(`^(?:` + pattern + `)$`)
	return s
}

// Secret marks a password.
func (s *TreeSetting) Secret() *TreeSetting { s.Password = true; return s }

// Require refuses an empty value.
func (s *TreeSetting) Require() *TreeSetting { s.Required = true; return s }

// Hide makes the setting (and a group's leaves) invisible.
func (s *TreeSetting) Hide() *TreeSetting { s.Hidden = true; return s }

// ReadOnly makes the leaf read-only; why names where its value comes from.
func (s *TreeSetting) ReadOnly(why string) *TreeSetting { s.ReadOnlyWhy = why; return s }

// Literals sets a boolean's two literals.
func (s *TreeSetting) Literals(t, f string) *TreeSetting { s.True, s.False = t, f; return s }

// Path is the leaf's or group's path from the root ("itsp-account/user-name").
func (s *TreeSetting) Path() string { return s.path }

// IsGroup says whether the setting is a group.
func (s *TreeSetting) IsGroup() bool { return s.Type == "" }

// SettingTree is a definition: its roots and an index by path.
type SettingTree struct {
	byPath map[string]*TreeSetting
	leaves []*TreeSetting // visible leaves, depth first
}

// NewSettingTree indexes a definition. Definitions are code: a path defined twice panics.
func NewSettingTree(roots ...*TreeSetting) *SettingTree {
	t := &SettingTree{byPath: map[string]*TreeSetting{}}
	seen := map[string]bool{}
	var walk func(prefix string, ss []*TreeSetting, hidden bool)
	walk = func(prefix string, ss []*TreeSetting, hidden bool) {
		for _, s := range ss {
			s.path = prefix + s.Name
			if seen[s.path] {
				panic("settings: path defined twice: " + s.path)
			}
			seen[s.path] = true
			hide := hidden || s.Hidden
			if !hide {
				t.byPath[s.path] = s
			}
			if s.IsGroup() {
				walk(s.path+"/", s.Children, hide)
			} else if !hide {
				t.leaves = append(t.leaves, s)
			}
		}
	}
	walk("", roots, false)
	return t
}

// Find is the visible group or leaf at path.
func (t *SettingTree) Find(path string) (*TreeSetting, bool) {
	s, ok := t.byPath[path]
	return s, ok
}

// Leaves are the visible leaves under s (every leaf when s is nil), depth first.
func (t *SettingTree) Leaves(s *TreeSetting) []*TreeSetting {
	if s == nil {
		return t.leaves
	}
	if !s.IsGroup() {
		return []*TreeSetting{s}
	}
	var out []*TreeSetting
	for _, l := range t.leaves {
		if strings.HasPrefix(l.path, s.path+"/") {
			out = append(out, l)
		}
	}
	return out
}

// Literal is the stored form of a boolean.
func (s *TreeSetting) Literal(b bool) string {
	if b {
		return s.True
	}
	return s.False
}

// Bool reads a boolean's value (false for nil or anything but the true literal).
func (s *TreeSetting) Bool(v *string) bool { return v != nil && *v == s.True }

// Normalize checks a new value for the leaf and returns what is stored: booleans as the
// leaf's literals, integers as written without spaces. nil or "" is no value (refused when
// Required). The error is a ValidationError naming the path.
func (s *TreeSetting) Normalize(v *string) (*string, error) {
	bad := func(rule string) (*string, error) { return nil, Invalid(s.path, rule) }
	if v == nil || *v == "" {
		if s.Required {
			return bad("is required")
		}
		return nil, nil
	}
	x := *v
	if !utf8.ValidString(x) || strings.ContainsRune(x, 0) {
		return bad("must be UTF-8 text without NUL")
	}
	switch s.Type {
	case TreeTypeInteger, TreeTypeReal:
		x = strings.TrimSpace(x)
		var f float64
		if s.Type == TreeTypeInteger {
			n, err := strconv.ParseInt(x, 10, 64)
			if err != nil {
				return bad("must be an integer")
			}
			f, x = float64(n), strconv.FormatInt(n, 10)
		} else {
			var err error
			if f, err = strconv.ParseFloat(x, 64); err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return bad("must be a number")
			}
		}
		if s.Min != nil && f < *s.Min || s.Max != nil && f > *s.Max {
			return bad("must be between " + treeBound(s.Min, "-∞") + " and " + treeBound(s.Max, "∞"))
		}
	case TreeTypeBoolean:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case strings.ToLower(s.True), "true", "1":
			x = s.True
		case strings.ToLower(s.False), "false", "0":
			x = s.False
		default:
			return bad("must be " + s.True + " or " + s.False)
		}
	case TreeTypeEnum:
		if !s.hasOption(x) {
			return bad("must be one of " + s.optionList())
		}
	case TreeTypeMultiEnum:
		for _, part := range strings.Split(x, ",") {
			if !s.hasOption(strings.TrimSpace(part)) {
				return bad("must be a comma-separated list of " + s.optionList())
			}
		}
	default:
		max := s.MaxLen
		if max == 0 {
			max = settingValueMax
		}
		if utf8.RuneCountInString(x) > max {
			return bad(fmt.Sprintf("must be at most %d characters", max))
		}
		if s.Pattern != nil && !s.Pattern.MatchString(x) {
			return bad("must match " + strings.TrimSuffix(strings.TrimPrefix(s.Pattern.String(), "^(?:"), ")$"))
		}
	}
	return &x, nil
}

func treeBound(f *float64, none string) string {
	if f == nil {
		return none
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}

func (s *TreeSetting) hasOption(v string) bool {
	for _, o := range s.Options {
		if o.Value == v {
			return true
		}
	}
	return false
}

func (s *TreeSetting) optionList() string {
	vs := make([]string, len(s.Options))
	for i, o := range s.Options {
		vs[i] = o.Value
	}
	return strings.Join(vs, ", ")
}

// SettingsOwner is an owner kind: see the top of this file.
type SettingsOwner struct {
	Name       string
	Resolve    func(ctx context.Context, q sqlx.QueryerContext, ref string, lock bool) (id string, tree *SettingTree, err error)
	Inherited  func(ctx context.Context, q sqlx.QueryerContext, id string) (map[string]*string, error)
	Mirror     *SettingMirror
	Announce   string
	AfterWrite func(ctx context.Context, tx *sqlx.Tx, id string) error
	Effective  func(ctx context.Context, q sqlx.QueryerContext, id string) (map[string]*string, error)
}

// SettingMirror serves the paths that are canonical columns.
type SettingMirror struct {
	// Paths are the mirrored leaves.
	Paths []string
	// Read gives the owner's values of those paths (a path absent or nil: the default).
	Read func(ctx context.Context, q sqlx.QueryerContext, id string) (map[string]*string, error)
	// Write stores new values (nil: back to the default) in the write's transaction.
	Write func(ctx context.Context, tx *sqlx.Tx, id string, values map[string]*string) error
}

func (m *SettingMirror) has(path string) bool {
	if m == nil {
		return false
	}
	for _, p := range m.Paths {
		if p == path {
			return true
		}
	}
	return false
}

// SettingValue is a leaf with its effective value.
type SettingValue struct {
	*TreeSetting
	Value *string
}

// SettingWrite is one new value (nil: no value).
type SettingWrite struct {
	Path  string
	Value *string
}

// UnknownSettingError names a path the owner's tree does not have (or hides).
type UnknownSettingError struct{ Path string }

func (e *UnknownSettingError) Error() string { return e.Path + ": no such setting" }

// ReadOnlySettingError is a write to a read-only leaf.
type ReadOnlySettingError struct {
	Path, Why string
}

func (e *ReadOnlySettingError) Error() string {
	return e.Path + " is read-only: its value comes from " + e.Why
}

// SettingsTreeStore reads and writes settings of every owner kind.
type SettingsTreeStore struct{ db *sqlx.DB }

// Read gives the effective values of the leaves at path ("" for all): one leaf (isLeaf), or
// every leaf of a group. ErrNotFound for a missing owner, UnknownSettingError for a path the
// tree does not have.
func (s *SettingsTreeStore) Read(ctx context.Context, k *SettingsOwner, ref, path string) (vals []SettingValue, isLeaf bool, err error) {
	id, tree, err := k.Resolve(ctx, s.db, ref, false)
	if err != nil {
		return nil, false, err
	}
	var at *TreeSetting
	if path != "" {
		var ok bool
		if at, ok = tree.Find(path); !ok {
			return nil, false, &UnknownSettingError{Path: path}
		}
	}
	leaves := tree.Leaves(at)
	eff, err := s.effective(ctx, s.db, k, id)
	if err != nil {
		return nil, false, err
	}
	vals = make([]SettingValue, len(leaves))
	for i, l := range leaves {
		v, ok := eff[l.path]
		if !ok {
			v = l.Default
		}
		vals[i] = SettingValue{TreeSetting: l, Value: v}
	}
	return vals, at != nil && !at.IsGroup(), nil
}

// effective are the owner's values that are not defaults: inherited, then mirrored columns
// and overrides on top.
func (s *SettingsTreeStore) effective(ctx context.Context, q sqlx.QueryerContext, k *SettingsOwner, id string) (map[string]*string, error) {
	if k.Effective != nil {
		return k.Effective(ctx, q, id)
	}
	eff := map[string]*string{}
	if k.Inherited != nil {
		in, err := k.Inherited(ctx, q, id)
		if err != nil {
			return nil, err
		}
		for p, v := range in {
			eff[p] = v
		}
	}
	if k.Mirror != nil {
		m, err := k.Mirror.Read(ctx, q, id)
		if err != nil {
			return nil, err
		}
		for p, v := range m {
			if v != nil {
				eff[p] = v
			}
		}
	}
	own, err := s.Overrides(ctx, q, k.Name, id)
	for p, v := range own {
		eff[p] = v
	}
	return eff, err
}

// Write stores new values for the owner's leaves, all or nothing: an unknown path is an
// UnknownSettingError, a group a ValidationError ("not a setting"), a read-only leaf a
// ReadOnlySettingError, an invalid value a ValidationError naming the path.
func (s *SettingsTreeStore) Write(ctx context.Context, k *SettingsOwner, ref string, ws []SettingWrite) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		id, tree, err := k.Resolve(ctx, tx, ref, true)
		if err != nil {
			return err
		}
		norm := make([]SettingWrite, 0, len(ws))
		for _, w := range ws {
			l, ok := tree.Find(w.Path)
			switch {
			case !ok:
				return &UnknownSettingError{Path: w.Path}
			case l.IsGroup():
				return Invalid(w.Path, "not a setting")
			case l.ReadOnlyWhy != "":
				return &ReadOnlySettingError{Path: w.Path, Why: l.ReadOnlyWhy}
			}
			v, err := l.Normalize(w.Value)
			if err != nil {
				return err
			}
			norm = append(norm, SettingWrite{Path: w.Path, Value: v})
		}
		return s.store(ctx, tx, k, tree, id, norm, false)
	})
}

// Reset puts the leaf at path, or every writable leaf of the group at path, back to its
// default. Errors as Write's.
func (s *SettingsTreeStore) Reset(ctx context.Context, k *SettingsOwner, ref, path string) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		id, tree, err := k.Resolve(ctx, tx, ref, true)
		if err != nil {
			return err
		}
		at, ok := tree.Find(path)
		if !ok {
			return &UnknownSettingError{Path: path}
		}
		if !at.IsGroup() && at.ReadOnlyWhy != "" {
			return &ReadOnlySettingError{Path: path, Why: at.ReadOnlyWhy}
		}
		var ws []SettingWrite
		for _, l := range tree.Leaves(at) {
			if l.ReadOnlyWhy == "" {
				ws = append(ws, SettingWrite{Path: l.path})
			}
		}
		return s.store(ctx, tx, k, tree, id, ws, true)
	})
}

// store writes checked values in tx: mirrored paths through the mirror, the others as
// overrides (a reset drops them; a write stores the value, nil included).
func (s *SettingsTreeStore) store(ctx context.Context, tx *sqlx.Tx, k *SettingsOwner, tree *SettingTree, id string, ws []SettingWrite, reset bool) error {
	mirrored := map[string]*string{}
	changed := map[string]*string{} // what the announcement says: a secret's value never
	for _, w := range ws {
		changed[w.Path] = w.Value
		if l, ok := tree.Find(w.Path); ok && l.Password && w.Value != nil {
			changed[w.Path] = &secretShown
		}
		if k.Mirror.has(w.Path) {
			mirrored[w.Path] = w.Value
			continue
		}
		var err error
		if reset {
			_, err = tx.ExecContext(ctx, `DELETE FROM setting_values WHERE owner_kind = $1 AND owner_id = $2 AND path = $3`, k.Name, id, w.Path)
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO setting_values (owner_kind, owner_id, path, value) VALUES ($1, $2, $3, $4)
				ON CONFLICT (owner_kind, owner_id, path) DO UPDATE SET value = EXCLUDED.value`, k.Name, id, w.Path, w.Value)
		}
		if err != nil {
			return err
		}
	}
	if len(mirrored) > 0 {
		if err := k.Mirror.Write(ctx, tx, id, mirrored); err != nil {
			return err
		}
	}
	if k.Announce != "" && len(changed) > 0 {
		op := "edit"
		if reset {
			op = "reset"
		}
		if err := announceHostChange(ctx, tx, k.Announce, op, id, changed); err != nil {
			return err
		}
	}
	if k.AfterWrite != nil {
		return k.AfterWrite(ctx, tx, id)
	}
	return nil
}

// Overrides are the values stored for an owner, path → value (nil: stored as no value): what
// an Inherited function reads of the owners others inherit from (phone groups).
func (s *SettingsTreeStore) Overrides(ctx context.Context, q sqlx.QueryerContext, kind, id string) (map[string]*string, error) {
	rows, err := q.QueryxContext(ctx, `SELECT path, value FROM setting_values WHERE owner_kind = $1 AND owner_id = $2`, kind, id)
	return pathValues(rows, err)
}

// pathValues reads rows of (path, value) into a map, closing them; err is the query's.
func pathValues(rows *sqlx.Rows, err error) (map[string]*string, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]*string{}
	for rows.Next() {
		var p string
		var v *string
		if err := rows.Scan(&p, &v); err != nil {
			return nil, err
		}
		out[p] = v
	}
	return out, rows.Err()
}

// DropSettings removes every override of an owner, in the transaction deleting it.
func DropSettings(ctx context.Context, tx *sqlx.Tx, kind, id string) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM setting_values WHERE owner_kind = $1 AND owner_id = $2`, kind, id)
	return err
}

// ServiceSettings is the owner kind of a service's settings: one owner (id "1", whatever the
// reference), stored overrides, announced on PBXControlChannel as section "settings/<name>"
// when announce is set.
func ServiceSettings(name string, tree *SettingTree, announce bool) *SettingsOwner {
	k := &SettingsOwner{
		Name: "service:" + name,
		Resolve: func(ctx context.Context, q sqlx.QueryerContext, _ string, lock bool) (string, *SettingTree, error) {
			if lock {
				// One service's writes run one after the other.
				rows, err := q.QueryxContext(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, "settings:"+name)
				if err != nil {
					return "", nil, err
				}
				rows.Close()
			}
			return "1", tree, nil
		},
	}
	if announce {
		k.Announce = "settings/" + name
	}
	return k
}
