package web

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/peterbourgon/ff/v3"
	"github.com/peterbourgon/ff/v3/fftoml"
	"github.com/peterbourgon/ff/v3/ffyaml"

	"pbxws/acl"
)

// Config is the whole of pbxws's configuration, filled from flags, PBXWS_* environment
// variables and a configuration file, in that precedence. It is printed at start with
// secrets masked.
type Config struct {
	// HTTPAddr is the plain-HTTP listener ("" disables it).
	HTTPAddr string
	// HTTPSAddr is the HTTPS listener ("" disables it).
	HTTPSAddr string
	// TLSCert and TLSKey are PEM files; when empty a self-signed pair is generated in VarDir/tls.
	TLSCert string
	TLSKey  string
	// VarDir holds runtime state: the private PostgreSQL cluster and generated TLS material.
	VarDir string
	// DatabaseURL is a PostgreSQL URL; empty means "start a private cluster under VarDir/pg".
	DatabaseURL string `secret:"true"`
	// TrustedProxies are the CIDRs whose X-Forwarded-For is believed; empty means never.
	TrustedProxies []string
	// BodyLimit caps request bodies, in bytes.
	BodyLimit int
	// Realm is the HTTP/SIP authentication realm.
	Realm string
	// ShutdownTimeout bounds the graceful stop.
	ShutdownTimeout time.Duration
	// PprofAddr, when set, serves net/http/pprof there (keep it on loopback).
	PprofAddr string
	// MetricsAddr, when set, serves Prometheus /metrics there (keep it on loopback or a
	// monitoring network).
	MetricsAddr string
	// DBMaxConns caps the connection pool (sized down at start to what the server has free).
	DBMaxConns int
	// DBWait is how long a start waits for a database that does not answer yet.
	DBWait time.Duration
	// MaxActive is how many web-service reads are served at once; the others wait in
	// arrival order, for at most MaxWait (then 503). 0 means two per processor, at least 4
	// and at most half of DBMaxConns. Writes have their own line of half of DBMaxConns (at
	// least MaxActive), so that each admitted request finds a free connection.
	MaxActive int
	MaxWait   time.Duration

	// SIPAddr is the SIP user agent's UDP (and TCP) address ("" disables SIP and click-to-call).
	SIPAddr string
	// SIPAdvertise is the host[:port] put in Via, Contact and SDP (default: the bound address).
	SIPAdvertise string
	// SIPDomain is the SIP domain (default: the advertised host).
	SIPDomain string
	// SIPOutboundProxy, host:port, receives every INVITE pbxws originates.
	SIPOutboundProxy string
	// SIPTCP also serves SIP over TCP on SIPAddr.
	SIPTCP bool
	// SIPTLSAddr, when set, serves SIP over TLS (sips:) there with the HTTPS certificate.
	SIPTLSAddr string
	// SIPLegacyParams adds the sipXecs sipx-* parameters to originated Request-URIs.
	SIPLegacyParams bool
	// SIPRegistrar answers REGISTER for the SIP lines pbxws knows.
	SIPRegistrar bool
	// SIPRecordLease is how long another instance waits, after this one stops renewing a
	// call record with live dialogs (it died), before showing those dialogs terminated.
	SIPRecordLease time.Duration
	// SIPMinExpires and SIPMaxExpires bound the registration interval (seconds): shorter is
	// refused (423), longer is granted SIPMaxExpires.
	SIPMinExpires, SIPMaxExpires int
	// SIPSessionExpires is the RFC 4028 session interval of INVITE-mode legs (≤ 0: none).
	SIPSessionExpires time.Duration
	// SIPUserAgent is the User-Agent/Server of SIP messages (default pbxws/<version>).
	SIPUserAgent string
	// SIPInstance names this pbxws in the call records it owns (default host/SIP address).
	SIPInstance string
	// CCHTTPAddr and CCHTTPSAddr are the dedicated callcontroller listeners (sipXecs used
	// 6667 and 6666); "" disables them. /callcontroller is always on the main listeners too.
	CCHTTPAddr  string
	CCHTTPSAddr string
	// CCTrustedHosts are the addresses/CIDRs whose click-to-call requests need no
	// authentication; the outbound proxy's addresses are added to them.
	CCTrustedHosts []string
	// CCRemoteAccess false refuses click-to-call from hosts that are not trusted.
	CCRemoteAccess bool
	// CCAllowEmptyPin lets a user without a portal password authenticate with an empty one.
	CCAllowEmptyPin bool
	// MyCallForwarding lets the user's forwarding apply to /sipxconfig/rest/my/call.
	MyCallForwarding bool
	// NonceLifetime bounds the HTTP Digest nonces users authenticate with.
	NonceLifetime time.Duration

	// Failed authentications (json.php accounts, users, SIP lines) are throttled per source
	// address and per login: AuthFreeFailures free, then AuthBackoff doubling to
	// AuthMaxBackoff; AuthBanAfter failures ban a source for AuthBanFor.
	AuthFreeFailures int
	AuthBackoff      time.Duration
	AuthMaxBackoff   time.Duration
	AuthBanAfter     int
	AuthBanFor       time.Duration

	// Program is how the operator ran pbxws, for the hints it logs ("" means "pbxws").
	Program string

	// ConfigFile is the TOML or YAML file the settings not given as flags or environment
	// variables come from ("" for none).
	ConfigFile string
	// LogFormat is text or json; LogLevel debug, info, warn or error.
	LogFormat string
	LogLevel  string
}

