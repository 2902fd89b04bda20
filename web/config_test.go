package web

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// Issue 14.7: flag > environment > file > default, the same names everywhere, TOML and
// YAML, list settings as arrays or comma lists, secrets from *_FILE.
func TestConfigPrecedenceFlagEnvFileDefault(t *testing.T) {
	for _, format := range []string{"toml", "yaml"} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			secret := filepath.Join(dir, "db-url")
			if err := os.WriteFile(secret, []byte("postgres://u:pw@db.example/pbxws\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			var body string
			if format == "toml" {
				body = `realm = "from-file"
body-limit = 1000
max-wait = "3s"
sip-tcp = false
cc-trusted-hosts = ["192.0.2.1", "192.0.2.2"]
database-url-file = "` + secret + `"
`
			} else {
				body = `realm: from-file
body-limit: 1000
max-wait: 3s
sip-tcp: false
cc-trusted-hosts: [192.0.2.1, 192.0.2.2]
database-url-file: ` + secret + `
`
			}
			file := filepath.Join(dir, "pbxws."+format)
			if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			t.Setenv("PBXWS_CONFIG", file)
			t.Setenv("PBXWS_REALM", "from-env")
			t.Setenv("PBXWS_BODY_LIMIT", "1500")
			cfg := DefaultConfig()
			if err := cfg.Load([]string{"-body-limit", "2000"}, os.Getenv); err != nil {
				t.Fatal(err)
			}
			if cfg.BodyLimit != 2000 {
				t.Errorf("body-limit %d: the flag must win over environment and file", cfg.BodyLimit)
			}
			if cfg.Realm != "from-env" {
				t.Errorf("realm %q: the environment must win over the file", cfg.Realm)
			}
			if cfg.MaxWait != 3*time.Second || cfg.SIPTCP {
				t.Errorf("max-wait %s sip-tcp %v: the file must win over the defaults", cfg.MaxWait, cfg.SIPTCP)
			}
			if !slices.Equal(cfg.CCTrustedHosts, []string{"192.0.2.1", "192.0.2.2"}) {
				t.Errorf("cc-trusted-hosts %v: an array replaces the default list", cfg.CCTrustedHosts)
			}
			if cfg.DatabaseURL != "postgres://u:pw@db.example/pbxws" {
				t.Errorf("database-url %q: read from database-url-file", cfg.DatabaseURL)
			}
			if cfg.HTTPAddr != DefaultConfig().HTTPAddr {
				t.Errorf("http %q: untouched settings keep their default", cfg.HTTPAddr)
			}
			if m := cfg.Masked(); strings.Contains(m["database_url"].(string), "pw") {
				t.Errorf("the printed configuration shows the password: %v", m["database_url"])
			}
		})
	}
}

func TestConfigSecretFromEnvironmentFile(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "db-url")
	if err := os.WriteFile(secret, []byte("postgres://a:b@h/d\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PBXWS_DATABASE_URL_FILE", secret)
	cfg := DefaultConfig()
	if err := cfg.Load(nil, os.Getenv); err != nil {
		t.Fatal(err)
	}
	if cfg.DatabaseURL != "postgres://a:b@h/d" {
		t.Fatalf("database-url %q", cfg.DatabaseURL)
	}
	// The secret given on the command line wins over its file.
	cfg = DefaultConfig()
	if err := cfg.Load([]string{"-database-url", "postgres://x@y/z"}, os.Getenv); err != nil {
		t.Fatal(err)
	}
	if cfg.DatabaseURL != "postgres://x@y/z" {
		t.Fatalf("database-url %q", cfg.DatabaseURL)
	}
}

func TestConfigFileMistakesAreNamed(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]string{
		"typo.toml":  "reaml = \"x\"\n",
		"bad.yaml":   "max-wait: soon\n",
		"config.ini": "realm=x\n",
	}
	for name, body := range cases {
		file := filepath.Join(dir, name)
		if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg := DefaultConfig()
		err := cfg.Load([]string{"-config", file}, os.Getenv)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		want := map[string]string{"typo.toml": "reaml", "bad.yaml": "max-wait", "config.ini": ".toml or .yaml"}[name]
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v does not name %q", name, err, want)
		}
	}
	cfg := DefaultConfig()
	if err := cfg.Load([]string{"-log-format", "xml"}, os.Getenv); err == nil || !strings.Contains(err.Error(), "log-format") {
		t.Errorf("log-format xml: %v", err)
	}
}

