package acl

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/crypto/bcrypt"

	"pbxws/models"
)

// FirstAccountHint is what to tell an operator when no web-service account exists yet.
var FirstAccountHint = "no web-service account yet: create one with: " + FirstAccountCommand("pbxws", "")

// FirstAccountCommand is the command line that creates the first account with every
// section the README's walkthrough uses; program is how pbxws was run, settings the flags
// that say where the data is ("" when the defaults).
func FirstAccountCommand(program, settings string) string {
	if settings != "" {
		settings = " " + settings
	}
	return "echo 'CHOOSE-A-PASSWORD' | " + program + " account add" + settings +
		" --name admin --login admin --password-stdin --section service/ipbx --section xivo/configuration --section cti"
}

// passwordInput is where --password-stdin reads from (replaced by tests).
var passwordInput io.Reader = os.Stdin

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

const accountUsage = `usage: pbxws account <command> [--name] NAME [flags]

commands:
  add      --name N [--login L (--password P | --password-stdin)] [--host H]... [--section S]... [--description D]
  list
  show     --name N
  edit     --name N [--login L] [--password P | --password-stdin] [--no-login]
                    [--host H]... [--no-hosts] [--section S]... [--description D]
  grant    --name N --section S...
  revoke   --name N --section S...
  disable  --name N
  enable   --name N
  delete   --name N
  sections                     list the grantable sections

An account takes Basic credentials (login and password), or source hosts (addresses, CIDRs
such as 192.0.2.0/24 or 192.0.2.0/255.255.255.0, host names), or both; with both, the
credentials only work from those hosts. --host and --section repeat or take comma lists.
A granted section covers its subtree: --section service/ipbx grants every IPBX web service.
edit --host and edit --section replace the lists; grant and revoke add and remove sections.
Exit status: 0 done, 1 failed, 2 usage error.
`

// AccountEnv is how `pbxws account` reaches its store: Flags adds the settings (where the
// data is) to each command's flag set; Open, called once the command line is parsed and
// only by commands that need the store, opens it and returns how to close it.
type AccountEnv struct {
	Flags func(fs *flag.FlagSet)
	Open  func(fs *flag.FlagSet) (*models.WSAccountStore, func(), error)
}

// accountFlags are the flags each command takes (besides the name, which all but list and
// sections take).
var accountFlags = map[string][]string{
	"add":      {"login", "password", "password-stdin", "host", "section", "description"},
	"list":     {},
	"show":     {},
	"edit":     {"login", "password", "password-stdin", "no-login", "host", "no-hosts", "section", "description"},
	"grant":    {"section"},
	"revoke":   {"section"},
	"disable":  {},
	"enable":   {},
	"delete":   {},
	"sections": {},
}

// accountCmd is one run of the account command line.
type accountCmd struct {
	env            AccountEnv
	fs             *flag.FlagSet
	ctx            context.Context
	store          *models.WSAccountStore
	stdout, stderr io.Writer
	cmd            string

	name, login, password, description string
	passwordStdin, noLogin, noHosts    bool
	hosts, sections                    listFlag
	set                                map[string]bool // flags given on the command line
}

// errUsage marks a command-line mistake (exit status 2).
type errUsage struct{ msg string }

func (e errUsage) Error() string { return e.msg }

// mutates are the account commands that change accounts.
var mutates = map[string]bool{"add": true, "edit": true, "grant": true, "revoke": true, "disable": true, "enable": true, "delete": true}

// waitAppliedFor bounds how long a command waits for running gates to apply its change.
const waitAppliedFor = 5 * time.Second

// RunAccountCLI runs `pbxws account …` over store and returns the exit status: 0 done,
// 1 failed, 2 usage error. It never prints password hashes. A command that changes accounts
// returns once every running pbxws has applied the change (or says which did not).
func RunAccountCLI(ctx context.Context, store *models.WSAccountStore, args []string, stdout, stderr io.Writer) int {
	return RunAccountCommand(ctx, AccountEnv{Open: func(*flag.FlagSet) (*models.WSAccountStore, func(), error) {
		return store, func() {}, nil
	}}, args, stdout, stderr)
}

