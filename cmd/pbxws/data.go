package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/jmoiron/sqlx"

	"pbxws/acl"
	"pbxws/models"
	pbxsql "pbxws/sql"
	"pbxws/web"
)

// database is where a command's data is: the configured database, or the private cluster
// under the var dir.
type database struct {
	dsn     string
	cluster *pbxsql.Cluster // nil with a configured database
}

func (d *database) close() {
	if d.cluster != nil {
		_ = d.cluster.Stop(context.Background())
	}
}

// where says where the data is, for messages.
func (d *database) where(cfg web.Config) string {
	if d.cluster == nil {
		return web.MaskURL(cfg.DatabaseURL)
	}
	return "the private cluster in " + d.cluster.Dir
}

// locate finds the database of cfg. Outside serve (create false) a private cluster that
// does not exist yet is an error naming where it was looked for, not a new empty cluster.
func (c *cli) locate(cfg web.Config, create bool) (*database, error) {
	if cfg.DatabaseURL != "" {
		return &database{dsn: cfg.DatabaseURL}, nil
	}
	cl, err := pbxsql.OpenCluster(c.ctx, filepath.Join(cfg.VarDir, "pg"), pbxsql.ClusterOptions{NoCreate: !create})
	if err != nil {
		return nil, err
	}
	d := &database{cluster: cl, dsn: cl.DSN("pbxws")}
	if err := cl.EnsureDatabase(c.ctx, "pbxws"); err != nil {
		d.close()
		return nil, err
	}
	return d, nil
}

// open locates the database, connects and migrates it.
func (c *cli) open(cfg web.Config, create bool) (*database, *sqlx.DB, error) {
	d, err := c.locate(cfg, create)
	if err != nil {
		return nil, nil, err
	}
	db, err := pbxsql.Open(c.ctx, d.dsn)
	if err != nil {
		d.close()
		return nil, nil, fmt.Errorf("database: %w", err)
	}
	if err := pbxsql.Migrate(c.ctx, db); err != nil {
		db.Close()
		d.close()
		return nil, nil, fmt.Errorf("migrate: %w", err)
	}
	return d, db, nil
}

func (c *cli) fail(cmd string, err error) int {
	fmt.Fprintf(c.stderr, "pbxws %s: %v\n", cmd, err)
	return 1
}

func (c *cli) migrate(args []string) int {
	fs := flag.NewFlagSet("pbxws migrate", flag.ContinueOnError)
	cfg, rest, code, ok := c.settings(fs, false, "[status] [flags]", args)
	if !ok {
		return code
	}
	switch {
	case len(rest) == 0:
		d, db, err := c.open(cfg, false)
		if err != nil {
			return c.fail("migrate", err)
		}
		defer d.close()
		defer db.Close()
		fmt.Fprintln(c.stdout, "database is up to date")
		return 0
	case len(rest) == 1 && rest[0] == "status":
		return c.migrateStatus(cfg)
	}
	fmt.Fprintf(c.stderr, "pbxws migrate: unexpected arguments: %s\n(pbxws migrate -h)\n", strings.Join(rest, " "))
	return 2
}