func TestExampleConfigurationFileLoads(t *testing.T) {
	cfg := DefaultConfig()
	if err := cfg.Load([]string{"-config", "../deploy/pbxws.toml"}, os.Getenv); err != nil {
		t.Fatal(err)
	}
	if cfg.VarDir != "/var/lib/pbxws" || cfg.LogFormat != "json" {
		t.Fatalf("var-dir %q log-format %q", cfg.VarDir, cfg.LogFormat)
	}
}

// envSamples is a valid value, other than the default, for every setting: each must be
// settable through its environment twin and show in the start-up print. A new setting
// without a sample fails TestEveryOptionHasAnEnvironmentTwinAndIsPrinted.
var envSamples = map[string]string{
	"var-dir": "/tmp/pbxws-test-var", "database-url": "postgres://u:pw@db.example/pbxws",
	"log-format": "json", "log-level": "debug", "http": "127.0.0.1:18080", "https": "127.0.0.1:18443",
	"tls-cert": "/etc/pbxws/cert.pem", "tls-key": "/etc/pbxws/key.pem", "trusted-proxies": "10.0.0.0/8,192.0.2.1",
	"body-limit": "2048", "audio-max-bytes": "1000", "audio-family-max-bytes": "5000", "sounds-dir": "/var/lib/pbxws/sounds", "hostname": "pbx.example.org", "realm": "other", "shutdown-timeout": "3s", "pprof": "127.0.0.1:16060",
	"metrics": "127.0.0.1:19464", "db-max-conns": "8", "db-wait": "7s", "max-active": "3", "max-wait": "4s",
	"sip": "127.0.0.1:15060", "sip-advertise": "pbx.example.org:5070", "sip-domain": "example.org", "dns-resolver": "192.0.2.53:53", "sipx-phonebook": "sales",
	"sip-outbound-proxy": "proxy.example.org:5060", "sip-tcp": "false", "sip-tls": "127.0.0.1:15061",
	"sip-legacy-params": "false", "sip-registrar": "false", "sip-record-lease": "1m", "sip-min-expires": "30",
	"sip-max-expires": "600", "sip-session-expires": "10m", "sip-tx-linger": "10s", "sip-user-agent": "test/1", "sip-instance": "i1",
	"cc-http": "127.0.0.1:16667", "cc-https": "127.0.0.1:16666", "cc-trusted-hosts": "192.0.2.9",
	"cc-remote-access": "false", "cc-allow-empty-pin": "true", "nonce-lifetime": "2m",
	"my-call-forwarding": "true", "auth-free-failures": "3", "auth-backoff": "2s", "auth-max-backoff": "1m",
	"auth-ban-after": "10", "auth-ban-for": "1h",
}

func TestEveryOptionHasAnEnvironmentTwinAndIsPrinted(t *testing.T) {
	file := filepath.Join(t.TempDir(), "empty.toml")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	samples := map[string]string{"config": file}
	for k, v := range envSamples {
		samples[k] = v
	}
	def := DefaultConfig()
	before := def.Masked()
	fs := def.FlagSet("pbxws serve", false)
	for _, o := range def.options() {
		env := EnvName(o.name)
		if env != "PBXWS_"+strings.ToUpper(strings.ReplaceAll(o.name, "-", "_")) {
			t.Errorf("%s: environment twin %s", o.name, env)
		}
		if f := fs.Lookup(o.name); f == nil || !strings.Contains(f.Usage, "["+env) {
			t.Errorf("-%s: no flag naming %s", o.name, env)
		}
		if _, ok := before[printedName(o.name)]; !ok {
			t.Errorf("%s is not in the start-up print", o.name)
		}
		v, ok := samples[o.name]
		if !ok {
			t.Errorf("%s: no sample value in envSamples", o.name)
			continue
		}
		t.Setenv(env, v)
	}
	if len(before) != len(def.options()) {
		t.Errorf("the print has %d keys for %d settings: %v", len(before), len(def.options()), before)
	}
	cfg := DefaultConfig()
	if err := cfg.Load(nil, os.Getenv); err != nil {
		t.Fatal(err)
	}
	after := cfg.Masked()
	for _, o := range cfg.options() {
		k := printedName(o.name)
		if fmt.Sprint(after[k]) == fmt.Sprint(before[k]) {
			t.Errorf("%s=%s did not change %s (still %v)", EnvName(o.name), samples[o.name], k, after[k])
		}
	}
}

