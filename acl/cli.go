package acl

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
	"text/tabwriter"

	"golang.org/x/crypto/bcrypt"

	"pbxws/models"
)

var reAccountName = regexp.MustCompile(`^[a-z0-9_.-]{1,64}$`)

// listFlag collects a repeatable flag whose values may also be comma-separated.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error {
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

const accountUsage = `usage: pbxws account <command> [flags]

commands:
  add      --name N [--login L (--password P | --password-stdin)] [--host H]... [--section S]... [--description D]
  list
  show     --name N
  edit     --name N [--login L] [--password P | --password-stdin] [--no-login] [--host H]... [--no-hosts] [--description D]
  grant    --name N --section S...
  revoke   --name N --section S...
  disable  --name N
  enable   --name N
  delete   --name N
  sections (lists the grantable sections)

An account takes Basic credentials (login and password), or is bound to source hosts
(addresses, CIDRs, host names), or both. A granted section covers its subtree.
`

// RunAccountCLI runs `pbxws account …`; it returns the exit code (0 ok, 1 failure, 2 usage).
func RunAccountCLI(ctx context.Context, store *models.WSAccountStore, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, accountUsage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, args := args[0], args[1:]
	fs := flag.NewFlagSet("pbxws account "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		name, login, password, description string
		passwordStdin, noLogin, noHosts    bool
		hosts, sections                    listFlag
	)
	fs.StringVar(&name, "name", "", "account name (a-z, 0-9, _ . -)")
	fs.StringVar(&login, "login", "", "Basic-auth login")
	fs.StringVar(&password, "password", "", "Basic-auth password (prefer --password-stdin)")
	fs.BoolVar(&passwordStdin, "password-stdin", false, "read the password from the first line of stdin")
	fs.BoolVar(&noLogin, "no-login", false, "edit: remove the credentials (host-only account)")
	fs.BoolVar(&noHosts, "no-hosts", false, "edit: remove every host restriction")
	fs.Var(&hosts, "host", "allowed source host: address, CIDR or name (repeatable, comma-separated)")
	fs.Var(&sections, "section", "granted section path, e.g. service/ipbx (repeatable)")
	fs.StringVar(&description, "description", "", "free text")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if passwordStdin {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			fmt.Fprintln(stderr, "reading the password from stdin:", err)
			return 1
		}
		password = strings.TrimRight(line, "\r\n")
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "pbxws account %s: %s\n", cmd, fmt.Sprintf(format, a...))
		return 1
	}
	needName := func() bool {
		if name == "" {
			fmt.Fprintf(stderr, "pbxws account %s: --name is required\n", cmd)
			return false
		}
		return true
	}
	checkSections := func() error {
		for _, s := range sections {
			if !ValidSection(s) {
				msg := fmt.Sprintf("unknown section %q", s)
				if sim := SimilarSections(s); len(sim) > 0 {
					msg += "; did you mean: " + strings.Join(sim, ", ")
				}
				return errors.New(msg + " (pbxws account sections lists them)")
			}
		}
		return nil
	}
	checkHosts := func() error {
		if _, bad := ParseHostList(hosts); len(bad) > 0 {
			return fmt.Errorf("not an address, CIDR or host name: %s", strings.Join(bad, ", "))
		}
		return nil
	}
	setPassword := func(a *models.WSAccount) error {
		if len(password) < 4 || len(password) > 64 {
			return errors.New("the password must be 4-64 characters")
		}
		h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
		if err != nil {
			return err
		}
		s := string(h)
		a.PasswordHash = &s
		return nil
	}
	storeErr := func(err error) int {
		var ce *models.ConflictError
		var ve *models.ValidationError
		switch {
		case errors.Is(err, models.ErrNotFound):
			return fail("no account named %q", name)
		case errors.As(err, &ce):
			return fail("%s is already taken by another account", ce.Field)
		case errors.As(err, &ve):
			return fail("%s", ve.Error())
		}
		return fail("%v", err)
	}

	switch cmd {
	case "sections":
		for _, s := range Sections() {
			fmt.Fprintln(stdout, s)
		}
		return 0
	case "list":
		accs, err := store.List(ctx)
		if err != nil {
			return fail("%v", err)
		}
		if len(accs) == 0 {
			fmt.Fprintln(stdout, "no web-service account yet: pbxws account add --name admin --login admin --password-stdin --section service/ipbx")
			return 0
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tLOGIN\tHOSTS\tSECTIONS\tSTATE")
		for _, a := range accs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.Name, dash(loginOf(&a)), dash(strings.Join(a.Hosts, ",")), dash(strings.Join(a.Sections, ",")), state(&a))
		}
		tw.Flush()
		return 0
	case "add":
		if !needName() {
			return 2
		}
		if !reAccountName.MatchString(name) {
			return fail("the name must be 1-64 characters of a-z, 0-9, _ . -")
		}
		if err := checkSections(); err != nil {
			return fail("%v", err)
		}
		if err := checkHosts(); err != nil {
			return fail("%v", err)
		}
		a := &models.WSAccount{Name: name, Hosts: []string(hosts), Sections: []string(sections), Description: description}
		if a.Hosts == nil {
			a.Hosts = []string{}
		}
		if a.Sections == nil {
			a.Sections = []string{}
		}
		switch {
		case login != "" && password == "":
			return fail("a login needs a password (--password-stdin)")
		case login == "" && password != "":
			return fail("a password needs a login (--login)")
		case login == "" && len(hosts) == 0:
			return fail("give credentials (--login and a password), or --host, or both")
		}
		if login != "" {
			a.Login = &login
			if err := setPassword(a); err != nil {
				return fail("%v", err)
			}
		}
		if err := store.Create(ctx, a); err != nil {
			return storeErr(err)
		}
		fmt.Fprintf(stdout, "account %s added\n", name)
		if len(sections) == 0 {
			fmt.Fprintf(stdout, "it has no section yet: pbxws account grant --name %s --section service/ipbx\n", name)
		}
		return 0
	}

	if !needName() {
		return 2
	}
	a, err := store.Get(ctx, name)
	if err != nil {
		return storeErr(err)
	}
	switch cmd {
	case "show":
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "name\t%s\nlogin\t%s\npassword\t%s\nhosts\t%s\nsections\t%s\nstate\t%s\ndescription\t%s\n",
			a.Name, dash(loginOf(a)), map[bool]string{true: "set (bcrypt)", false: "-"}[a.PasswordHash != nil],
			dash(strings.Join(a.Hosts, ", ")), dash(strings.Join(a.Sections, ", ")), state(a), dash(a.Description))
		tw.Flush()
		return 0
	case "edit":
		if err := checkHosts(); err != nil {
			return fail("%v", err)
		}
		if noLogin {
			a.Login, a.PasswordHash = nil, nil
		}
		if login != "" {
			a.Login = &login
			if a.PasswordHash == nil && password == "" {
				return fail("a new login needs a password (--password-stdin)")
			}
		}
		if password != "" {
			if a.Login == nil {
				return fail("a password needs a login (--login)")
			}
			if err := setPassword(a); err != nil {
				return fail("%v", err)
			}
		}
		if noHosts {
			a.Hosts = []string{}
		}
		if len(hosts) > 0 {
			a.Hosts = []string(hosts)
		}
		if description != "" {
			a.Description = description
		}
		if a.Login == nil && len(a.Hosts) == 0 {
			return fail("the account would have neither credentials nor hosts")
		}
	case "grant", "revoke":
		if len(sections) == 0 {
			return fail("give at least one --section")
		}
		if cmd == "grant" {
			if err := checkSections(); err != nil {
				return fail("%v", err)
			}
			for _, s := range sections {
				s = strings.Trim(s, "/")
				if !contains(a.Sections, s) {
					a.Sections = append(a.Sections, s)
				}
			}
			sort.Strings(a.Sections)
		} else {
			var kept []string
			for _, s := range a.Sections {
				if !contains(sections, s) {
					kept = append(kept, s)
				}
			}
			a.Sections = append([]string{}, kept...)
		}
	case "disable", "enable":
		a.Disabled = cmd == "disable"
	case "delete":
		if err := store.Delete(ctx, name); err != nil {
			return storeErr(err)
		}
		fmt.Fprintf(stdout, "account %s deleted\n", name)
		return 0
	default:
		fmt.Fprintf(stderr, "pbxws account: unknown command %q\n\n%s", cmd, accountUsage)
		return 2
	}
	if err := store.Update(ctx, a); err != nil {
		return storeErr(err)
	}
	fmt.Fprintf(stdout, "account %s updated (%s)\n", name, state(a))
	return 0
}

func loginOf(a *models.WSAccount) string {
	if a.Login == nil {
		return ""
	}
	return *a.Login
}

func state(a *models.WSAccount) string {
	if a.Disabled {
		return "disabled"
	}
	return "enabled"
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
