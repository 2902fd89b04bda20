package models

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// The settings of the services pbxws itself runs (sipx-api.md §13): the built-in registrar
// (registrar-config/) and the REST server, i.e. pbxws's web side (rest-config/). Their
// ports are read-only (the running listeners); the registrar's normal bounds are XiVO's
// general_settings/sip minexpiry and maxexpiry; the rest is stored. All is read live: every
// change is announced on ServiceSettingsChannel, in the write's transaction (a trigger does
// it for json.php's edits, migration 0141), so that every instance's ServiceSettingsCache
// forgets what it held.

// ServiceSettingsChannel carries, after each commit, the owner kind whose settings changed
// ("service:registrar").
const ServiceSettingsChannel = "pbxws_service_settings"

// Paths of the registrar tree.
const (
	RegistrarUDPPort     = "registrar-config/SIP_REGISTRAR_UDP_PORT"
	RegistrarTCPPort     = "registrar-config/SIP_REGISTRAR_TCP_PORT"
	RegistrarLogLevel    = "registrar-config/SIP_REGISTRAR_LOG_LEVEL"
	RegistrarMinNormal   = "registrar-config/SIP_REGISTRAR_MIN_EXPIRES_NORMAL"
	RegistrarMaxNormal   = "registrar-config/SIP_REGISTRAR_MAX_EXPIRES_NORMAL"
	RegistrarMinNATed    = "registrar-config/SIP_REGISTRAR_MIN_EXPIRES_NATED"
	RegistrarMaxNATed    = "registrar-config/SIP_REGISTRAR_MAX_EXPIRES_NATED"
	RestLogLevel         = "rest-config/log.level"
	RestHTTPPort         = "rest-config/httpPort"
	RestPublicHTTPPort   = "rest-config/publicHttpPort"
	RestSIPPort          = "rest-config/sipPort"
	registrarKindName    = "registrar"
	restServerKindName   = "restserver"
	maxRegistrationDelta = 86400
)

// sipxLogLevels are the sipX services' log levels, most verbose first.
var sipxLogLevels = []string{"DEBUG", "Debug", "INFO", "Information", "NOTICE", "Notice", "WARNING", "Warning",
	"ERR", "Error", "CRIT", "Critical", "ALERT", "Alert", "EMERG", "Emergency"}

