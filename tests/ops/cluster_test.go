package ops

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"pbxws/tests/testenv"
)

// Issue 14.1: a checkout under a 0700 folder (as /root or mktemp -d), run as root, used to
// fail in initdb because the postgres user cannot traverse it. It serves, and says where
// the data went.
func TestServeWithVarDirInAPrivateFolder(t *testing.T) {
	dir := privateDir(t)
	varDir := filepath.Join(dir, "checkout", "var")
	stopClusterAtEnd(t, dir, varDir)
	p := startServe(t, dir, nil, append(ephemeral, "-var-dir", varDir)...)
	if st, body := get(t, p.HTTPURL+"/readyz", "", ""); st != 200 {
		t.Fatalf("/readyz: %d %s", st, body)
	}
	// The account command finds the same data, and the account works.
	pbxws(t, dir, nil, "s3cret-1\n", "account", "add", "-var-dir", varDir, "--name", "admin", "--login", "admin",
		"--password-stdin", "--section", "xivo/configuration").must(t, 0)
	if st, body := get(t, p.HTTPURL+"/xivo/configuration/json.php/restricted/check/", "admin", "s3cret-1"); st != 200 || body != "OK" {
		t.Fatalf("check: %d %q", st, body)
	}
	data := clusterDir(t, dir, varDir)
	if os.Geteuid() == 0 {
		if !strings.HasPrefix(data, "/var/lib/pbxws/") {
			t.Fatalf("as root the cluster of a private folder lives in %s, want under /var/lib/pbxws", data)
		}
		if !strings.Contains(p.out.String(), "the private PostgreSQL cluster lives in "+data) {
			t.Fatalf("the start does not say where the data is:\n%s", p.out.String())
		}
		if st, err := os.Stat(filepath.Join(dir, "checkout")); err == nil && st.Mode().Perm()&0o001 != 0 {
			t.Fatalf("the private folder was opened up: %v", st.Mode())
		}
	} else if data != filepath.Join(varDir, "pg") {
		t.Fatalf("as a normal user the cluster lives in %s, want %s", data, filepath.Join(varDir, "pg"))
	}
}

// Issue 12.10: SIGHUP (a closed terminal) does not stop pbxws; after kill -9 the cluster
// is left running, and the next start adopts it: its SIGTERM stops the cluster too.
func TestOrphanedClusterIsAdoptedAndStoppedWithItsNewOwner(t *testing.T) {
	dir := privateDir(t)
	varDir := filepath.Join(dir, "var")
	stopClusterAtEnd(t, dir, varDir)
	first := startServe(t, dir, nil, append(ephemeral, "-var-dir", varDir)...)
	first.signal(syscall.SIGHUP)
	// The signal is delivered before the request is answered; a killed server answers nothing.
	if st, body := get(t, first.HTTPURL+"/healthz", "", ""); st != 200 {
		t.Fatalf("after SIGHUP /healthz: %d %s", st, body)
	}
	if !first.alive() {
		t.Fatal("SIGHUP stopped pbxws")
	}
	data := clusterDir(t, dir, varDir)
	first.signal(syscall.SIGKILL)
	first.waitExit(10 * time.Second)
	if postmasterPID(data) == 0 {
		t.Fatal("the cluster died with its owner: nothing to adopt (the test cannot show the adoption)")
	}

	second := startServe(t, dir, nil, append(ephemeral, "-var-dir", varDir)...)
	if !strings.Contains(second.out.String(), "adopted the running private PostgreSQL cluster") {
		t.Fatalf("the second start does not say it adopted the cluster:\n%s", second.out.String())
	}
	if st, _ := get(t, second.HTTPURL+"/readyz", "", ""); st != 200 {
		t.Fatalf("the adopting server is not ready: %d", st)
	}
	second.signal(syscall.SIGTERM)
	if code := second.waitExit(30 * time.Second); code != 0 {
		t.Fatalf("SIGTERM: exit %d", code)
	}
	if pid := postmasterPID(data); pid != 0 {
		t.Fatalf("the adopted cluster (postmaster %d) still runs after its owner's SIGTERM", pid)
	}
}

// Issue 12.10: pbxws watches its private cluster and restarts it when it dies; the data
// is there again, and pbxws serves without being restarted.
func TestDeadClusterIsRestartedByItsOwner(t *testing.T) {
	dir := privateDir(t)
	varDir := filepath.Join(dir, "var")
	stopClusterAtEnd(t, dir, varDir)
	p := startServe(t, dir, nil, append(ephemeral, "-var-dir", varDir)...)
	pbxws(t, dir, nil, "s3cret-1\n", "account", "add", "-var-dir", varDir, "--name", "admin", "--login", "admin",
		"--password-stdin", "--section", "xivo/configuration").must(t, 0)
	data := clusterDir(t, dir, varDir)
	old := postmasterPID(data)
	if old == 0 {
		t.Fatal("no postmaster runs")
	}
	if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Until the owner has restarted it, requests are refused with 503 (never a 500); then
	// they are served again, without restarting pbxws.
	users := p.HTTPURL + "/service/ipbx/json.php/private/pbx_settings/users/?act=list"
	refused := 0
	testenv.Eventually(t, 60*time.Second, "a new postmaster and the users list served again", func() bool {
		st, body := get(t, users, "", "")
		switch st {
		case 503:
			refused++
		case 204:
		default:
			t.Fatalf("while the cluster restarts: %d %s", st, body)
		}
		pid := postmasterPID(data)
		return st == 204 && pid != 0 && pid != old
	})
	t.Logf("%d requests refused with 503 during the restart", refused)
	testenv.Eventually(t, 30*time.Second, "/readyz answering 200 again", func() bool {
		st, _ := get(t, p.HTTPURL+"/readyz", "", "")
		return st == 200
	})
	if st, body := get(t, p.HTTPURL+"/xivo/configuration/json.php/restricted/check/", "admin", "s3cret-1"); st != 200 || body != "OK" {
		t.Fatalf("the account after the restart: %d %q", st, body)
	}
	if !strings.Contains(p.out.String(), "the private PostgreSQL server is gone; restarting it") {
		t.Fatalf("the restart was not logged:\n%s", p.out.String())
	}
	p.signal(syscall.SIGTERM)
	p.waitExit(30 * time.Second)
	if pid := postmasterPID(data); pid != 0 {
		t.Fatalf("the restarted cluster (postmaster %d) outlives its owner", pid)
	}
}
