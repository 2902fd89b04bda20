package acl_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"pbxws/acl"
	"pbxws/models"
)

type cliRun struct {
	code           int
	stdout, stderr string
}

func runCLI(st *models.WSAccountStore, stdin string, args ...string) cliRun {
	restore := acl.SetPasswordInputForTest(strings.NewReader(stdin))
	defer restore()
	var out, errb bytes.Buffer
	code := acl.RunAccountCLI(context.Background(), st, args, &out, &errb)
	return cliRun{code, out.String(), errb.String()}
}

func (r cliRun) must(t *testing.T, code int) cliRun {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, code, r.stdout, r.stderr)
	}
	return r
}

func cliStore(t *testing.T) *models.WSAccountStore {
	db, _ := openDB(t)
	return &models.WSAccountStore{DB: db}
}

func TestAccountCLIAddsAnAccountTheGateThenIdentifies(t *testing.T) {
	st := cliStore(t)
	runCLI(st, "s3cret-pass\n", "add", "--name", "admin", "--login", "admin", "--password-stdin",
		"--section", "service/ipbx", "--section", "xivo/configuration", "--description", "first").must(t, 0)
	a, err := st.Get(context.Background(), "admin")
	if err != nil {
		t.Fatal(err)
	}
	if a.Login != "admin" || !slices.Equal(a.Sections, []string{"service/ipbx", "xivo/configuration"}) ||
		a.Description != "first" || !strings.HasPrefix(a.PasswordHash, "$2") {
		t.Fatalf("stored %+v", a)
	}
	g, err := acl.NewGate(context.Background(), st.DB, acl.GateConfig{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	mustIdentify(t, g, "192.0.2.1", basic("admin", "s3cret-pass"), "admin")
}

func TestAccountCLINeverPrintsThePasswordOrItsHash(t *testing.T) {
	st := cliStore(t)
	runCLI(st, "", "add", "admin", "--login", "admin", "--password", "hunter22", "--host", "192.0.2.0/24,pbx.example",
		"--section", "cti").must(t, 0)
	a, _ := st.Get(context.Background(), "admin")
	show := runCLI(st, "", "show", "admin").must(t, 0)
	list := runCLI(st, "", "list").must(t, 0)
	for _, out := range []string{show.stdout, list.stdout} {
		if strings.Contains(out, a.PasswordHash) || strings.Contains(out, "hunter22") || strings.Contains(out, "$2") {
			t.Fatalf("secret printed:\n%s", out)
		}
	}
	for _, want := range []string{"login        admin", "password     set (bcrypt)", "hosts        192.0.2.0/24", "             pbx.example", "sections     cti"} {
		if !strings.Contains(show.stdout, want) {
			t.Errorf("show lacks %q:\n%s", want, show.stdout)
		}
	}
	if !strings.Contains(list.stdout, "NAME   LOGIN  HOSTS                     SECTIONS  STATE") ||
		!strings.Contains(list.stdout, "admin  admin  192.0.2.0/24,pbx.example  cti       enabled") {
		t.Errorf("list not aligned as expected:\n%s", list.stdout)
	}
}

func TestAccountCLIListOnNoAccountsGivesTheFirstAccountHint(t *testing.T) {
	st := cliStore(t)
	if out := runCLI(st, "", "list").must(t, 0).stdout; !strings.Contains(out, acl.FirstAccountHint) {
		t.Fatalf("list said %q", out)
	}
}

func TestAccountCLIRefusesAnUnknownSectionAndSuggestsCloseOnes(t *testing.T) {
	st := cliStore(t)
	r := runCLI(st, "", "add", "robot", "--host", "192.0.2.5", "--section", "service/ipbx/pbx_settings/user").must(t, 1)
	if !strings.Contains(r.stderr, `unknown section "service/ipbx/pbx_settings/user"`) ||
		!strings.Contains(r.stderr, "service/ipbx/pbx_settings/users") {
		t.Fatalf("stderr: %s", r.stderr)
	}
	if n, _ := st.Count(context.Background()); n != 0 {
		t.Fatal("the account was created anyway")
	}
}

func TestAccountCLISaysWhenANameOrLoginIsTaken(t *testing.T) {
	st := cliStore(t)
	runCLI(st, "", "add", "robot", "--host", "192.0.2.5").must(t, 0)
	runCLI(st, "", "add", "admin", "--login", "admin", "--password", "secret1").must(t, 0)
	if r := runCLI(st, "", "add", "robot", "--host", "192.0.2.6").must(t, 1); !strings.Contains(r.stderr, `an account named "robot" already exists`) {
		t.Fatalf("stderr: %s", r.stderr)
	}
	if r := runCLI(st, "", "add", "admin2", "--login", "admin", "--password", "secret2").must(t, 1); !strings.Contains(r.stderr, `the login "admin" is already used`) {
		t.Fatalf("stderr: %s", r.stderr)
	}
}

func TestAccountCLIUsageMistakesExitTwo(t *testing.T) {
	st := cliStore(t)
	for name, args := range map[string][]string{
		"no command":               nil,
		"unknown command":          {"frobnicate"},
		"unknown flag":             {"add", "--nmae", "x"},
		"no name":                  {"show"},
		"login without password":   {"add", "x", "--login", "x"},
		"neither login nor hosts":  {"add", "x"},
		"flag the command ignores": {"disable", "x", "--section", "cti"},
		"two names":                {"show", "a", "b"},
		"edit without changes":     {"edit", "x"},
		"grant without sections":   {"grant", "x"},
	} {
		t.Run(name, func(t *testing.T) { runCLI(st, "", args...).must(t, 2) })
	}
	runCLI(st, "", "--help").must(t, 0)
}

func TestAccountCLIRefusesBadValues(t *testing.T) {
	st := cliStore(t)
	for name, args := range map[string][]string{
		"upper-case name":    {"add", "Admin", "--host", "192.0.2.1"},
		"bad host":           {"add", "x", "--host", "192.0.2.300"},
		"short password":     {"add", "x", "--login", "x", "--password", "abc"},
		"colon in login":     {"add", "x", "--login", "a:b", "--password", "abcd"},
		"no such account":    {"show", "ghost"},
		"long description":   {"add", "x", "--host", "192.0.2.1", "--description", strings.Repeat("d", 1001)},
		"revoke not granted": {"revoke", "ghost", "--section", "cti"},
	} {
		t.Run(name, func(t *testing.T) {
			if r := runCLI(st, "", args...).must(t, 1); r.stderr == "" {
				t.Fatal("no explanation")
			}
		})
	}
}

func TestAccountCLIGrantRevokeEditDisableEnableDelete(t *testing.T) {
	st := cliStore(t)
	ctx := context.Background()
	get := func() *models.WSAccount {
		t.Helper()
		a, err := st.Get(ctx, "bob")
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	runCLI(st, "bobpass\n", "add", "--name", "bob", "--login", "bob", "--password-stdin").must(t, 0)
	runCLI(st, "", "grant", "bob", "--section", "service/ipbx,cti/profiles", "--section", "service/ipbx").must(t, 0)
	if s := get().Sections; !slices.Equal(s, []string{"cti/profiles", "service/ipbx"}) {
		t.Fatalf("sections after grant: %v", s)
	}
	runCLI(st, "", "grant", "bob", "--section", "service/ipbx/pbx_settings/users").must(t, 0)
	r := runCLI(st, "", "revoke", "bob", "--section", "service/ipbx/pbx_settings/users").must(t, 0)
	if !strings.Contains(r.stdout, "still granted through service/ipbx") {
		t.Errorf("revoke did not warn about the ancestor grant: %s", r.stdout)
	}
	runCLI(st, "", "revoke", "bob", "--section", "cti/profiles").must(t, 0)
	if s := get().Sections; !slices.Equal(s, []string{"service/ipbx"}) {
		t.Fatalf("sections after revoke: %v", s)
	}

	before := get().PasswordHash
	runCLI(st, "newpass\n", "edit", "bob", "--password-stdin", "--host", "192.0.2.0/24", "--description", "lab").must(t, 0)
	a := get()
	if a.PasswordHash == before || !slices.Equal(a.Hosts, []string{"192.0.2.0/24"}) || a.Description != "lab" || a.Login != "bob" {
		t.Fatalf("after edit: %+v", a)
	}
	runCLI(st, "", "edit", "bob", "--no-login").must(t, 0)
	if a := get(); a.Login != "" || a.PasswordHash != "" || len(a.Hosts) != 1 {
		t.Fatalf("after --no-login: %+v", a)
	}
	runCLI(st, "", "edit", "bob", "--no-hosts").must(t, 1) // neither credentials nor hosts
	runCLI(st, "", "edit", "bob", "--section", "xivo/configuration", "--description", "").must(t, 0)
	if a := get(); !slices.Equal(a.Sections, []string{"xivo/configuration"}) || a.Description != "" {
		t.Fatalf("after edit --section: %+v", a)
	}

	runCLI(st, "", "disable", "bob").must(t, 0)
	if !get().Disabled {
		t.Fatal("disable did not disable")
	}
	runCLI(st, "", "enable", "bob").must(t, 0)
	if get().Disabled {
		t.Fatal("enable did not enable")
	}
	runCLI(st, "", "delete", "bob").must(t, 0)
	if _, err := st.Get(ctx, "bob"); err != models.ErrNotFound {
		t.Fatalf("after delete: %v", err)
	}
	runCLI(st, "", "delete", "bob").must(t, 1)
}