// throttleConfig is the failed-authentication policy of c.
func (c *Config) throttleConfig() acl.ThrottleConfig {
	return acl.ThrottleConfig{Free: c.AuthFreeFailures, Backoff: c.AuthBackoff, MaxBackoff: c.AuthMaxBackoff,
		BanAfter: c.AuthBanAfter, BanFor: c.AuthBanFor}
}

// activeLimit is MaxActive with its default applied: two requests per processor (one
// working while the other waits for the database), at least 4, and at most half the pool.
// More at once only lengthens the queue inside PostgreSQL and the scheduler, where it is
// not first come, first served.
func (c *Config) activeLimit() int {
	if c.MaxActive > 0 {
		return c.MaxActive
	}
	return max(1, min(c.DBMaxConns/2, max(4, 2*runtime.GOMAXPROCS(0))))
}

// writeLimit is how many writes are served at once: they spend most of their time waiting
// for commits, so half the pool (at least MaxActive's limit) share it.
func (c *Config) writeLimit() int {
	return max(c.activeLimit(), c.DBMaxConns/2)
}

// DefaultConfig returns the configuration `make run` uses when nothing is set.
func DefaultConfig() Config {
	t := acl.DefaultThrottleConfig()
	return Config{
		AuthFreeFailures:  t.Free,
		AuthBackoff:       t.Backoff,
		AuthMaxBackoff:    t.MaxBackoff,
		AuthBanAfter:      t.BanAfter,
		AuthBanFor:        t.BanFor,
		HTTPAddr:          "127.0.0.1:8080",
		HTTPSAddr:         "127.0.0.1:8443",
		VarDir:            "./var",
		BodyLimit:         1 << 20,
		DBMaxConns:        16,
		MaxWait:           10 * time.Second,
		SIPAddr:           "127.0.0.1:5060",
		SIPTCP:            true,
		SIPLegacyParams:   true,
		SIPRegistrar:      true,
		SIPRecordLease:    2 * time.Minute,
		SIPMinExpires:     60,
		SIPMaxExpires:     3600,
		SIPSessionExpires: 30 * time.Minute,
		SIPUserAgent:      "pbxws/" + Version,
		CCTrustedHosts:    []string{"127.0.0.1", "::1"},
		CCRemoteAccess:    true,
		NonceLifetime:     5 * time.Minute,
		Realm:             "pbxws",
		ShutdownTimeout:   10 * time.Second,
		LogFormat:         "text",
		LogLevel:          "info",
	}
}

// option is one setting: its flag name (the environment twin is PBXWS_ and the name in
// capitals with "_" for "-", the configuration-file key is the name itself), its usage,
// where it goes, and whether it is a secret (masked when printed, and also readable from a
// file named by NAME-file / PBXWS_NAME_FILE).
type option struct {
	name, usage string
	str         *string
	list        *[]string
	num         *int
	dur         *time.Duration
	flag        *bool
	secret      bool
	// database marks the settings that say where the data is: every subcommand takes them.
	database bool
}

