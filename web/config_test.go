package web

import (
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
			if m := cfg.Masked(); strings.Contains(m["database"].(string), "pw") {
				t.Errorf("the printed configuration shows the password: %v", m["database"])
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
