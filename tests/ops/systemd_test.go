package ops

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"pbxws/tests/testenv"
)

// Issue 14.13: the unit in deploy/ passes systemd-analyze verify without a warning, runs
// as its own user with the configuration file and restarts on failure; the example
// configuration file is one pbxws reads.
func TestSystemdUnitVerifies(t *testing.T) {
	unit, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "deploy", "pbxws.service"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Type=simple", "Restart=on-failure", "User=pbxws", "-config /etc/pbxws/pbxws.toml", "ExecStart=/usr/local/bin/pbxws serve"} {
		if !strings.Contains(string(unit), want) {
			t.Errorf("the unit has no %q", want)
		}
	}
	// verify checks that ExecStart exists: point it at the binary under test.
	tmp := filepath.Join(t.TempDir(), "pbxws.service")
	if err := os.WriteFile(tmp, []byte(strings.ReplaceAll(string(unit), "/usr/local/bin/pbxws", pbxwsBin)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("systemd-analyze", "verify", tmp).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}

	dir := t.TempDir()
	cfgFile := filepath.Join(testenv.RepoRoot(), "deploy", "pbxws.toml")
	// The example file names the service's var dir; -var-dir on the command line wins over
	// it, and migrate -h would not read it: db status does, and refuses for want of data.
	r := pbxws(t, dir, nil, "", "db", "status", "-config", cfgFile, "-var-dir", filepath.Join(dir, "var")).must(t, 1)
	if !strings.Contains(r.stderr, "no private PostgreSQL cluster in "+filepath.Join(dir, "var", "pg")) {
		t.Fatalf("db status with the example configuration: %q", r.stderr)
	}
}