// options declares every setting once; flags, environment, configuration file and -h
// follow from it.
func (c *Config) options() []option {
	return []option{
		{name: "var-dir", usage: "runtime state folder (private PostgreSQL cluster, TLS material)", str: &c.VarDir, database: true},
		{name: "database-url", usage: "PostgreSQL URL (empty: private cluster under var-dir/pg)", str: &c.DatabaseURL, secret: true, database: true},
		{name: "log-format", usage: "log format: text or json", str: &c.LogFormat, database: true},
		{name: "log-level", usage: "log level: debug, info, warn or error", str: &c.LogLevel, database: true},
		{name: "http", usage: "plain HTTP listen address (empty disables)", str: &c.HTTPAddr},
		{name: "https", usage: "HTTPS listen address (empty disables)", str: &c.HTTPSAddr},
		{name: "tls-cert", usage: "TLS certificate PEM file", str: &c.TLSCert},
		{name: "tls-key", usage: "TLS key PEM file", str: &c.TLSKey},
		{name: "trusted-proxies", usage: "comma-separated CIDRs allowed to set X-Forwarded-For", list: &c.TrustedProxies},
		{name: "body-limit", usage: "maximum request body in bytes", num: &c.BodyLimit},
		{name: "realm", usage: "authentication realm (HTTP Digest and SIP)", str: &c.Realm},
		{name: "shutdown-timeout", usage: "graceful shutdown bound", dur: &c.ShutdownTimeout},
		{name: "pprof", usage: "profiling listen address, e.g. 127.0.0.1:6060 (empty disables)", str: &c.PprofAddr},
		{name: "metrics", usage: "Prometheus /metrics listen address, e.g. 127.0.0.1:9464 (empty disables)", str: &c.MetricsAddr},
		{name: "db-max-conns", usage: "database connection pool size (sized down to what the server has free)", num: &c.DBMaxConns},
		{name: "db-wait", usage: "how long a start waits for a database that does not answer yet", dur: &c.DBWait},
		{name: "max-active", usage: "web-service reads served at once, the others wait in arrival order (0: 2 per processor, 4 to db-max-conns/2); writes: db-max-conns/2", num: &c.MaxActive},
		{name: "max-wait", usage: "how long a request waits for its turn before a 503", dur: &c.MaxWait},
		{name: "sip", usage: "SIP listen address, UDP and TCP (empty disables SIP and click-to-call)", str: &c.SIPAddr},
		{name: "sip-advertise", usage: "SIP host[:port] advertised in Via/Contact/SDP (default: the bound address)", str: &c.SIPAdvertise},
		{name: "sip-domain", usage: "SIP domain (default: the advertised host)", str: &c.SIPDomain},
		{name: "sip-outbound-proxy", usage: "host:port every originated INVITE goes through", str: &c.SIPOutboundProxy},
		{name: "sip-tcp", usage: "also serve SIP over TCP", flag: &c.SIPTCP},
		{name: "sip-tls", usage: "SIP over TLS address, e.g. 127.0.0.1:5061, with the HTTPS certificate (empty: off)", str: &c.SIPTLSAddr},
		{name: "sip-legacy-params", usage: "add the sipXecs sipx-* parameters to originated Request-URIs", flag: &c.SIPLegacyParams},
		{name: "sip-registrar", usage: "answer REGISTER for the SIP lines pbxws knows", flag: &c.SIPRegistrar},
		{name: "sip-record-lease", usage: "how long a call record's live dialogs outlive an instance that died, as the other instances show them", dur: &c.SIPRecordLease},
		{name: "sip-min-expires", usage: "shortest registration interval granted, in seconds (shorter: 423)", num: &c.SIPMinExpires},
		{name: "sip-max-expires", usage: "longest registration interval granted, in seconds", num: &c.SIPMaxExpires},
		{name: "sip-session-expires", usage: "RFC 4028 session interval of INVITE-mode calls (0: no session timers)", dur: &c.SIPSessionExpires},
		{name: "sip-user-agent", usage: "User-Agent and Server header of SIP messages", str: &c.SIPUserAgent},
		{name: "sip-instance", usage: "name of this pbxws in the call records it owns (default: host/SIP address)", str: &c.SIPInstance},
		{name: "cc-http", usage: "dedicated plain-HTTP callcontroller listener, e.g. 127.0.0.1:6667 (empty disables)", str: &c.CCHTTPAddr},
		{name: "cc-https", usage: "dedicated HTTPS callcontroller listener, e.g. 127.0.0.1:6666 (empty disables)", str: &c.CCHTTPSAddr},
		{name: "cc-trusted-hosts", usage: "comma-separated addresses/CIDRs whose click-to-call requests need no authentication", list: &c.CCTrustedHosts},
		{name: "cc-remote-access", usage: "allow click-to-call from hosts that are not trusted", flag: &c.CCRemoteAccess},
		{name: "cc-allow-empty-pin", usage: "let users without a portal password authenticate", flag: &c.CCAllowEmptyPin},
		{name: "nonce-lifetime", usage: "life of the HTTP Digest nonces of user authentication", dur: &c.NonceLifetime},
		{name: "my-call-forwarding", usage: "let the user's call forwarding apply to /sipxconfig/rest/my/call", flag: &c.MyCallForwarding},
		{name: "auth-free-failures", usage: "failed authentications a source or login may have before it must wait", num: &c.AuthFreeFailures},
		{name: "auth-backoff", usage: "first wait after the free failures; doubles with each further failure", dur: &c.AuthBackoff},
		{name: "auth-max-backoff", usage: "longest wait between failed authentications", dur: &c.AuthMaxBackoff},
		{name: "auth-ban-after", usage: "failed authentications that ban a source address", num: &c.AuthBanAfter},
		{name: "auth-ban-for", usage: "how long a banned source address is refused", dur: &c.AuthBanFor},
	}
}

