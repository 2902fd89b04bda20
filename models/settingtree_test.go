package models_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jmoiron/sqlx"

	"pbxws/models"
	pbxsql "pbxws/sql"
	"pbxws/tests/testenv"
)

func ptr(s string) *string { return &s }

// widgetOwner is an owner kind over a table of the test's own: widgets with one mirrored
// column (name ↔ "general/name") and a parent whose overrides they inherit.
func widgetOwner(t *testing.T, db *sqlx.DB, st *models.SettingsTreeStore, tree *models.SettingTree) *models.SettingsOwner {
	t.Helper()
	if _, err := db.Exec(`CREATE TABLE widgets (id text PRIMARY KEY, name text, parent text)`); err != nil {
		t.Fatal(err)
	}
	return &models.SettingsOwner{
		Name: "widget",
		Resolve: func(ctx context.Context, q sqlx.QueryerContext, ref string, lock bool) (string, *models.SettingTree, error) {
			query := `SELECT id FROM widgets WHERE id = $1`
			if lock {
				query += ` FOR UPDATE`
			}
			var id string
			if err := sqlx.GetContext(ctx, q, &id, query, ref); err != nil {
				return "", nil, models.ErrNotFound
			}
			return id, tree, nil
		},
		Inherited: func(ctx context.Context, q sqlx.QueryerContext, id string) (map[string]*string, error) {
			var parent *string
			if err := sqlx.GetContext(ctx, q, &parent, `SELECT parent FROM widgets WHERE id = $1`, id); err != nil || parent == nil {
				return nil, err
			}
			return st.Overrides(ctx, q, "widget-parent", *parent)
		},
		Mirror: &models.SettingMirror{
			Paths: []string{"general/name"},
			Read: func(ctx context.Context, q sqlx.QueryerContext, id string) (map[string]*string, error) {
				var name *string
				err := sqlx.GetContext(ctx, q, &name, `SELECT name FROM widgets WHERE id = $1`, id)
				return map[string]*string{"general/name": name}, err
			},
			Write: func(ctx context.Context, tx *sqlx.Tx, id string, vs map[string]*string) error {
				_, err := tx.ExecContext(ctx, `UPDATE widgets SET name = $2 WHERE id = $1`, id, vs["general/name"])
				return err
			},
		},
		Announce: "settings/widget",
	}
}

