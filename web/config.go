package web

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is the whole of pbxws's configuration, filled from flags and PBXWS_* environment
// variables (flags win). It is printed at start with secrets masked.
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
	// DBMaxConns caps the connection pool.
	DBMaxConns int
}

// DefaultConfig returns the configuration `make run` uses when nothing is set.
func DefaultConfig() Config {
	return Config{
		HTTPAddr:        "127.0.0.1:8080",
		HTTPSAddr:       "127.0.0.1:8443",
		VarDir:          "./var",
		BodyLimit:       1 << 20,
		DBMaxConns:      16,
		Realm:           "pbxws",
		ShutdownTimeout: 10 * time.Second,
	}
}

// Load fills c from the environment (PBXWS_<NAME>) and then from args (-name value).
func (c *Config) Load(args []string, getenv func(string) string) error {
	fs := flag.NewFlagSet("pbxws serve", flag.ContinueOnError)
	type opt struct {
		name, usage string
		str         *string
		list        *[]string
		num         *int
		dur         *time.Duration
	}
	opts := []opt{
		{name: "http", usage: "plain HTTP listen address (empty disables)", str: &c.HTTPAddr},
		{name: "https", usage: "HTTPS listen address (empty disables)", str: &c.HTTPSAddr},
		{name: "tls-cert", usage: "TLS certificate PEM file", str: &c.TLSCert},
		{name: "tls-key", usage: "TLS key PEM file", str: &c.TLSKey},
		{name: "var-dir", usage: "runtime state folder", str: &c.VarDir},
		{name: "database-url", usage: "PostgreSQL URL (empty: private cluster under var-dir/pg)", str: &c.DatabaseURL},
		{name: "trusted-proxies", usage: "comma-separated CIDRs allowed to set X-Forwarded-For", list: &c.TrustedProxies},
		{name: "body-limit", usage: "maximum request body in bytes", num: &c.BodyLimit},
		{name: "realm", usage: "authentication realm (HTTP Digest and SIP)", str: &c.Realm},
		{name: "shutdown-timeout", usage: "graceful shutdown bound", dur: &c.ShutdownTimeout},
		{name: "pprof", usage: "profiling listen address, e.g. 127.0.0.1:6060 (empty disables)", str: &c.PprofAddr},
		{name: "db-max-conns", usage: "database connection pool size", num: &c.DBMaxConns},
	}
	for _, o := range opts {
		env := "PBXWS_" + strings.ToUpper(strings.ReplaceAll(o.name, "-", "_"))
		v, set := getenv(env), getenv(env) != ""
		switch {
		case o.str != nil:
			if set {
				*o.str = v
			}
			fs.StringVar(o.str, o.name, *o.str, o.usage+" ["+env+"]")
		case o.list != nil:
			if set {
				*o.list = splitList(v)
			}
			fs.Func(o.name, o.usage+" ["+env+"]", func(s string) error { *o.list = splitList(s); return nil })
		case o.num != nil:
			if set {
				n, err := strconv.Atoi(v)
				if err != nil {
					return fmt.Errorf("%s: %q is not a whole number", env, v)
				}
				*o.num = n
			}
			fs.IntVar(o.num, o.name, *o.num, o.usage+" ["+env+"]")
		case o.dur != nil:
			if set {
				d, err := time.ParseDuration(v)
				if err != nil {
					return fmt.Errorf("%s: %q is not a duration (e.g. 10s)", env, v)
				}
				*o.dur = d
			}
			fs.DurationVar(o.dur, o.name, *o.dur, o.usage+" ["+env+"]")
		}
	}
	fs.SetOutput(os.Stderr)
	return fs.Parse(args)
}

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
		"realm": c.Realm, "pprof": c.PprofAddr, "db_max_conns": c.DBMaxConns,
	}
}

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
