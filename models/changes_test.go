package models_test

import (
	"context"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"pbxws/models"
	pbxsql "pbxws/sql"
	"pbxws/tests/testenv"
)

func changeLog(t *testing.T) (*models.Stores, *sqlx.DB) {
	t.Helper()
	ctx := context.Background()
	db, err := pbxsql.Open(ctx, testenv.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st := models.NewStores(db, "pbxws")
	if err := st.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	return st, db
}

func mustCurrent(t *testing.T, st *models.Stores, snap models.Snapshot, want bool, when string) {
	t.Helper()
	got, err := st.Changes.Current(context.Background(), models.ScopeUsers, snap)
	if err != nil {
		t.Fatalf("%s: %v", when, err)
	}
	if got != want {
		t.Fatalf("%s: Current = %v, want %v", when, got, want)
	}
}

func listAt(t *testing.T, st *models.Stores) ([]models.User, models.Snapshot) {
	t.Helper()
	us, snap, err := st.Users.ListAt(context.Background(), st.Changes)
	if err != nil {
		t.Fatal(err)
	}
	return us, snap
}

func TestChangeLogFollowsCommitsOfTheUsersTable(t *testing.T) {
	st, db := changeLog(t)
	ctx := context.Background()
	exec := func(q string) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO users (firstname, lastname) VALUES ('Ann', 'A')`)
	us, snap := listAt(t, st)
	if len(us) != 1 || us[0].FirstName != "Ann" {
		t.Fatalf("list read in the snapshot: %+v", us)
	}
	mustCurrent(t, st, snap, true, "nothing changed")

	// Another table's change, and a rolled-back change of users, leave the list current.
	exec(`INSERT INTO entities (name, displayname) VALUES ('other', 'Other')`)
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET lastname = 'gone'`); err != nil {
		t.Fatal(err)
	}
	_ = tx.Rollback()
	mustCurrent(t, st, snap, true, "after another table's change and a rollback")

	exec(`UPDATE users SET lastname = 'B'`)
	mustCurrent(t, st, snap, false, "after a committed update")
	_, snap = listAt(t, st)
	mustCurrent(t, st, snap, true, "read again")
	exec(`DELETE FROM users`)
	mustCurrent(t, st, snap, false, "after a delete")
}

// A writer that began before a read and commits after it: the read did not see its change,
// so the read must stop being current when it commits, not when it began. A counter bumped
// by the writer would already have been read by then and miss this.
func TestChangeLogCatchesAWriterCommittingAfterTheRead(t *testing.T) {
	st, db := changeLog(t)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `INSERT INTO users (firstname, lastname) VALUES ('Ann', 'A')`); err != nil {
		t.Fatal(err)
	}
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE users SET lastname = 'late'`); err != nil {
		t.Fatal(err)
	}
	us, snap := listAt(t, st)
	if us[0].LastName != "A" {
		t.Fatalf("the read saw an uncommitted change: %+v", us[0])
	}
	mustCurrent(t, st, snap, true, "while the writer is still open")
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	mustCurrent(t, st, snap, false, "once the writer committed")
}

func TestChangeLogPruneKeepsAnswersOnlyAfterTheHorizon(t *testing.T) {
	st, db := changeLog(t)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if _, err := db.ExecContext(ctx, `INSERT INTO users (firstname, lastname) VALUES ('Ann', 'A')`); err != nil {
			t.Fatal(err)
		}
	}
	_, old := listAt(t, st)
	// A transaction after the read moves the horizon past the old snapshot's xmin.
	if _, err := db.ExecContext(ctx, `INSERT INTO entities (name, displayname) VALUES ('e2', 'E2')`); err != nil {
		t.Fatal(err)
	}
	// The horizon is the oldest transaction running in the whole cluster (other test
	// packages share it): prune until it has passed the old snapshot.
	deadline := time.Now().Add(20 * time.Second)
	for {
		if err := st.Changes.Prune(ctx); err != nil {
			t.Fatal(err)
		}
		var passed bool
		if err := db.GetContext(ctx, &passed, `SELECT horizon > pg_snapshot_xmin($1::pg_snapshot) FROM data_changes_horizon`, string(old)); err != nil {
			t.Fatal(err)
		}
		if passed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the pruning horizon did not pass a finished snapshot")
		}
		time.Sleep(50 * time.Millisecond)
	}
	var rows int
	if err := db.GetContext(ctx, &rows, `SELECT count(*) FROM data_changes WHERE txid < (SELECT horizon FROM data_changes_horizon)`); err != nil {
		t.Fatal(err)
	}
	if rows != 0 {
		t.Fatalf("%d change rows older than the horizon left after pruning", rows)
	}
	mustCurrent(t, st, old, false, "a snapshot older than the horizon")
	_, fresh := listAt(t, st)
	mustCurrent(t, st, fresh, true, "a snapshot taken after pruning")
	if _, err := db.ExecContext(ctx, `UPDATE users SET firstname = 'Bob' WHERE id = (SELECT min(id) FROM users)`); err != nil {
		t.Fatal(err)
	}
	mustCurrent(t, st, fresh, false, "a change after pruning")
}
