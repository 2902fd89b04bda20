package web

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // served only on PprofAddr, off by default
	"path/filepath"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jmoiron/sqlx"

	"pbxws/acl"
	"pbxws/handlers"
	"pbxws/models"
	"pbxws/sip"
	pbxsql "pbxws/sql"
)

// Server is one running pbxws: its database, its listeners and the services behind them.
type Server struct {
	cfg     Config
	log     *slog.Logger
	db      *sqlx.DB
	cluster *pbxsql.Cluster
	app     *fiber.App
	gate    *acl.Gate
	proxies acl.Proxies
	// throttle slows failed authentications on every service that authenticates.
	throttle *acl.Throttle
	// userChanges counts this instance's writes: the user authenticators read a verified
	// user again after any (acl.UserAuthConfig.Changes).
	userChanges acl.Epoch
	// Requests queue in arrival order: reads for the processors, writes for the database.
	admitReads, admitWrites *admission
	stores                  *models.Stores
	// health turns database outages into 503s, logged once when they start and end.
	health *models.Health
	sip    *sip.Agent
	cc     *handlers.CallController
	// services are the registrar's and the REST server's settings (sipx-api.md §13), read
	// live through serviceSettings.
	services        models.PBXServiceKinds
	serviceSettings *models.ServiceSettingsCache
	// baseLog is the configured logger, which log wraps with the REST server's stored level.
	baseLog *slog.Logger
	// sipxUsers authenticates users on the sipX REST façade.
	sipxUsers *acl.UserAuth

	httpLn, httpsLn     net.Listener
	ccHTTPLn, ccHTTPSLn net.Listener
	tlsCertFile         string
	closers             []func(context.Context) error
	statusCache         healthCheck
	metricsLn           net.Listener
}

// Start opens (or creates) the database, migrates it, and starts every listener of cfg.
// Addresses ending in ":0" get a free port; HTTPAddr/HTTPSAddr tell which.
func Start(ctx context.Context, cfg Config) (s *Server, err error) {
	// The binary has checked its settings already; a Config built in code is held to the
	// same rules.
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s = &Server{cfg: cfg, log: slog.Default(),
		admitReads:  newAdmission(cfg.activeLimit(), cfg.MaxWait),
		admitWrites: newAdmission(cfg.writeLimit(), cfg.MaxWait).named("write")}
	// Error returns set s to nil before deferred calls run: undo through this copy.
	started := s
	defer func() {
		if err != nil {
			_ = started.Close(context.Background())
			s = nil
		}
	}()
	if s.proxies, err = acl.ParseProxies(cfg.TrustedProxies); err != nil {
		return nil, fmt.Errorf("trusted-proxies: %w", err)
	}
	if err := checkPorts(cfg); err != nil {
		return nil, err
	}
	dsn := cfg.DatabaseURL
	if dsn == "" {
		cl, err := pbxsql.StartCluster(ctx, filepath.Join(cfg.VarDir, "pg"), s.log)
		if err != nil {
			return nil, err
		}
		s.cluster = cl
		// The owner restarts its cluster when the server dies (requests get 503 meanwhile).
		cl.Watch(time.Second)
		if err := cl.EnsureDatabase(ctx, "pbxws"); err != nil {
			return nil, err
		}
		dsn = cl.DSN("pbxws")
	}
	if s.db, err = pbxsql.OpenWait(ctx, dsn, cfg.DBWait, s.log); err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	if cfg.DBMaxConns > 0 {
		n := s.poolSize(ctx)
		s.db.SetMaxOpenConns(n)
		s.db.SetMaxIdleConns(n)
		s.admitReads = newAdmission(s.cfg.activeLimit(), s.cfg.MaxWait)
		s.admitWrites = newAdmission(s.cfg.writeLimit(), s.cfg.MaxWait).named("write")
	}
	health := models.NewHealth(s.db.DB, s.log)
	s.health = health // closed through the local: a failed Start's return sets s to nil
	s.closers = append(s.closers, func(context.Context) error { health.Close(); return nil })
	if err := pbxsql.Migrate(ctx, s.db); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	s.stores = models.NewStores(s.db, cfg.Realm)
	if err := s.stores.Prepare(ctx); err != nil {
		return nil, err
	}
	// The service settings first: they set the logger (its live level) the others take.
	s.startServiceSettings(dsn)
	log := s.log
	s.stores.AudioFiles.MirrorDir = cfg.SoundsDir
	s.stores.AudioFiles.MirrorFailed = func(family, name string, err error) {
		log.Error("audio file not mirrored", "family", family, "name", name, "err", err)
	}
	stopMirror := s.stores.AudioFiles.ListenMirror(dsn, s.log)
	s.closers = append(s.closers, func(context.Context) error { stopMirror(); return nil })
	books := s.stores.Books
	books.Listen(dsn, s.log)
	s.closers = append(s.closers, func(context.Context) error { books.Close(); return nil })
	phones := s.stores.Phones
	phones.Listen(dsn, s.log)
	s.closers = append(s.closers, func(context.Context) error { phones.CloseListener(); return nil })
	regs := s.stores.Registrations
	regs.Listen(dsn, s.log)
	s.closers = append(s.closers, func(context.Context) error { regs.Close(); return nil })
	s.pruneChanges()
	s.throttle = acl.NewThrottle(cfg.throttleConfig(), s.log)
	if s.gate, err = acl.NewGate(ctx, s.db, acl.GateConfig{DSN: dsn, Logger: s.log, Throttle: s.throttle, MaxWait: cfg.MaxWait}); err != nil {
		return nil, fmt.Errorf("web-service accounts: %w", err)
	}
	if n, err := s.gate.Count(ctx); err == nil && n == 0 {
		s.log.Warn("no web-service account yet: create one with: " + acl.FirstAccountCommand(cfg.program(), cfg.dataFlags()))
	}

	var cert tls.Certificate
	haveCert := false
	if cfg.HTTPSAddr != "" || (cfg.CCHTTPSAddr != "" && cfg.SIPAddr != "") || (cfg.SIPTLSAddr != "" && cfg.SIPAddr != "") {
		var certFile string
		if cert, certFile, err = loadOrCreateCertificate(cfg); err != nil {
			return nil, fmt.Errorf("tls: %w", err)
		}
		s.tlsCertFile, haveCert = certFile, true
	}
	if cfg.SIPAddr != "" {
		if err := s.startSIP(ctx, cert); err != nil {
			return nil, fmt.Errorf("sip: %w", err)
		}
	}

	s.app = newApp(s)
	routes(s)

	if cfg.HTTPAddr != "" {
		if s.httpLn, err = net.Listen("tcp", cfg.HTTPAddr); err != nil {
			return nil, fmt.Errorf("http listener: %w", err)
		}
		go s.serve(s.httpLn)
	}
	if err := s.startCCListeners(cert, haveCert); err != nil {
		return nil, err
	}
	if cfg.HTTPSAddr != "" {
		ln, err := net.Listen("tcp", cfg.HTTPSAddr)
		if err != nil {
			return nil, fmt.Errorf("https listener: %w", err)
		}
		s.httpsLn = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
		go s.serve(s.httpsLn)
	}

	if cfg.PprofAddr != "" {
		ln, err := net.Listen("tcp", cfg.PprofAddr)
		if err != nil {
			return nil, fmt.Errorf("pprof listener: %w", err)
		}
		ps := &http.Server{Handler: http.DefaultServeMux, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = ps.Serve(ln) }()
		s.closers = append(s.closers, ps.Shutdown)
	}

	if cfg.MetricsAddr != "" {
		if err := s.startMetrics(); err != nil {
			return nil, err
		}
	}

	s.log.Info("pbxws started", "http", s.HTTPAddr(), "https", s.HTTPSAddr(), "sip", s.SIPAddr(), "metrics", s.MetricsAddr(),
		"cc_http", s.CCHTTPAddr(), "cc_https", s.CCHTTPSAddr(), "config", s.cfg.Masked())
	return s, nil
}