// RunAccountCommand is RunAccountCLI with the store opened through env once the command
// line is parsed.
func RunAccountCommand(ctx context.Context, env AccountEnv, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, accountUsage)
		return 2
	}
	if a := args[0]; a == "-h" || a == "--help" || a == "help" {
		fmt.Fprint(stdout, accountUsage)
		return 0
	}
	c := &accountCmd{env: env, ctx: ctx, stdout: stdout, stderr: stderr, cmd: args[0], set: map[string]bool{}}
	run, known := map[string]func() error{
		"add": c.add, "list": c.list, "show": c.show, "edit": c.edit, "grant": c.grant,
		"revoke": c.revoke, "disable": c.enable, "enable": c.enable, "delete": c.delete,
		"sections": c.listSections,
	}[c.cmd]
	if !known {
		fmt.Fprintf(stderr, "pbxws account: unknown command %q\n\n%s", c.cmd, accountUsage)
		return 2
	}
	if err := c.parse(args[1:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "pbxws account %s: %v\n(pbxws account %s -h lists its flags)\n", c.cmd, err, c.cmd)
			return 2
		}
		fmt.Fprintf(stdout, "usage: pbxws account %s%s [flags]\n\nflags:\n", c.cmd, map[bool]string{true: " [--name] NAME"}[c.takesName()])
		c.fs.SetOutput(stdout)
		c.fs.PrintDefaults()
		return 0
	}
	if c.cmd != "sections" {
		store, closeStore, err := env.Open(c.fs)
		if err != nil {
			fmt.Fprintf(stderr, "pbxws account %s: %v\n", c.cmd, err)
			return 1
		}
		defer closeStore()
		c.store = store
	}
	err := run()
	var usage errUsage
	switch {
	case err == nil && mutates[c.cmd]:
		// Return only once every running pbxws has applied the change.
		lagging, werr := WaitApplied(ctx, c.store, waitAppliedFor)
		if werr == nil && len(lagging) > 0 {
			fmt.Fprintf(stderr, "pbxws account %s: done, but %d running pbxws (%s) did not confirm it within %s; they stop trusting their caches within %s\n",
				c.cmd, len(lagging), strings.Join(lagging, ", "), waitAppliedFor, GateAliveWindow)
		}
		return 0
	case err == nil:
		return 0
	case errors.As(err, &usage):
		fmt.Fprintf(stderr, "pbxws account %s: %v\n(pbxws account --help shows the commands)\n", c.cmd, err)
		return 2
	default:
		fmt.Fprintf(stderr, "pbxws account %s: %s\n", c.cmd, c.explain(err))
		return 1
	}
}