func TestSettingsTreeStoreReadsWritesAndResets(t *testing.T) {
	db, err := pbxsql.Open(context.Background(), testenv.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	st := models.NewStores(db, "test").SettingTrees
	tree := models.NewSettingTree(
		models.TreeGroup("general", "General",
			models.TreeStr("name", "Name").MaxLength(8),
			models.TreeInt("timeout", "Timeout").Def("120").Range(30, 300),
			models.TreeBool("enabled", "Enabled").Literals("true", "false").Def("false"),
			models.TreeEnum("mode", "Mode", "A", "Mode A", "B", "Mode B").Def("A"),
			models.TreeStr("port", "Port").ReadOnly("the -sip-listen flag").Def("5060"),
			models.TreeStr("secret", "Secret").Hide(),
			models.TreeStr("pin", "PIN").Secret()),
		models.TreeGroup("extra", "Extra",
			models.TreeMultiEnum("days", "Days", "mon", "Monday", "tue", "Tuesday"),
			models.TreeStr("key", "Key").Match(`[*#0-9]`).Def("0")))
	k := widgetOwner(t, db, st, tree)
	if _, err := db.Exec(`INSERT INTO widgets VALUES ('w1', 'first', 'p1'), ('w2', NULL, NULL)`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO setting_values VALUES ('widget-parent', 'p1', 'general/timeout', '200')`); err != nil {
		t.Fatal(err)
	}

	vals, leaf, err := st.Read(ctx, k, "w1", "")
	if err != nil || leaf || len(vals) != 8 {
		t.Fatalf("Read all: %v %v %d", err, leaf, len(vals))
	}
	want := map[string]string{"general/name": "first", "general/timeout": "200", "general/enabled": "false", "general/mode": "A", "general/port": "5060", "extra/key": "0"}
	for _, v := range vals {
		if w, ok := want[v.Path()]; ok != (v.Value != nil) || ok && *v.Value != w {
			t.Errorf("%s = %v, want %q", v.Path(), v.Value, w)
		}
	}
	if _, _, err := st.Read(ctx, k, "w1", "general/secret"); !errors.As(err, new(*models.UnknownSettingError)) {
		t.Errorf("a hidden leaf must not be found: %v", err)
	}
	if _, _, err := st.Read(ctx, k, "nope", ""); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("missing owner: %v", err)
	}

	// A bulk write is all or nothing: the bad second value leaves the first unwritten.
	err = st.Write(ctx, k, "w1", []models.SettingWrite{{Path: "general/timeout", Value: ptr("60")}, {Path: "general/timeout2", Value: ptr("1")}})
	if !errors.As(err, new(*models.UnknownSettingError)) {
		t.Fatalf("unknown path: %v", err)
	}
	for _, bad := range []models.SettingWrite{
		{Path: "general/timeout", Value: ptr("29")}, {Path: "general/timeout", Value: ptr("x")},
		{Path: "general/enabled", Value: ptr("yes")}, {Path: "general/mode", Value: ptr("C")},
		{Path: "extra/days", Value: ptr("mon,wed")}, {Path: "extra/key", Value: ptr("12")},
		{Path: "general/name", Value: ptr("ninechars")}, {Path: "general", Value: ptr("x")},
	} {
		var ve *models.ValidationError
		if err := st.Write(ctx, k, "w1", []models.SettingWrite{{Path: "general/timeout", Value: ptr("60")}, bad}); !errors.As(err, &ve) || ve.Fields[bad.Path] == "" {
			t.Errorf("%s=%q: %v", bad.Path, *bad.Value, err)
		}
	}
	if err := st.Write(ctx, k, "w1", []models.SettingWrite{{Path: "general/port", Value: ptr("5070")}}); !errors.As(err, new(*models.ReadOnlySettingError)) {
		t.Errorf("read-only: %v", err)
	}
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM setting_values WHERE owner_kind = 'widget'`); err != nil || n != 0 {
		t.Fatalf("refused writes stored %d overrides (%v)", n, err)
	}

	if err := st.Write(ctx, k, "w1", []models.SettingWrite{
		{Path: "general/timeout", Value: ptr(" 60")}, {Path: "general/enabled", Value: ptr("1")},
		{Path: "general/name", Value: ptr("second")}, {Path: "extra/days", Value: ptr("mon,tue")},
		{Path: "general/pin", Value: ptr("4321")},
	}); err != nil {
		t.Fatal(err)
	}
	got := map[string]*string{}
	if err := func() error {
		rows, err := db.Query(`SELECT path, value FROM setting_values WHERE owner_kind = 'widget' AND owner_id = 'w1'`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var p string
			var v *string
			if err := rows.Scan(&p, &v); err != nil {
				return err
			}
			got[p] = v
		}
		return rows.Err()
	}(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || *got["general/pin"] != "4321" || *got["general/timeout"] != "60" || *got["general/enabled"] != "true" || *got["extra/days"] != "mon,tue" {
		t.Errorf("stored overrides: %v", got)
	}
	var name *string
	if err := db.Get(&name, `SELECT name FROM widgets WHERE id = 'w1'`); err != nil || name == nil || *name != "second" {
		t.Errorf("the mirrored column: %v %v", name, err)
	}
	var changes int
	if err := db.Get(&changes, `SELECT count(*) FROM host_config_changes WHERE section = 'settings/widget' AND object_id = 'w1'`); err != nil || changes != 1 {
		t.Errorf("announced changes: %d (%v)", changes, err)
	}
	// The announcement never shows a secret.
	var pin string
	if err := db.Get(&pin, `SELECT value->>'general/pin' FROM host_config_changes WHERE section = 'settings/widget'`); err != nil || pin != "********" {
		t.Errorf("the announced PIN: %q (%v)", pin, err)
	}

	// Resetting the group drops its overrides and clears the mirror; the inherited value shows.
	if err := st.Reset(ctx, k, "w1", "general"); err != nil {
		t.Fatal(err)
	}
	vals, leaf, err = st.Read(ctx, k, "w1", "general/timeout")
	if err != nil || !leaf || len(vals) != 1 || *vals[0].Value != "200" {
		t.Fatalf("after reset: %v %v %+v", err, leaf, vals)
	}
	if err := db.Get(&name, `SELECT name FROM widgets WHERE id = 'w1'`); err != nil || name != nil {
		t.Errorf("the mirrored column after reset: %v %v", name, err)
	}
	if err := st.Reset(ctx, k, "w1", "general/port"); !errors.As(err, new(*models.ReadOnlySettingError)) {
		t.Errorf("reset of a read-only leaf: %v", err)
	}
	if err := db.Get(&n, `SELECT count(*) FROM setting_values WHERE owner_kind = 'widget'`); err != nil || n != 1 {
		t.Errorf("after the reset %d overrides remain, want extra/days only (%v)", n, err)
	}
	// An empty value is stored as no value, which is not the default.
	if err := st.Write(ctx, k, "w2", []models.SettingWrite{{Path: "extra/key", Value: ptr("")}}); err != nil {
		t.Fatal(err)
	}
	if vals, _, err = st.Read(ctx, k, "w2", "extra/key"); err != nil || vals[0].Value != nil {
		t.Errorf("an emptied leaf: %+v %v", vals, err)
	}
}

func TestSettingTreeDefinitions(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a path defined twice must panic")
		}
	}()
	models.NewSettingTree(models.TreeGroup("a", "A", models.TreeStr("b", "B")), models.TreeGroup("a", "A again"))
}
