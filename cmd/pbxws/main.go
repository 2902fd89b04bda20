// Command pbxws is the provisioning and click-to-call web service for IP PBXs.
//
//	pbxws serve [flags]            start the server (also what `pbxws` alone does)
//	pbxws migrate [status] [flags] apply the database migrations (or list them) and exit
//	pbxws account …                manage json.php web-service accounts
//	pbxws db status|stop|psql      the database: where it is, stop the private cluster, a shell
//	pbxws backup FILE              dump the database (pg_dump's custom format)
//	pbxws restore FILE             load a backup into a database that holds none yet
//	pbxws version                  print the version and commit
//
// Every setting is a flag with a PBXWS_* environment twin and a key of the -config file;
// every subcommand takes the settings that say where the data is (-var-dir,
// -database-url, -config). `pbxws COMMAND -h` lists a command's flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"

	"pbxws/acl"
	"pbxws/web"
)

// defaultMemoryLimit is the soft heap limit when GOMEMLIMIT is not set: the collector works
// harder near it instead of letting large list answers double the heap.
const defaultMemoryLimit = 96 << 20

// version and commit are set at build time (the Makefile passes -ldflags "-X
// main.version=… -X main.commit=…"); without them the build's VCS stamp, if any, names
// the commit.
var version, commit = "dev", ""

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// command is one subcommand.
type command struct {
	name, args, summary string
	run                 func(cli *cli, args []string) int
}

var commands []command

func init() {
	commands = []command{
		{"serve", "[flags]", "start the server (the default)", (*cli).serve},
		{"migrate", "[status] [flags]", "apply the database migrations and exit; status lists them", (*cli).migrate},
		{"account", "COMMAND [flags]", "manage json.php web-service accounts (pbxws account -h)", (*cli).account},
		{"user", "grant-admin|revoke-admin|private-key|revoke-private-key NAME [flags]", "give or take a user's sipX ADMIN role or private key", (*cli).user},
		{"db", "status|stop|psql [flags]", "where the database is and whether it is up; stop the private cluster; a psql shell", (*cli).db},
		{"backup", "FILE [flags]", "dump the database into FILE (pg_dump custom format)", (*cli).backup},
		{"restore", "FILE [flags]", "load a backup into a database that holds no pbxws data yet", (*cli).restore},
		{"version", "", "print the version and commit", (*cli).version},
		{"help", "", "this list", (*cli).help},
	}
}

// cli is one run of the command line: its streams and the signal context.
type cli struct {
	ctx            context.Context
	stdout, stderr io.Writer
	logs           *logBuffer
	program        string
}

func run(args []string, stdout, stderr io.Writer) int {
	logs := newLogBuffer(stderr, flushEvery)
	defer logs.Close()
	c := &cli{stdout: stdout, stderr: logs.Direct(), logs: logs, program: programName()}
	c.setLogger("text", slog.LevelInfo)
	// Closing the terminal (SIGHUP) must not stop the server: only SIGINT and SIGTERM do.
	signal.Ignore(syscall.SIGHUP)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c.ctx = ctx

	name := "serve"
	if len(args) > 0 {
		switch a := args[0]; {
		case a == "-h" || a == "-help" || a == "--help":
			name, args = "help", nil
		case a == "-version" || a == "--version" || a == "-v":
			name, args = "version", nil
		case strings.HasPrefix(a, "-"):
			// `pbxws -http :9090` serves, as `pbxws` alone does.
		default:
			name, args = a, args[1:]
		}
	}
	for _, cmd := range commands {
		if cmd.name == name {
			return cmd.run(c, args)
		}
	}
	fmt.Fprintf(c.stderr, "pbxws: unknown command %q%s\n\n", name, suggest(name))
	c.usage(c.stderr)
	return 2
}

func (c *cli) usage(w io.Writer) {
	fmt.Fprintln(w, "usage: pbxws COMMAND [flags]   (pbxws COMMAND -h lists a command's flags)")
	fmt.Fprintln(w, "\ncommands:")
	for _, cmd := range commands {
		fmt.Fprintf(w, "  %-8s %-26s %s\n", cmd.name, cmd.args, cmd.summary)
	}
	fmt.Fprintln(w, "\nSettings come from flags, then PBXWS_* environment variables, then the -config file")
	fmt.Fprintln(w, "(TOML or YAML, keys named as the flags), then the defaults.")
}