func (c *accountCmd) parse(args []string) error {
	fs := flag.NewFlagSet("pbxws account "+c.cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.fs = fs
	own := accountFlags[c.cmd]
	def := func(name string, f func()) {
		if slices.Contains(own, name) || name == "name" && c.takesName() {
			f()
		}
	}
	def("name", func() { fs.StringVar(&c.name, "name", "", "account name: 1-64 characters of a-z, 0-9, _ . -") })
	def("login", func() { fs.StringVar(&c.login, "login", "", "Basic-auth login") })
	def("password", func() {
		fs.StringVar(&c.password, "password", "", "Basic-auth password (visible to other local users: prefer --password-stdin)")
	})
	def("password-stdin", func() {
		fs.BoolVar(&c.passwordStdin, "password-stdin", false, "read the password from the first line of standard input")
	})
	def("no-login", func() {
		fs.BoolVar(&c.noLogin, "no-login", false, "drop the credentials (the account then works by host only)")
	})
	def("no-hosts", func() { fs.BoolVar(&c.noHosts, "no-hosts", false, "drop every host restriction") })
	def("host", func() {
		fs.Var(&c.hosts, "host", "allowed source host: address, CIDR, a.b.c.d/netmask or host name (repeatable, comma list)")
	})
	def("section", func() {
		fs.Var(&c.sections, "section", "granted section path such as service/ipbx (repeatable, comma list)")
	})
	def("description", func() { fs.StringVar(&c.description, "description", "", "free text, at most 1000 characters") })
	if c.env.Flags != nil && c.cmd != "sections" {
		c.env.Flags(fs)
	}
	// Flags may follow the name: `show admin --login x` as well as `show --name admin`.
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "name" || slices.Contains(own, f.Name) {
			c.set[f.Name] = true
		}
	})
	switch {
	case len(positional) > 0 && !c.takesName():
		return fmt.Errorf("%s takes no name", c.cmd)
	case len(positional) > 1:
		return fmt.Errorf("unexpected arguments: %s", strings.Join(positional[1:], " "))
	case len(positional) == 1 && c.set["name"] && positional[0] != c.name:
		return fmt.Errorf("two names given: %q and %q", c.name, positional[0])
	case len(positional) == 1:
		c.name = positional[0]
	}
	if c.passwordStdin {
		if c.set["password"] {
			return errors.New("give --password or --password-stdin, not both")
		}
		line, err := bufio.NewReader(passwordInput).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("reading the password from standard input: %w", err)
		}
		c.password = strings.TrimRight(line, "\r\n")
		if c.password == "" {
			return errors.New("--password-stdin read an empty password")
		}
		c.set["password"] = true
	}
	return nil
}

// explain turns a store error into a sentence for the operator.
func (c *accountCmd) explain(err error) string {
	var ce *models.ConflictError
	var ve *models.ValidationError
	switch {
	case errors.Is(err, models.ErrNotFound):
		return fmt.Sprintf("no account named %q (pbxws account list shows them)", c.name)
	case errors.As(err, &ce) && ce.Field == "name":
		return fmt.Sprintf("an account named %q already exists (pbxws account edit changes it)", c.name)
	case errors.As(err, &ce) && ce.Field == "login":
		return fmt.Sprintf("the login %q is already used by another account", c.login)
	case errors.As(err, &ce):
		return ce.Error()
	case errors.As(err, &ve):
		keys := make([]string, 0, len(ve.Fields))
		for k := range ve.Fields {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + " " + ve.Fields[k]
		}
		return strings.Join(parts, "; ")
	}
	return err.Error()
}

func (c *accountCmd) takesName() bool { return c.cmd != "list" && c.cmd != "sections" }

func (c *accountCmd) needName() error {
	if c.name == "" {
		return errUsage{"--name is required"}
	}
	return nil
}

// only refuses flags the command does not use, so a mistyped intent is not silently ignored.
func (c *accountCmd) only(allowed ...string) error {
	for f := range c.set {
		if f != "name" && !slices.Contains(allowed, f) {
			return errUsage{fmt.Sprintf("--%s does not apply to %s", f, c.cmd)}
		}
	}
	return nil
}