// Load fills c the way `pbxws serve` does: from args (-name value), then PBXWS_<NAME>
// environment variables, then the configuration file (-config FILE), over the defaults.
// getenv is kept for callers; the environment read is the process's.
func (c *Config) Load(args []string, getenv func(string) string) error {
	_ = getenv
	fs := c.FlagSet("pbxws serve", false)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	return c.Resolve(fs, true)
}

// FlagSet is a flag set holding the settings: all of them, or with databaseOnly only those
// that say where the data is (and the log settings), which every subcommand takes. Each
// usage names its environment twin; -config names the configuration file.
func (c *Config) FlagSet(name string, databaseOnly bool) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	c.RegisterFlags(fs, databaseOnly)
	return fs
}

// RegisterFlags adds the settings to a subcommand's own flag set (see FlagSet).
func (c *Config) RegisterFlags(fs *flag.FlagSet, databaseOnly bool) {
	fs.StringVar(&c.ConfigFile, "config", c.ConfigFile, "configuration file, TOML (.toml) or YAML (.yaml, .yml), keys named as the flags [PBXWS_CONFIG]")
	for _, o := range c.options() {
		if databaseOnly && !o.database {
			continue
		}
		env := EnvName(o.name)
		usage := o.usage + " [" + env + "]"
		switch {
		case o.str != nil:
			fs.StringVar(o.str, o.name, *o.str, usage)
		case o.list != nil:
			fs.Var(&listValue{list: o.list}, o.name, usage)
		case o.num != nil:
			fs.IntVar(o.num, o.name, *o.num, usage)
		case o.dur != nil:
			fs.DurationVar(o.dur, o.name, *o.dur, usage)
		case o.flag != nil:
			fs.BoolVar(o.flag, o.name, *o.flag, usage)
		}
		if o.secret {
			fs.Var(&fileValue{}, o.name+"-file", "read "+o.name+" from this file ["+env+"_FILE]")
		}
	}
}

// EnvName is the environment twin of a flag.
func EnvName(flagName string) string {
	return "PBXWS_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Resolve completes a flag set whose command line has been parsed: the settings the command
// line did not give come from the environment, then from the configuration file (ff does
// the layering: flag > environment > file > default); secrets named by *-file are read
// last, unless the secret itself was given on the command line. strict refuses keys of the
// file that are not settings of this command (serve knows them all; the other commands
// skip the ones they do not take).
func (c *Config) Resolve(cmdline *flag.FlagSet, strict bool) error {
	given := map[string]bool{}
	cmdline.Visit(func(f *flag.Flag) { given[f.Name] = true })
	// A flag set of the settings alone, so that a subcommand's own flags (an account's
	// --name or --password) never come from PBXWS_NAME or the file.
	fs := flag.NewFlagSet(cmdline.Name(), flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cmdline.VisitAll(func(f *flag.Flag) {
		if f.Name == "config" || c.isSetting(f.Name) {
			fs.Var(f.Value, f.Name, f.Usage)
			if given[f.Name] {
				// Marks it as given, so that the environment and the file leave it alone.
				_ = fs.Set(f.Name, f.Value.String())
			}
		}
	})
	err := ff.Parse(fs, nil,
		ff.WithEnvVarPrefix("PBXWS"),
		ff.WithConfigFileFlag("config"),
		ff.WithConfigFileParser(func(r io.Reader, set func(name, value string) error) error {
			switch strings.ToLower(filepath.Ext(c.ConfigFile)) {
			case ".toml":
				return fftoml.Parser(r, set)
			case ".yaml", ".yml":
				return ffyaml.Parser(r, set)
			}
			return fmt.Errorf("configuration file %s: name it .toml or .yaml", c.ConfigFile)
		}),
		ff.WithIgnoreUndefined(!strict))
	if err != nil {
		return err
	}
	var ferr error
	fs.VisitAll(func(f *flag.Flag) {
		fv, ok := f.Value.(*fileValue)
		if !ok || fv.path == "" || ferr != nil {
			return
		}
		name := strings.TrimSuffix(f.Name, "-file")
		if given[name] {
			return
		}
		b, err := os.ReadFile(fv.path)
		if err != nil {
			ferr = fmt.Errorf("%s: %w", f.Name, err)
			return
		}
		ferr = fs.Set(name, strings.TrimRight(string(b), "\r\n"))
	})
	if ferr != nil {
		return ferr
	}
	return c.validate()
}

// isSetting says whether a flag name is one of the settings (or a secret's -file form).
func (c *Config) isSetting(name string) bool {
	for _, o := range c.options() {
		if o.name == name || o.secret && o.name+"-file" == name {
			return true
		}
	}
	return false
}

func (c *Config) validate() error {
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("log-format: %q is neither text nor json", c.LogFormat)
	}
	if _, err := ParseLogLevel(c.LogLevel); err != nil {
		return err
	}
	return nil
}

// ParseLogLevel reads debug, info, warn or error.
func ParseLogLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("log-level: %q is not debug, info, warn or error", s)
	}
	return l, nil
}