func (c *cli) help([]string) int {
	c.usage(c.stdout)
	return 0
}

// suggest names the command closest to a mistyped one.
func suggest(name string) string {
	best, dist := "", 3
	for _, cmd := range commands {
		if d := acl.EditDistance(name, cmd.name); d < dist {
			best, dist = cmd.name, d
		}
	}
	if best == "" {
		return ""
	}
	return "; did you mean " + best + "?"
}

func (c *cli) version([]string) int {
	commit, modified := commit, ""
	if bi, ok := debug.ReadBuildInfo(); ok && commit == "" {
		for _, s := range bi.Settings {
			switch {
			case s.Key == "vcs.revision":
				commit = s.Value
			case s.Key == "vcs.modified" && s.Value == "true":
				modified = " (modified)"
			}
		}
	}
	if commit == "" {
		commit = "unknown"
	}
	fmt.Fprintf(c.stdout, "pbxws %s commit %s%s %s\n", version, commit, modified, runtime.Version())
	return 0
}

// setLogger sends slog through the batching log buffer in the chosen format.
func (c *cli) setLogger(format string, level slog.Level) {
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(c.logs, opts)
	if format == "json" {
		h = slog.NewJSONHandler(c.logs, opts)
	}
	slog.SetDefault(slog.New(flushingHandler{h, c.logs}))
}

// settings parses a subcommand's command line into the configuration: fs holds the
// command's own flags; the settings (all of them with all, else those that say where the
// data is) are added to it, then completed from the environment and the -config file.
// It returns the positional arguments, or an exit status when the command must stop here.
func (c *cli) settings(fs *flag.FlagSet, all bool, usage string, args []string) (web.Config, []string, int, bool) {
	cfg := web.DefaultConfig()
	cfg.Program = c.program
	fs.Init(fs.Name(), flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg.RegisterFlags(fs, !all)
	fs.Usage = func() {
		fmt.Fprintf(c.stdout, "usage: %s %s\n\nflags:\n", fs.Name(), usage)
		fs.SetOutput(c.stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	// Flags may come before and after positional arguments.
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) { // fs.Parse has printed the usage
				return cfg, nil, 0, false
			}
			fmt.Fprintf(c.stderr, "%s: %v\n(%s -h lists its flags)\n", fs.Name(), err, fs.Name())
			return cfg, nil, 2, false
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if err := cfg.Resolve(fs, all); err != nil {
		fmt.Fprintf(c.stderr, "%s: %v\n", fs.Name(), err)
		return cfg, nil, 2, false
	}
	level, _ := web.ParseLogLevel(cfg.LogLevel)
	c.setLogger(cfg.LogFormat, level)
	return cfg, positional, 0, true
}

func (c *cli) serve(args []string) int {
	fs := flag.NewFlagSet("pbxws serve", flag.ContinueOnError)
	cfg, rest, code, ok := c.settings(fs, true, "[flags]", args)
	if !ok {
		return code
	}
	if len(rest) > 0 {
		fmt.Fprintf(c.stderr, "pbxws serve: unexpected arguments: %s\n(pbxws -h lists the commands)\n", strings.Join(rest, " "))
		return 2
	}
	srv, err := web.Start(c.ctx, cfg)
	if err != nil {
		fmt.Fprintln(c.stderr, "pbxws:", err)
		return 1
	}
	fmt.Fprintf(c.stderr, "pbxws is serving: http://%s  https://%s  (Ctrl-C stops it)\n", srv.HTTPAddr(), srv.HTTPSAddr())
	<-c.ctx.Done()
	slog.Info("stopping")
	if err := srv.Close(context.Background()); err != nil {
		fmt.Fprintln(c.stderr, "pbxws: stop:", err)
		return 1
	}
	return 0
}

// programName is how the operator ran pbxws, for the hints it prints: relative to the
// working folder when the binary is under it.
func programName() string {
	p := os.Args[0]
	if !strings.Contains(p, "/") {
		return p
	}
	if wd, err := os.Getwd(); err == nil && strings.HasPrefix(p, wd+"/") {
		return "./" + strings.TrimPrefix(p, wd+"/")
	}
	return p
}