// SlogLevel is the slog level a sipX log level stands for (NOTICE and unknown: Info).
func SlogLevel(sipx string) slog.Level {
	switch sipx {
	case "DEBUG":
		return slog.LevelDebug
	case "WARNING":
		return slog.LevelWarn
	case "ERR", "CRIT", "ALERT", "EMERG":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// ListenerPorts gives the running listeners' ports ("" for one that is off).
type ListenerPorts func() (sipUDP, sipTCP, http, https string)

// RegistrarBounds are the registration intervals the registrar grants, in seconds: a
// contact behind NAT gets the NATed ones.
type RegistrarBounds struct {
	Min, Max, NATMin, NATMax int
}

// PBXServiceKinds are the owner kinds of the registrar's and the REST server's settings.
type PBXServiceKinds struct {
	Registrar, RestServer *SettingsOwner
}

// NewPBXServiceKinds declares both trees. flagMin and flagMax are the -sip-min-expires and
// -sip-max-expires bounds, the defaults of the registrar's expiry settings; ports reads the
// running listeners for the read-only leaves.
func NewPBXServiceKinds(st *SettingsTreeStore, flagMin, flagMax int, ports ListenerPorts) PBXServiceKinds {
	minDef, maxDef := strconv.Itoa(flagMin), strconv.Itoa(flagMax)
	// The bounds XiVO's general_settings/sip allows for minexpiry and maxexpiry.
	expiry := func(name, label, def string) *TreeSetting {
		return TreeInt(name, label).Def(def).Range(1, maxRegistrationDelta)
	}
	registrar := NewSettingTree(TreeGroup("registrar-config", "Registrar",
		TreeInt("SIP_REGISTRAR_UDP_PORT", "SIP UDP port").ReadOnly("the running SIP listener (-sip, PBXWS_SIP)").
			Describe("The UDP port of pbxws's SIP listener."),
		TreeInt("SIP_REGISTRAR_TCP_PORT", "SIP TCP port").ReadOnly("the running SIP listener (-sip and -sip-tcp, PBXWS_SIP and PBXWS_SIP_TCP)").
			Describe("The TCP port of pbxws's SIP listener (none when -sip-tcp is off)."),
		TreeEnum("SIP_REGISTRAR_LOG_LEVEL", "Log level", sipxLogLevels...).Def("NOTICE").
			Describe("What the SIP side of pbxws logs, from DEBUG (everything) to EMERG; applied at once."),
		expiry("SIP_REGISTRAR_MIN_EXPIRES_NORMAL", "Shortest registration", minDef).
			Describe("Seconds; a phone asking for less is answered 423 with this Min-Expires."),
		expiry("SIP_REGISTRAR_MAX_EXPIRES_NORMAL", "Longest registration", maxDef).
			Describe("Seconds; a phone asking for more is granted this."),
		expiry("SIP_REGISTRAR_MIN_EXPIRES_NATED", "Shortest registration behind NAT", minDef).
			Describe("As the shortest registration, for a phone whose REGISTER comes from another address than its Contact."),
		expiry("SIP_REGISTRAR_MAX_EXPIRES_NATED", "Longest registration behind NAT", maxDef).
			Describe("As the longest registration, for a phone behind NAT (short, to keep its NAT binding open)."),
	))
	rest := NewSettingTree(TreeGroup("rest-config", "REST server",
		TreeEnum("log.level", "Log level", sipxLogLevels...).Def("NOTICE").
			Describe("What pbxws's web services log (the request lines at INFO), from DEBUG to EMERG; applied at once."),
		TreeInt("sipPort", "SIP port").ReadOnly("the running SIP listener (-sip, PBXWS_SIP)"),
		TreeInt("httpPort", "HTTP port").ReadOnly("the running HTTP listener (-http, PBXWS_HTTP)"),
		TreeInt("publicHttpPort", "HTTPS port").ReadOnly("the running HTTPS listener (-https, PBXWS_HTTPS)"),
	))
	notify := func(kind string) func(ctx context.Context, tx *sqlx.Tx, id string) error {
		return func(ctx context.Context, tx *sqlx.Tx, _ string) error {
			_, err := tx.ExecContext(ctx, `SELECT pg_notify($1, $2)`, ServiceSettingsChannel, kind)
			return err
		}
	}
	reg := ServiceSettings(registrarKindName, registrar, false)
	// The ports are the running listener; the normal bounds are XiVO's SIP registration
	// bounds (general_settings/sip minexpiry and maxexpiry), one value for both façades.
	reg.Mirror = &SettingMirror{Paths: []string{RegistrarUDPPort, RegistrarTCPPort, RegistrarMinNormal, RegistrarMaxNormal},
		Read: func(ctx context.Context, q sqlx.QueryerContext, _ string) (map[string]*string, error) {
			udp, tcp, _, _ := ports()
			out := map[string]*string{RegistrarUDPPort: portValue(udp), RegistrarTCPPort: portValue(tcp)}
			var min, max *string
			err := q.QueryRowxContext(ctx, `SELECT value->>'minexpiry', value->>'maxexpiry' FROM settings WHERE section = 'sip'`).Scan(&min, &max)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return nil, err
			}
			out[RegistrarMinNormal], out[RegistrarMaxNormal] = min, max
			return out, nil
		},
		Write: func(ctx context.Context, tx *sqlx.Tx, _ string, values map[string]*string) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO settings (section) VALUES ('sip') ON CONFLICT DO NOTHING`); err != nil {
				return err
			}
			var locked string
			if err := tx.GetContext(ctx, &locked, `SELECT section FROM settings WHERE section = 'sip' FOR UPDATE`); err != nil {
				return err
			}
			for path, key := range map[string]string{RegistrarMinNormal: "minexpiry", RegistrarMaxNormal: "maxexpiry"} {
				v, ok := values[path]
				var err error
				switch {
				case !ok:
				case v == nil:
					_, err = tx.ExecContext(ctx, `UPDATE settings SET value = value - CAST($1 AS text) WHERE section = 'sip'`, key)
				default:
					_, err = tx.ExecContext(ctx, `UPDATE settings SET value = jsonb_set(value, ARRAY[CAST($1 AS text)], to_jsonb(CAST($2 AS integer)))
						WHERE section = 'sip'`, key, *v)
				}
				if err != nil {
					return err
				}
			}
			return nil
		}}
	// A write keeps each shortest interval at most its longest, then tells the caches.
	reg.AfterWrite = func(ctx context.Context, tx *sqlx.Tx, id string) error {
		own, err := effectiveValues(ctx, tx, st, reg, id)
		if err != nil {
			return err
		}
		b := boundsOf(own, flagMin, flagMax)
		switch {
		case b.Min > b.Max:
			return Invalid(RegistrarMinNormal, "must not exceed "+RegistrarMaxNormal+" ("+strconv.Itoa(b.Max)+")")
		case b.NATMin > b.NATMax:
			return Invalid(RegistrarMinNATed, "must not exceed "+RegistrarMaxNATed+" ("+strconv.Itoa(b.NATMax)+")")
		}
		return notify(reg.Name)(ctx, tx, id)
	}
	rs := ServiceSettings(restServerKindName, rest, false)
	rs.Mirror = &SettingMirror{Paths: []string{RestSIPPort, RestHTTPPort, RestPublicHTTPPort},
		Read: func(context.Context, sqlx.QueryerContext, string) (map[string]*string, error) {
			udp, _, http, https := ports()
			return map[string]*string{RestSIPPort: portValue(udp), RestHTTPPort: portValue(http), RestPublicHTTPPort: portValue(https)}, nil
		}}
	rs.AfterWrite = notify(rs.Name)
	return PBXServiceKinds{Registrar: reg, RestServer: rs}
}

func portValue(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// effectiveValues are an owner's mirrored values with its overrides over them.
func effectiveValues(ctx context.Context, q sqlx.QueryerContext, st *SettingsTreeStore, kind *SettingsOwner, id string) (map[string]*string, error) {
	out := map[string]*string{}
	if kind.Mirror != nil {
		m, err := kind.Mirror.Read(ctx, q, id)
		if err != nil {
			return nil, err
		}
		for p, v := range m {
			if v != nil {
				out[p] = v
			}
		}
	}
	own, err := st.Overrides(ctx, q, kind.Name, id)
	for p, v := range own {
		out[p] = v
	}
	return out, err
}

// boundsOf reads the registrar's expiry overrides over the flags' bounds.
func boundsOf(own map[string]*string, flagMin, flagMax int) RegistrarBounds {
	get := func(path string, def int) int {
		if v := own[path]; v != nil {
			if n, err := strconv.Atoi(*v); err == nil {
				return n
			}
		}
		return def
	}
	return RegistrarBounds{Min: get(RegistrarMinNormal, flagMin), Max: get(RegistrarMaxNormal, flagMax),
		NATMin: get(RegistrarMinNATed, flagMin), NATMax: get(RegistrarMaxNATed, flagMax)}
}

// ServiceSettingsCache holds the stored values of the registrar's and the REST server's
// settings (overrides and mirrored columns), read for every REGISTER and request. It serves from memory only while it
// LISTENs on ServiceSettingsChannel (a notice, or a reconnection, makes it read again);
// otherwise every read goes to the database.
type ServiceSettingsCache struct {
	st        *SettingsTreeStore
	kinds     PBXServiceKinds
	flagMin   int
	flagMax   int
	log       *slog.Logger
	listener  *pq.Listener
	listening atomic.Bool
	epoch     atomic.Int64
	done      chan struct{}

	mu   sync.Mutex
	held map[string]heldSettings // by owner kind
	// levels are the stored log levels (registrar, REST server), nil when none is stored:
	// read again whenever the listener hears of a change.
	levels [2]atomic.Pointer[slog.Level]
}

type heldSettings struct {
	epoch  int64
	values map[string]*string
}

// NewServiceSettingsCache is a cache over the kinds' overrides (reading the database until
// Listen).
func NewServiceSettingsCache(st *SettingsTreeStore, kinds PBXServiceKinds, flagMin, flagMax int) *ServiceSettingsCache {
	return &ServiceSettingsCache{st: st, kinds: kinds, flagMin: flagMin, flagMax: flagMax, done: make(chan struct{}),
		held: map[string]heldSettings{}, log: slog.Default()}
}

// Listen starts serving from memory while LISTENing on the database dsn names.
func (c *ServiceSettingsCache) Listen(dsn string, log *slog.Logger) {
	if log != nil {
		c.log = log
	}
	c.listener = pq.NewListener(dsn, 500*time.Millisecond, 15*time.Second, func(ev pq.ListenerEventType, err error) {
		switch ev {
		case pq.ListenerEventReconnected:
			c.epoch.Add(1)
			c.listening.Store(true)
		case pq.ListenerEventDisconnected, pq.ListenerEventConnectionAttemptFailed:
			if c.listening.Swap(false) {
				c.log.Warn("lost the service settings listener; the settings are read from the database", "err", err)
			}
		}
	})
	go c.run()
}

func (c *ServiceSettingsCache) run() {
	if err := c.listener.Listen(ServiceSettingsChannel); err != nil {
		select {
		case <-c.done:
		default:
			c.log.Warn("cannot LISTEN for service settings changes; they are read from the database", "err", err)
		}
		return
	}
	c.epoch.Add(1)
	c.listening.Store(true)
	c.refreshLevels()
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-ping.C:
			if err := c.listener.Ping(); err != nil {
				c.listening.Store(false)
			} else if !c.listening.Load() {
				c.epoch.Add(1)
				c.listening.Store(true)
			}
		case _, ok := <-c.listener.Notify:
			if !ok {
				c.listening.Store(false)
				return
			}
			c.epoch.Add(1) // a change, or a reconnection (nil): read again
			c.refreshLevels()
		}
	}
}

// Close stops listening.
func (c *ServiceSettingsCache) Close() {
	if c.listener == nil {
		return
	}
	c.listening.Store(false)
	close(c.done)
	_ = c.listener.Close()
}

// overrides are the stored values of kind, from memory when it is current.
func (c *ServiceSettingsCache) overrides(ctx context.Context, kind *SettingsOwner) (map[string]*string, error) {
	epoch := c.epoch.Load()
	if c.listening.Load() {
		c.mu.Lock()
		h, ok := c.held[kind.Name]
		c.mu.Unlock()
		if ok && h.epoch == epoch {
			return h.values, nil
		}
	}
	vals, err := effectiveValues(ctx, c.st.db, c.st, kind, "1")
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.held[kind.Name] = heldSettings{epoch: epoch, values: vals}
	c.mu.Unlock()
	return vals, nil
}

// RegistrarBounds are the registration bounds in force (the flags' when nothing is stored).
func (c *ServiceSettingsCache) RegistrarBounds(ctx context.Context) (RegistrarBounds, error) {
	own, err := c.overrides(ctx, c.kinds.Registrar)
	if err != nil {
		return RegistrarBounds{Min: c.flagMin, Max: c.flagMax, NATMin: c.flagMin, NATMax: c.flagMax}, err
	}
	return boundsOf(own, c.flagMin, c.flagMax), nil
}

// refreshLevels reads the stored log levels again (a failure keeps the previous ones).
func (c *ServiceSettingsCache) refreshLevels() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for i, registrar := range []bool{true, false} {
		v, err := c.LogLevel(ctx, registrar)
		if err != nil {
			c.log.Warn("reading the stored log levels", "err", err)
			return
		}
		if v == "" {
			c.levels[i].Store(nil)
			continue
		}
		l := SlogLevel(v)
		c.levels[i].Store(&l)
	}
}

// Level is the log level stored for the registrar (the SIP side) or the REST server (the
// web side); false when none is stored.
func (c *ServiceSettingsCache) Level(registrar bool) (slog.Level, bool) {
	i := 1
	if registrar {
		i = 0
	}
	if l := c.levels[i].Load(); l != nil {
		return *l, true
	}
	return 0, false
}

// LogLevel is the stored sipX log level of kind's log-level leaf ("" when none is stored).
func (c *ServiceSettingsCache) LogLevel(ctx context.Context, registrar bool) (string, error) {
	kind, path := c.kinds.RestServer, RestLogLevel
	if registrar {
		kind, path = c.kinds.Registrar, RegistrarLogLevel
	}
	own, err := c.overrides(ctx, kind)
	if err != nil || own[path] == nil {
		return "", err
	}
	return *own[path], nil
}
