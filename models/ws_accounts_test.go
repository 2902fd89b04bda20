package models_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"
	"golang.org/x/crypto/bcrypt"

	"pbxws/models"
	pbxsql "pbxws/sql"
	"pbxws/tests/testenv"
)

func wsAccountStore(t *testing.T) (*models.WSAccountStore, string) {
	t.Helper()
	dsn := testenv.NewDatabase(t)
	db, err := pbxsql.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &models.WSAccountStore{DB: db}, dsn
}

func bcryptOf(t *testing.T, p string) string {
	h, err := bcrypt.GenerateFromPassword([]byte(p), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

func TestWSAccountStoreRoundTripsAndStoresNoLoginAsNULL(t *testing.T) {
	st, _ := wsAccountStore(t)
	ctx := context.Background()
	admin := &models.WSAccount{Name: "admin", Login: "Admin", PasswordHash: bcryptOf(t, "secret"),
		Sections: []string{"service/ipbx"}, Description: "ops"}
	robot := &models.WSAccount{Name: "robot", Hosts: []string{"192.0.2.5", "pbx.example"}}
	for _, a := range []*models.WSAccount{admin, robot} {
		if err := st.Create(ctx, a); err != nil {
			t.Fatal(err)
		}
		if a.ID == 0 || a.CreatedAt.IsZero() {
			t.Fatalf("Create did not fill id and timestamps: %+v", a)
		}
	}
	got, err := st.Get(ctx, "admin")
	if err != nil || got.Login != "Admin" || got.PasswordHash != admin.PasswordHash ||
		!slices.Equal(got.Sections, admin.Sections) || len(got.Hosts) != 0 || got.Hosts == nil || got.Description != "ops" {
		t.Fatalf("Get(admin) = %+v, %v", got, err)
	}
	var nulls int
	if err := st.DB.Get(&nulls, `SELECT count(*) FROM ws_accounts WHERE login IS NULL AND password_hash IS NULL AND name = 'robot'`); err != nil || nulls != 1 {
		t.Fatalf("host-only account not stored with NULL credentials (%d, %v)", nulls, err)
	}
	list, err := st.List(ctx)
	if err != nil || len(list) != 2 || list[0].Name != "admin" || !slices.Equal(list[1].Hosts, robot.Hosts) {
		t.Fatalf("List = %+v, %v", list, err)
	}
	if n, err := st.Count(ctx); err != nil || n != 2 {
		t.Fatalf("Count = %d, %v", n, err)
	}
}

func TestWSAccountStoreGetByLoginIsExactAndCaseSensitive(t *testing.T) {
	st, _ := wsAccountStore(t)
	ctx := context.Background()
	if err := st.Create(ctx, &models.WSAccount{Name: "admin", Login: "Admin", PasswordHash: bcryptOf(t, "secret"), Disabled: true}); err != nil {
		t.Fatal(err)
	}
	if a, err := st.GetByLogin(ctx, "Admin"); err != nil || a.Name != "admin" || !a.Disabled {
		t.Fatalf("GetByLogin(Admin) = %+v, %v", a, err)
	}
	for _, l := range []string{"admin", "ADMIN", "Admin ", "", "Ad\x00min", "\xff"} {
		if _, err := st.GetByLogin(ctx, l); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("GetByLogin(%q) = %v, want ErrNotFound", l, err)
		}
	}
}

func TestWSAccountStoreListHostOnlyKeepsEnabledHostAccountsWithoutLogin(t *testing.T) {
	st, _ := wsAccountStore(t)
	ctx := context.Background()
	for _, a := range []*models.WSAccount{
		{Name: "zz-first", Hosts: []string{"192.0.2.1"}},
		{Name: "off", Hosts: []string{"192.0.2.2"}, Disabled: true},
		{Name: "creds", Login: "creds", PasswordHash: bcryptOf(t, "pass"), Hosts: []string{"192.0.2.3"}},
		{Name: "aa-second", Hosts: []string{"192.0.2.4"}},
	} {
		if err := st.Create(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.ListHostOnly(ctx)
	if err != nil || len(got) != 2 || got[0].Name != "zz-first" || got[1].Name != "aa-second" {
		t.Fatalf("ListHostOnly = %+v, %v (want zz-first, aa-second in creation order)", got, err)
	}
}

func TestWSAccountStoreValidatesTheAccountRules(t *testing.T) {
	st, _ := wsAccountStore(t)
	ctx := context.Background()
	h := bcryptOf(t, "secret")
	for _, tc := range []struct {
		name  string
		a     models.WSAccount
		field string
	}{
		{"upper-case name", models.WSAccount{Name: "Admin", Hosts: []string{"192.0.2.1"}}, "name"},
		{"empty name", models.WSAccount{Hosts: []string{"192.0.2.1"}}, "name"},
		{"login without password", models.WSAccount{Name: "a", Login: "a"}, "password"},
		{"password without login", models.WSAccount{Name: "a", PasswordHash: h, Hosts: []string{"192.0.2.1"}}, "login"},
		{"neither credentials nor hosts", models.WSAccount{Name: "a"}, "hosts"},
		{"clear-text password", models.WSAccount{Name: "a", Login: "a", PasswordHash: "secret"}, "password"},
		{"colon in login", models.WSAccount{Name: "a", Login: "a:b", PasswordHash: h}, "login"},
		{"empty host entry", models.WSAccount{Name: "a", Hosts: []string{""}}, "hosts"},
		{"section with a trailing slash", models.WSAccount{Name: "a", Hosts: []string{"192.0.2.1"}, Sections: []string{"service/"}}, "sections"},
		{"long description", models.WSAccount{Name: "a", Hosts: []string{"192.0.2.1"}, Description: strings.Repeat("é", 1001)}, "description"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := st.Create(ctx, &tc.a)
			var ve *models.ValidationError
			if !errors.As(err, &ve) || ve.Fields[tc.field] == "" {
				t.Fatalf("Create = %v, want a validation error on %s", err, tc.field)
			}
		})
	}
	if n, _ := st.Count(ctx); n != 0 {
		t.Fatalf("%d invalid accounts were stored", n)
	}
}

func TestWSAccountTableChecksMirrorTheRulesForDirectWriters(t *testing.T) {
	st, _ := wsAccountStore(t)
	h := bcryptOf(t, "secret")
	for name, args := range map[string][]any{
		"login without hash":  {"a", "a", nil, pq.StringArray{}},
		"hash without login":  {"a", nil, h, pq.StringArray{"192.0.2.1"}},
		"nothing to identify": {"a", nil, nil, pq.StringArray{}},
		"clear-text password": {"a", "a", "secret", pq.StringArray{}},
		"bad name":            {"A", nil, nil, pq.StringArray{"192.0.2.1"}},
		"empty login":         {"a", "", h, pq.StringArray{}},
		"empty host entry":    {"a", nil, nil, pq.StringArray{""}},
	} {
		if _, err := st.DB.Exec(`INSERT INTO ws_accounts (name, login, password_hash, hosts) VALUES ($1, $2, $3, $4)`, args...); err == nil {
			t.Errorf("%s: the table accepted it", name)
		}
	}
}

func TestWSAccountStoreReportsTakenNameAndLoginAsConflicts(t *testing.T) {
	st, _ := wsAccountStore(t)
	ctx := context.Background()
	h := bcryptOf(t, "secret")
	if err := st.Create(ctx, &models.WSAccount{Name: "admin", Login: "admin", PasswordHash: h}); err != nil {
		t.Fatal(err)
	}
	other := &models.WSAccount{Name: "other", Login: "other", PasswordHash: h}
	if err := st.Create(ctx, other); err != nil {
		t.Fatal(err)
	}
	var ce *models.ConflictError
	if err := st.Create(ctx, &models.WSAccount{Name: "admin", Hosts: []string{"192.0.2.1"}}); !errors.As(err, &ce) || ce.Field != "name" {
		t.Fatalf("duplicate name: %v", err)
	}
	other.Login = "admin"
	if err := st.Update(ctx, other); !errors.As(err, &ce) || ce.Field != "login" {
		t.Fatalf("duplicate login on update: %v", err)
	}
	if got, _ := st.Get(ctx, "other"); got.Login != "other" {
		t.Fatal("the failed update changed the row")
	}
}

func TestWSAccountStoreUpdateAndDeleteOfMissingAccountsAreNotFound(t *testing.T) {
	st, _ := wsAccountStore(t)
	ctx := context.Background()
	if err := st.Update(ctx, &models.WSAccount{ID: 999, Name: "ghost", Hosts: []string{"192.0.2.1"}}); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("Update = %v", err)
	}
	if err := st.Delete(ctx, "ghost"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("Delete = %v", err)
	}
	if _, err := st.Get(ctx, "ghost"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("Get = %v", err)
	}
}

func TestWSAccountEveryChangeBumpsTheGenerationAndNotifies(t *testing.T) {
	st, dsn := wsAccountStore(t)
	ctx := context.Background()
	l := pq.NewListener(dsn, 100*time.Millisecond, time.Second, nil)
	defer l.Close()
	if err := l.Listen("pbxws_ws_accounts"); err != nil {
		t.Fatal(err)
	}
	gen, err := st.Generation(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a := &models.WSAccount{Name: "robot", Hosts: []string{"192.0.2.1"}}
	steps := map[string]func() error{
		"insert": func() error { return st.Create(ctx, a) },
		"update": func() error { a.Disabled = true; return st.Update(ctx, a) },
		"delete": func() error { return st.Delete(ctx, "robot") },
	}
	for _, step := range []string{"insert", "update", "delete"} {
		if err := steps[step](); err != nil {
			t.Fatal(err)
		}
		next, err := st.Generation(ctx)
		if err != nil || next != gen+1 {
			t.Fatalf("%s: generation %d -> %d (%v), want +1", step, gen, next, err)
		}
		gen = next
		select {
		case n := <-l.Notify:
			if n == nil || n.Channel != "pbxws_ws_accounts" {
				t.Fatalf("%s: notice %+v", step, n)
			}
		case <-time.After(3 * time.Second):
			t.Fatalf("%s: no notice", step)
		}
	}
}
