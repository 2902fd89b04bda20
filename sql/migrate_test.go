package sql_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	pbxsql "pbxws/sql"
	"pbxws/tests/testenv"
)

func TestEmbeddedMigrationsAreOrdered(t *testing.T) {
	ms, err := pbxsql.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) < 3 || ms[0].Version != 1 {
		t.Fatalf("migrations %v", ms)
	}
	for i := 1; i < len(ms); i++ {
		if ms[i].Version <= ms[i-1].Version {
			t.Fatalf("%s after %s", ms[i].Name, ms[i-1].Name)
		}
	}
}

func TestParseMigrationsRefusesBadNames(t *testing.T) {
	for name, files := range map[string]fstest.MapFS{
		"no number": {"m/core.sql": {Data: []byte("")}},
		"duplicate": {"m/0001_a.sql": {Data: []byte("")}, "m/0001_b.sql": {Data: []byte("")}},
		"zero":      {"m/0000_a.sql": {Data: []byte("")}},
	} {
		if _, err := pbxsql.ParseMigrations(files, "m"); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	ms, err := pbxsql.ParseMigrations(fstest.MapFS{"m/0002_b.sql": {Data: []byte("B")}, "m/0001_a.sql": {Data: []byte("A")}, "m/README": {}}, "m")
	if err != nil || len(ms) != 2 || ms[0].SQL != "A" || ms[1].Name != "0002_b.sql" {
		t.Fatalf("%v %v", ms, err)
	}
}

func TestMigrateIsIdempotentAndRecorded(t *testing.T) {
	dsn := testenv.NewDatabase(t) // already migrated from the template
	ctx := context.Background()
	db, err := pbxsql.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := pbxsql.Migrate(ctx, db); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	ms, _ := pbxsql.Migrations()
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM schema_migrations`); err != nil || n != len(ms) {
		t.Fatalf("schema_migrations has %d rows, want %d (%v)", n, len(ms), err)
	}
}

func TestOpenAddsSSLModeAndFailsClearly(t *testing.T) {
	_, err := pbxsql.Open(context.Background(), "host=/nonexistent-socket-dir port=5 user=x dbname=y")
	if err == nil || !strings.Contains(err.Error(), "nonexistent-socket-dir") {
		t.Fatalf("Open to nowhere: %v", err)
	}
}