func TestPrintedConfigurationMasksSecrets(t *testing.T) {
	for _, url := range []string{"postgres://u:hunter2@db.example/pbxws", "host=db.example user=u password=hunter2 dbname=pbxws"} {
		cfg := DefaultConfig()
		if err := cfg.Load([]string{"-database-url", url}, os.Getenv); err != nil {
			t.Fatal(err)
		}
		printed := fmt.Sprint(cfg.Masked())
		if strings.Contains(printed, "hunter2") {
			t.Errorf("the print shows the password of %q: %s", url, printed)
		}
		if !strings.Contains(printed, "db.example") {
			t.Errorf("the print hides where the database is: %s", printed)
		}
	}
	// Every secret, whatever it is, is masked.
	cfg := DefaultConfig()
	for _, o := range cfg.options() {
		if !o.secret {
			continue
		}
		if err := o.value.set([]string{"postgres://u:s3cr3t@h/d"}); err != nil {
			t.Fatal(err)
		}
		if v := fmt.Sprint(cfg.Masked()[printedName(o.name)]); strings.Contains(v, "s3cr3t") {
			t.Errorf("%s printed as %s", o.name, v)
		}
	}
}

func TestEmptyEnvironmentValueTurnsHTTPSOff(t *testing.T) {
	t.Setenv("PBXWS_HTTPS", "")
	t.Setenv("PBXWS_CC_TRUSTED_HOSTS", "")
	t.Setenv("PBXWS_BODY_LIMIT", "") // not a text: the empty value leaves the default
	cfg := DefaultConfig()
	if err := cfg.Load(nil, os.Getenv); err != nil {
		t.Fatal(err)
	}
	if cfg.HTTPSAddr != "" {
		t.Errorf("PBXWS_HTTPS= left https at %q", cfg.HTTPSAddr)
	}
	if len(cfg.CCTrustedHosts) != 0 {
		t.Errorf("PBXWS_CC_TRUSTED_HOSTS= left %v", cfg.CCTrustedHosts)
	}
	if cfg.BodyLimit != DefaultConfig().BodyLimit {
		t.Errorf("PBXWS_BODY_LIMIT= changed body-limit to %d", cfg.BodyLimit)
	}
	if cfg.HTTPAddr != DefaultConfig().HTTPAddr {
		t.Errorf("http %q", cfg.HTTPAddr)
	}
	// The command line still wins over the empty environment value.
	cfg = DefaultConfig()
	if err := cfg.Load([]string{"-https", "127.0.0.1:9443"}, os.Getenv); err != nil || cfg.HTTPSAddr != "127.0.0.1:9443" {
		t.Errorf("-https over PBXWS_HTTPS=: %q, %v", cfg.HTTPSAddr, err)
	}
}