// checkSections refuses paths outside the rights tree, suggesting close ones.
func (c *accountCmd) checkSections() ([]string, error) {
	var out []string
	for _, s := range c.sections {
		s = strings.Trim(s, "/")
		if !ValidGrant(s) {
			msg := fmt.Sprintf("unknown section %q", s)
			if sim := SimilarSections(s); len(sim) > 0 {
				msg += "; did you mean " + strings.Join(sim, ", ") + "?"
			}
			return nil, errors.New(msg + " (pbxws account sections lists them)")
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

func (c *accountCmd) checkHosts() error {
	if _, bad := ParseHostList(c.hosts); len(bad) > 0 {
		return fmt.Errorf("not an address, CIDR, address/netmask or host name: %s", strings.Join(bad, ", "))
	}
	return nil
}

// setPassword hashes the password given on the command line into a.
func (c *accountCmd) setPassword(a *models.WSAccount) error {
	p := c.password
	if len(p) < 4 || len(p) > 64 {
		return errors.New("the password must be 4-64 characters")
	}
	for i := 0; i < len(p); i++ {
		if p[i] < 0x21 || p[i] > 0x7e {
			return errors.New("the password must be printable ASCII without spaces")
		}
	}
	h, err := bcrypt.GenerateFromPassword([]byte(p), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	a.PasswordHash = string(h)
	return nil
}

func (c *accountCmd) add() error {
	if err := c.needName(); err != nil {
		return err
	}
	if err := c.only("login", "password", "password-stdin", "host", "section", "description"); err != nil {
		return err
	}
	sections, err := c.checkSections()
	if err != nil {
		return err
	}
	if err := c.checkHosts(); err != nil {
		return err
	}
	a := &models.WSAccount{Name: c.name, Login: c.login, Hosts: []string(c.hosts), Sections: sections, Description: c.description}
	switch {
	case c.login != "" && c.password == "":
		return errUsage{"a login needs a password: add --password-stdin"}
	case c.login == "" && c.password != "":
		return errUsage{"a password needs a login: add --login"}
	case c.login == "" && len(c.hosts) == 0:
		return errUsage{"give credentials (--login and --password-stdin), or --host, or both"}
	}
	if c.login != "" {
		if !models.ValidLogin(c.login) {
			return errors.New("the login must be 1-64 characters of A-Z a-z 0-9 - . _ ~ ! $ & ' ( ) * + , ; = %")
		}
		if err := c.setPassword(a); err != nil {
			return err
		}
	}
	if err := c.store.Create(c.ctx, a); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "account %s added\n", a.Name)
	if len(a.Sections) == 0 {
		fmt.Fprintf(c.stdout, "it is granted no section yet: pbxws account grant --name %s --section service/ipbx\n", a.Name)
	}
	return nil
}

func (c *accountCmd) list() error {
	if err := c.only(); err != nil {
		return err
	}
	if c.name != "" {
		return errUsage{"list takes no name (pbxws account show NAME shows one)"}
	}
	accs, err := c.store.List(c.ctx)
	if err != nil {
		return err
	}
	if len(accs) == 0 {
		fmt.Fprintln(c.stdout, FirstAccountHint)
		return nil
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tLOGIN\tHOSTS\tSECTIONS\tSTATE")
	for i := range accs {
		a := &accs[i]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.Name, dash(a.Login), dash(strings.Join(a.Hosts, ",")),
			dash(strings.Join(a.Sections, ",")), state(a))
	}
	return tw.Flush()
}

func (c *accountCmd) load() (*models.WSAccount, error) {
	if err := c.needName(); err != nil {
		return nil, err
	}
	return c.store.Get(c.ctx, c.name)
}

func (c *accountCmd) show() error {
	if err := c.only(); err != nil {
		return err
	}
	a, err := c.load()
	if err != nil {
		return err
	}
	password := "-"
	if a.PasswordHash != "" {
		password = "set (bcrypt)"
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	row := func(k string, vs ...string) {
		if len(vs) == 0 {
			vs = []string{"-"}
		}
		for i, v := range vs {
			if i > 0 {
				k = ""
			}
			fmt.Fprintf(tw, "%s\t%s\n", k, dash(v))
		}
	}
	row("name", a.Name)
	row("login", a.Login)
	row("password", password)
	row("hosts", a.Hosts...)
	row("sections", a.Sections...)
	row("state", state(a))
	row("description", a.Description)
	row("created", a.CreatedAt.Local().Format("2006-01-02 15:04:05"))
	row("updated", a.UpdatedAt.Local().Format("2006-01-02 15:04:05"))
	return tw.Flush()
}

func (c *accountCmd) save(a *models.WSAccount) error {
	if err := c.store.Update(c.ctx, a); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "account %s updated (%s; sections: %s)\n", a.Name, state(a), dash(strings.Join(a.Sections, ", ")))
	return nil
}

func (c *accountCmd) edit() error {
	if err := c.only("login", "password", "password-stdin", "no-login", "host", "no-hosts", "section", "description"); err != nil {
		return err
	}
	if len(c.set) == 0 || len(c.set) == 1 && c.set["name"] {
		return errUsage{"nothing to change: give --login, --password-stdin, --host, --section, --description, --no-login or --no-hosts"}
	}
	if c.noLogin && (c.set["login"] || c.set["password"]) {
		return errUsage{"--no-login cannot go with --login or a password"}
	}
	if c.noHosts && c.set["host"] {
		return errUsage{"--no-hosts cannot go with --host"}
	}
	if err := c.checkHosts(); err != nil {
		return err
	}
	sections, err := c.checkSections()
	if err != nil {
		return err
	}
	a, err := c.load()
	if err != nil {
		return err
	}
	if c.noLogin {
		a.Login, a.PasswordHash = "", ""
	}
	if c.set["login"] {
		if !models.ValidLogin(c.login) {
			return errors.New("the login must be 1-64 characters of A-Z a-z 0-9 - . _ ~ ! $ & ' ( ) * + , ; = % (--no-login drops it)")
		}
		if a.Login == "" && !c.set["password"] {
			return errUsage{"a new login needs a password: add --password-stdin"}
		}
		a.Login = c.login
	}
	if c.set["password"] {
		if a.Login == "" {
			return errUsage{"a password needs a login: add --login"}
		}
		if err := c.setPassword(a); err != nil {
			return err
		}
	}
	if c.noHosts {
		a.Hosts = []string{}
	}
	if c.set["host"] {
		a.Hosts = []string(c.hosts)
	}
	if c.set["section"] {
		a.Sections = sections
	}
	if c.set["description"] {
		a.Description = c.description
	}
	if a.Login == "" && len(a.Hosts) == 0 {
		return errors.New("the account would have neither credentials nor hosts")
	}
	return c.save(a)
}

func (c *accountCmd) grant() error {
	if err := c.only("section"); err != nil {
		return err
	}
	if len(c.sections) == 0 {
		return errUsage{"give at least one --section"}
	}
	sections, err := c.checkSections()
	if err != nil {
		return err
	}
	a, err := c.load()
	if err != nil {
		return err
	}
	for _, s := range sections {
		if !slices.Contains(a.Sections, s) {
			a.Sections = append(a.Sections, s)
		}
	}
	slices.Sort(a.Sections)
	return c.save(a)
}

func (c *accountCmd) revoke() error {
	if err := c.only("section"); err != nil {
		return err
	}
	if len(c.sections) == 0 {
		return errUsage{"give at least one --section"}
	}
	a, err := c.load()
	if err != nil {
		return err
	}
	for _, s := range c.sections {
		s = strings.Trim(s, "/")
		if !slices.Contains(a.Sections, s) {
			return fmt.Errorf("account %s is not granted %q itself (granted: %s)", a.Name, s, dash(strings.Join(a.Sections, ", ")))
		}
		a.Sections = slices.DeleteFunc(a.Sections, func(g string) bool { return g == s })
	}
	if err := c.save(a); err != nil {
		return err
	}
	for _, s := range c.sections {
		s = strings.Trim(s, "/")
		for _, g := range a.Sections {
			if strings.HasPrefix(s, g+"/") {
				fmt.Fprintf(c.stdout, "note: %s is still granted through %s\n", s, g)
			}
		}
	}
	return nil
}

func (c *accountCmd) enable() error {
	if err := c.only(); err != nil {
		return err
	}
	a, err := c.load()
	if err != nil {
		return err
	}
	a.Disabled = c.cmd == "disable"
	return c.save(a)
}

func (c *accountCmd) delete() error {
	if err := c.only(); err != nil {
		return err
	}
	if err := c.needName(); err != nil {
		return err
	}
	if err := c.store.Delete(c.ctx, c.name); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "account %s deleted\n", c.name)
	return nil
}

func (c *accountCmd) listSections() error {
	if err := c.only(); err != nil {
		return err
	}
	for _, s := range Sections() {
		fmt.Fprintln(c.stdout, s)
	}
	return nil
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