// listValue is a list setting: a comma list, or repeated (a file's array). The first value
// given replaces the default.
type listValue struct {
	list    *[]string
	touched bool
}

func (l *listValue) String() string {
	if l.list == nil {
		return ""
	}
	return strings.Join(*l.list, ",")
}

func (l *listValue) Set(s string) error {
	if !l.touched {
		*l.list, l.touched = nil, true
	}
	*l.list = append(*l.list, splitList(s)...)
	return nil
}

// fileValue names a file a secret is read from.
type fileValue struct{ path string }

func (f *fileValue) String() string     { return f.path }
func (f *fileValue) Set(s string) error { f.path = s; return nil }

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Masked is the configuration as printed at start: every secret hidden.
func (c Config) Masked() map[string]any {
	db := "(private cluster under " + c.VarDir + "/pg)"
	if c.DatabaseURL != "" {
		db = maskURL(c.DatabaseURL)
	}
	return map[string]any{
		"http": c.HTTPAddr, "https": c.HTTPSAddr, "tls_cert": c.TLSCert, "var_dir": c.VarDir,
		"database": db, "trusted_proxies": c.TrustedProxies, "body_limit": c.BodyLimit,
		"realm": c.Realm, "pprof": c.PprofAddr, "metrics": c.MetricsAddr, "db_max_conns": c.DBMaxConns, "db_wait": c.DBWait.String(), "max_active": c.activeLimit(), "max_active_writes": c.writeLimit(), "max_wait": c.MaxWait.String(),
		"sip": c.SIPAddr, "sip_advertise": c.SIPAdvertise, "sip_domain": c.SIPDomain,
		"sip_outbound_proxy": c.SIPOutboundProxy, "sip_tcp": c.SIPTCP, "sip_tls": c.SIPTLSAddr, "sip_legacy_params": c.SIPLegacyParams,
		"sip_registrar": c.SIPRegistrar, "sip_record_lease": c.SIPRecordLease.String(), "sip_min_expires": c.SIPMinExpires, "sip_max_expires": c.SIPMaxExpires,
		"sip_session_expires": c.SIPSessionExpires.String(), "sip_user_agent": c.SIPUserAgent, "sip_instance": c.SIPInstance, "cc_http": c.CCHTTPAddr, "cc_https": c.CCHTTPSAddr,
		"cc_trusted_hosts": c.CCTrustedHosts, "cc_remote_access": c.CCRemoteAccess,
		"cc_allow_empty_pin": c.CCAllowEmptyPin, "my_call_forwarding": c.MyCallForwarding, "nonce_lifetime": c.NonceLifetime.String(),
		"auth_free_failures": c.AuthFreeFailures, "auth_backoff": c.AuthBackoff.String(), "auth_max_backoff": c.AuthMaxBackoff.String(),
		"auth_ban_after": c.AuthBanAfter, "auth_ban_for": c.AuthBanFor.String(),
		"config": c.ConfigFile, "log_format": c.LogFormat, "log_level": c.LogLevel,
	}
}

// MaskURL hides the password of a database URL or DSN, for printing.
func MaskURL(s string) string { return maskURL(s) }

// maskURL hides the password of a URL or of a key=value DSN.
func maskURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
		return u.String()
	}
	parts := strings.Fields(s)
	for i, p := range parts {
		if strings.HasPrefix(p, "password=") {
			parts[i] = "password=xxxxx"
		}
	}
	return strings.Join(parts, " ")
}
