// Command pbxws is the provisioning and click-to-call web service for IP PBXs.
//
//	pbxws [serve] [flags]     start the server (the default)
//	pbxws migrate [flags]     apply database migrations and exit
//	pbxws account …           manage json.php web-service accounts
//
// Every flag has a PBXWS_* environment twin; `pbxws serve -h` lists them.
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
	"path/filepath"
	"runtime/debug"
	"syscall"

	"pbxws/acl"
	"pbxws/models"
	pbxsql "pbxws/sql"
	"pbxws/web"
)

// defaultMemoryLimit is the soft heap limit when GOMEMLIMIT is not set: the collector works
// harder near it instead of letting large list answers double the heap.
const defaultMemoryLimit = 96 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	logs := newLogBuffer(stderr, flushEvery)
	defer logs.Close()
	stderr = logs.Direct()
	slog.SetDefault(slog.New(flushingHandler{slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}), logs}))
	cmd := "serve"
	if len(args) > 0 && (args[0] == "serve" || args[0] == "migrate" || args[0] == "account" || args[0] == "help" || args[0] == "-h" || args[0] == "--help") {
		cmd, args = args[0], args[1:]
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch cmd {
	case "serve":
		return serve(ctx, args, stderr)
	case "migrate":
		return withDB(ctx, args, stderr, func(*models.Stores) int {
			fmt.Fprintln(stdout, "database is up to date")
			return 0
		})
	case "account":
		// Flags of the account subcommand are its own; the database comes from the environment.
		return withDB(ctx, nil, stderr, func(st *models.Stores) int {
			return acl.RunAccountCLI(ctx, &models.WSAccountStore{DB: st.DB}, args, stdout, stderr)
		})
	default:
		fmt.Fprintln(stdout, "usage: pbxws [serve|migrate|account …] [flags]   (pbxws serve -h lists the flags)")
		return 0
	}
}

func loadConfig(args []string, stderr io.Writer) (web.Config, bool) {
	cfg := web.DefaultConfig()
	if err := cfg.Load(args, os.Getenv); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "pbxws:", err)
		}
		return cfg, false
	}
	return cfg, true
}

func serve(ctx context.Context, args []string, stderr io.Writer) int {
	cfg, ok := loadConfig(args, stderr)
	if !ok {
		return 2
	}
	srv, err := web.Start(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "pbxws:", err)
		return 1
	}
	fmt.Fprintf(stderr, "pbxws is serving: http://%s  https://%s  (Ctrl-C stops it)\n", srv.HTTPAddr(), srv.HTTPSAddr())
	<-ctx.Done()
	slog.Info("stopping")
	if err := srv.Close(context.Background()); err != nil {
		fmt.Fprintln(stderr, "pbxws: stop:", err)
		return 1
	}
	return 0
}

// withDB opens the configured database (starting the private cluster when none is configured),
// migrates it, runs fn, and stops what it started.
func withDB(ctx context.Context, args []string, stderr io.Writer, fn func(*models.Stores) int) int {
	cfg, ok := loadConfig(args, stderr)
	if !ok {
		return 2
	}
	dsn := cfg.DatabaseURL
	if dsn == "" {
		cl, err := pbxsql.StartCluster(ctx, filepath.Join(cfg.VarDir, "pg"), slog.Default())
		if err != nil {
			fmt.Fprintln(stderr, "pbxws:", err)
			return 1
		}
		defer func() { _ = cl.Stop(context.Background()) }()
		if err := cl.EnsureDatabase(ctx, "pbxws"); err != nil {
			fmt.Fprintln(stderr, "pbxws:", err)
			return 1
		}
		dsn = cl.DSN("pbxws")
	}
	db, err := pbxsql.Open(ctx, dsn)
	if err != nil {
		fmt.Fprintln(stderr, "pbxws: database:", err)
		return 1
	}
	defer db.Close()
	if err := pbxsql.Migrate(ctx, db); err != nil {
		fmt.Fprintln(stderr, "pbxws: migrate:", err)
		return 1
	}
	return fn(models.NewStores(db, cfg.Realm))
}