func TestInvalidValuesAreRefusedNamingTheOption(t *testing.T) {
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want []string
	}{
		{"proxy", []string{"-trusted-proxies", "notacidr"}, nil,
			[]string{"-trusted-proxies", "PBXWS_TRUSTED_PROXIES", `"notacidr" is neither an address nor a CIDR`}},
		{"duration from env", nil, map[string]string{"PBXWS_DB_WAIT": "soon"},
			[]string{"-db-wait", "PBXWS_DB_WAIT", "the environment", `"soon" is not a duration`}},
		{"duration flag", []string{"-max-wait", "10"}, nil, []string{"-max-wait", "PBXWS_MAX_WAIT", "not a duration"}},
		{"port", []string{"-http", "127.0.0.1:70000"}, nil, []string{"-http", "PBXWS_HTTP", "out of range"}},
		{"no port", []string{"-sip", "127.0.0.1"}, nil, []string{"-sip ", "PBXWS_SIP", "not host:port"}},
		{"proxy port", []string{"-sip-outbound-proxy", "proxy.example:99999"}, nil, []string{"-sip-outbound-proxy", "out of range"}},
		{"number", []string{"-body-limit", "1MB"}, nil, []string{"-body-limit", "PBXWS_BODY_LIMIT", "not a whole number"}},
		{"least", []string{"-db-max-conns", "0"}, nil, []string{"-db-max-conns", "PBXWS_DB_MAX_CONNS", "less than the least allowed"}},
		{"bool", []string{"-sip-tcp=maybe"}, nil, []string{"-sip-tcp", "PBXWS_SIP_TCP", "neither true nor false"}},
		{"cross", []string{"-sip-min-expires", "600", "-sip-max-expires", "300"}, nil,
			[]string{"-sip-max-expires", "PBXWS_SIP_MAX_EXPIRES", "less than -sip-min-expires"}},
		{"pair", []string{"-tls-cert", "/etc/cert.pem"}, nil, []string{"-tls-cert", "needs -tls-key"}},
		{"header", []string{"-sip-user-agent", "x\r\nVia: evil"}, nil, []string{"-sip-user-agent", "control characters"}},
		{"realm", []string{"-realm", `a"b`}, nil, []string{"-realm", "quotes"}},
		{"one of", []string{"-log-level", "loud"}, nil, []string{"-log-level", "PBXWS_LOG_LEVEL"}},
		{"hosts from env", nil, map[string]string{"PBXWS_CC_TRUSTED_HOSTS": "127.0.0.1,pbx.example"},
			[]string{"-cc-trusted-hosts", "PBXWS_CC_TRUSTED_HOSTS", `"pbx.example"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			cfg := DefaultConfig()
			err := cfg.Load(tc.args, os.Getenv)
			var oe *OptionError
			if !errors.As(err, &oe) {
				t.Fatalf("%v %v: %v, want an OptionError", tc.args, tc.env, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not say %q", err, w)
				}
			}
		})
	}
	// The defaults pass their own rules.
	def := DefaultConfig()
	if err := def.Validate(); err != nil {
		t.Fatal(err)
	}
}

// The listen addresses checked for collisions come from the declarations: each names its
// flag.
func TestListenSettingsFollowTheDeclarations(t *testing.T) {
	cfg := DefaultConfig()
	cfg.CCHTTPAddr = "127.0.0.1:6667"
	got := map[string]string{}
	for _, l := range cfg.listenSettings() {
		got[l.flag] = strings.Join(l.networks, "+") + " " + l.addr
	}
	want := map[string]string{"http": "tcp 127.0.0.1:8080", "https": "tcp 127.0.0.1:8443", "pprof": "tcp ", "metrics": "tcp ",
		"sip": "udp+tcp 127.0.0.1:5060", "sip-tls": "tcp ", "cc-http": "tcp 127.0.0.1:6667", "cc-https": "tcp "}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("listen settings %v, want %v", got, want)
	}
}

// A Config built in code is held to the same rules: Start refuses it before it opens
// anything.
func TestStartRefusesAnInvalidConfig(t *testing.T) {
	cfg := DefaultConfig()
	cfg.VarDir = t.TempDir()
	cfg.TrustedProxies = []string{"notacidr"}
	srv, err := Start(context.Background(), cfg)
	var oe *OptionError
	if srv != nil || !errors.As(err, &oe) || oe.Flag != "trusted-proxies" {
		t.Fatalf("Start: %v, %v", srv, err)
	}
	if entries, _ := os.ReadDir(cfg.VarDir); len(entries) != 0 {
		t.Fatalf("the refused start wrote into var-dir: %v", entries)
	}
}