// migrateStatus lists every migration with when it was applied, or "pending".
func (c *cli) migrateStatus(cfg web.Config) int {
	d, err := c.locate(cfg, false)
	if err != nil {
		return c.fail("migrate status", err)
	}
	defer d.close()
	db, err := pbxsql.Open(c.ctx, d.dsn)
	if err != nil {
		return c.fail("migrate status", err)
	}
	defer db.Close()
	applied, err := pbxsql.AppliedMigrations(c.ctx, db)
	if err != nil {
		return c.fail("migrate status", err)
	}
	ms, err := pbxsql.Migrations()
	if err != nil {
		return c.fail("migrate status", err)
	}
	at := map[int]string{}
	for _, a := range applied {
		at[a.Version] = a.AppliedAt.Local().Format("2006-01-02 15:04:05")
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tNAME\tAPPLIED")
	pending := 0
	for _, m := range ms {
		when, ok := at[m.Version]
		if !ok {
			when = "pending"
			pending++
		}
		fmt.Fprintf(tw, "%04d\t%s\t%s\n", m.Version, m.Name, when)
	}
	_ = tw.Flush()
	fmt.Fprintf(c.stdout, "%d applied, %d pending (%s)\n", len(ms)-pending, pending, d.where(cfg))
	return 0
}

func (c *cli) account(args []string) int {
	var cfg web.Config
	var d *database
	var db *sqlx.DB
	defer func() {
		if db != nil {
			db.Close()
		}
		if d != nil {
			d.close()
		}
	}()
	env := acl.AccountEnv{
		Flags: func(fs *flag.FlagSet) {
			cfg = web.DefaultConfig()
			cfg.RegisterFlags(fs, true)
		},
		Open: func(fs *flag.FlagSet) (*models.WSAccountStore, func(), error) {
			if err := cfg.Resolve(fs, false); err != nil {
				return nil, nil, err
			}
			var err error
			if d, db, err = c.open(cfg, false); err != nil {
				return nil, nil, err
			}
			return &models.WSAccountStore{DB: db}, func() {}, nil
		},
	}
	return acl.RunAccountCommand(c.ctx, env, args, c.stdout, c.stderr)
}

func (c *cli) db(args []string) int {
	fs := flag.NewFlagSet("pbxws db", flag.ContinueOnError)
	// Arguments after "--" go to psql.
	var psqlArgs []string
	for i, a := range args {
		if a == "--" {
			args, psqlArgs = args[:i], args[i+1:]
			break
		}
	}
	cfg, rest, code, ok := c.settings(fs, false, "status|stop|psql [flags] [-- psql arguments]", args)
	if !ok {
		return code
	}
	if len(rest) != 1 {
		fmt.Fprintln(c.stderr, "pbxws db: give one of status, stop, psql (pbxws db -h)")
		return 2
	}
	switch rest[0] {
	case "status":
		return c.dbStatus(cfg)
	case "stop":
		return c.dbStop(cfg)
	case "psql":
		return c.dbPsql(cfg, psqlArgs)
	}
	fmt.Fprintf(c.stderr, "pbxws db: unknown command %q: give one of status, stop, psql\n", rest[0])
	return 2
}

// dbStatus says where the data is, whether the server is up, who owns the private cluster
// and how far the schema is migrated. Exit status 1 when the database cannot be reached.
func (c *cli) dbStatus(cfg web.Config) int {
	dsn := cfg.DatabaseURL
	if dsn == "" {
		// Looking starts nothing: a stopped cluster is reported as such.
		cl, err := pbxsql.OpenCluster(c.ctx, filepath.Join(cfg.VarDir, "pg"), pbxsql.ClusterOptions{NoCreate: true, NoStart: true})
		if err != nil {
			return c.fail("db status", err)
		}
		fmt.Fprintf(c.stdout, "private PostgreSQL cluster: %s\n", cl.Dir)
		if cl.Dir != cl.Asked {
			fmt.Fprintf(c.stdout, "  (for %s, which the postgres user cannot reach)\n", cl.Asked)
		}
		fmt.Fprintf(c.stdout, "socket: %s\n", cl.SocketDir)
		if pid := cl.OwnerPID(); pid != 0 {
			fmt.Fprintf(c.stdout, "owner: pbxws process %d (it stops the cluster when it exits)\n", pid)
		} else {
			fmt.Fprintln(c.stdout, "owner: none (no pbxws serve runs on it)")
		}
		if !cl.Running(c.ctx) {
			fmt.Fprintln(c.stdout, "server: stopped (pbxws serve starts it)")
			return 0
		}
		dsn = cl.DSN("pbxws")
	} else {
		fmt.Fprintf(c.stdout, "database: %s\n", web.MaskURL(cfg.DatabaseURL))
	}
	db, err := pbxsql.Open(c.ctx, dsn)
	if err == nil {
		err = db.PingContext(c.ctx)
	}
	if err != nil {
		fmt.Fprintf(c.stdout, "server: unreachable: %v\n", err)
		return 1
	}
	defer db.Close()
	serverVersion, _ := pbxsql.ServerVersion(c.ctx, db)
	fmt.Fprintf(c.stdout, "server: up (PostgreSQL %s)\n", serverVersion)
	applied, err := pbxsql.AppliedMigrations(c.ctx, db)
	if err != nil {
		return c.fail("db status", err)
	}
	ms, _ := pbxsql.Migrations()
	fmt.Fprintf(c.stdout, "schema: %d of %d migrations applied\n", len(applied), len(ms))
	return 0
}

func (c *cli) dbStop(cfg web.Config) int {
	if cfg.DatabaseURL != "" {
		return c.fail("db stop", errors.New("the database is configured (-database-url), not a private cluster: stop it with its own tools"))
	}
	cl, err := pbxsql.OpenCluster(c.ctx, filepath.Join(cfg.VarDir, "pg"), pbxsql.ClusterOptions{NoCreate: true, NoStart: true})
	if err != nil {
		return c.fail("db stop", err)
	}
	if pid := cl.OwnerPID(); pid != 0 {
		return c.fail("db stop", fmt.Errorf("pbxws process %d serves on this cluster and would restart it: stop that process instead (it stops the cluster)", pid))
	}
	if err := cl.StopRunning(c.ctx); err != nil {
		return c.fail("db stop", err)
	}
	fmt.Fprintf(c.stdout, "stopped the private PostgreSQL cluster in %s\n", cl.Dir)
	return 0
}

func (c *cli) dbPsql(cfg web.Config, args []string) int {
	d, err := c.locate(cfg, false)
	if err != nil {
		return c.fail("db psql", err)
	}
	defer d.close()
	psql, err := pbxsql.Binary("psql")
	if err != nil {
		return c.fail("db psql", err)
	}
	return c.runTool(psql, append([]string{"--dbname", d.dsn}, args...))
}

// runTool runs a PostgreSQL program with the terminal's streams and returns its status.
func (c *cli) runTool(prog string, args []string) int {
	cmd := exec.CommandContext(c.ctx, prog, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, c.stdout, c.stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		return c.fail(filepath.Base(prog), err)
	}
	return 0
}

func (c *cli) backup(args []string) int {
	fs := flag.NewFlagSet("pbxws backup", flag.ContinueOnError)
	cfg, rest, code, ok := c.settings(fs, false, "FILE [flags]", args)
	if !ok {
		return code
	}
	if len(rest) != 1 {
		fmt.Fprintln(c.stderr, "pbxws backup: give the file to write (pbxws backup -h)")
		return 2
	}
	d, db, err := c.open(cfg, false)
	if err != nil {
		return c.fail("backup", err)
	}
	db.Close()
	defer d.close()
	dump, err := pbxsql.Binary("pg_dump")
	if err != nil {
		return c.fail("backup", err)
	}
	if code := c.runTool(dump, []string{"--format=custom", "--no-owner", "--file", rest[0], "--dbname", d.dsn}); code != 0 {
		return code
	}
	fmt.Fprintf(c.stdout, "backed up %s into %s\n", d.where(cfg), rest[0])
	return 0
}

func (c *cli) restore(args []string) int {
	fs := flag.NewFlagSet("pbxws restore", flag.ContinueOnError)
	cfg, rest, code, ok := c.settings(fs, false, "FILE [flags]", args)
	if !ok {
		return code
	}
	if len(rest) != 1 {
		fmt.Fprintln(c.stderr, "pbxws restore: give the backup file (pbxws restore -h)")
		return 2
	}
	if _, err := os.Stat(rest[0]); err != nil {
		return c.fail("restore", err)
	}
	// Restoring is how a new var dir gets its data: this command may create the cluster.
	d, err := c.locate(cfg, true)
	if err != nil {
		return c.fail("restore", err)
	}
	defer d.close()
	db, err := pbxsql.Open(c.ctx, d.dsn)
	if err != nil {
		return c.fail("restore", err)
	}
	defer db.Close()
	applied, err := pbxsql.AppliedMigrations(c.ctx, db)
	if err != nil {
		return c.fail("restore", err)
	}
	if len(applied) > 0 {
		return c.fail("restore", fmt.Errorf("%s already holds pbxws data: restore into a fresh -var-dir or an empty database", d.where(cfg)))
	}
	prog, err := pbxsql.Binary("pg_restore")
	if err != nil {
		return c.fail("restore", err)
	}
	if code := c.runTool(prog, []string{"--no-owner", "--exit-on-error", "--single-transaction", "--dbname", d.dsn, rest[0]}); code != 0 {
		return code
	}
	// A backup of an older pbxws gets the newer migrations.
	if err := pbxsql.Migrate(c.ctx, db); err != nil {
		return c.fail("restore", err)
	}
	fmt.Fprintf(c.stdout, "restored %s into %s\n", rest[0], d.where(cfg))
	return 0
}