func (s *Server) serve(ln net.Listener) { s.serveApp(s.app, ln) }

func (s *Server) serveApp(app *fiber.App, ln net.Listener) {
	if err := app.Listener(ln); err != nil && !errors.Is(err, net.ErrClosed) {
		s.log.Error("listener stopped", "addr", ln.Addr().String(), "err", err)
	}
}

// poolSize is -db-max-conns, or less when the server has fewer connections free: a pool
// larger than that fails requests at random once the server refuses connections. One
// connection is left for the account-change listener.
func (s *Server) poolSize(ctx context.Context) int {
	want := s.cfg.DBMaxConns
	free, err := pbxsql.FreeConnections(ctx, s.db)
	if err != nil || free-1 >= want {
		return want
	}
	size := max(2, free-1)
	s.log.Warn("the database has fewer free connections than -db-max-conns: the pool is sized down",
		"db_max_conns", want, "free_connections", free, "pool", size)
	s.cfg.DBMaxConns = size
	return size
}

// HTTPAddr is the bound plain-HTTP address ("" when disabled).
func (s *Server) HTTPAddr() string { return addrOf(s.httpLn) }

// HTTPSAddr is the bound HTTPS address ("" when disabled).
func (s *Server) HTTPSAddr() string { return addrOf(s.httpsLn) }

// TLSCertFile is the PEM certificate the HTTPS listener presents.
func (s *Server) TLSCertFile() string { return s.tlsCertFile }

// DB is the server's database handle.
func (s *Server) DB() *sqlx.DB { return s.db }

// Config is the configuration the server runs with.
func (s *Server) Config() Config { return s.cfg }

func addrOf(ln net.Listener) string {
	if ln == nil {
		return ""
	}
	return ln.Addr().String()
}

// pruneChanges trims the change log every minute until Close.
func (s *Server) pruneChanges() {
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				if err := s.stores.Changes.Prune(ctx); err != nil {
					s.log.Warn("pruning the change log", "err", err)
				}
				cancel()
			}
		}
	}()
	s.closers = append(s.closers, func(context.Context) error { close(stop); <-done; return nil })
}

// Close stops the listeners gracefully, then the services and the database.
func (s *Server) Close(ctx context.Context) error {
	var errs []error
	if s.app != nil {
		timeout := s.cfg.ShutdownTimeout
		if timeout <= 0 {
			timeout = 10 * time.Second
		}
		if err := s.app.ShutdownWithTimeout(timeout); err != nil {
			errs = append(errs, err)
		}
	}
	if s.gate != nil {
		s.gate.Close()
	}
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i](ctx))
	}
	if s.db != nil {
		errs = append(errs, s.db.Close())
	}
	// The private cluster outlives the pool that uses it.
	if s.cluster != nil {
		errs = append(errs, s.cluster.Stop(ctx))
	}
	return errors.Join(errs...)
}
