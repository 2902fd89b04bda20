package ops

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An invalid setting stops the start before anything is created, with a message naming
// the flag, its environment twin and the rule it broke.
func TestInvalidSettingStopsTheStartNamingIt(t *testing.T) {
	dir := privateDir(t)
	cases := []struct {
		env  []string
		args []string
		want []string
	}{
		{nil, []string{"serve", "-trusted-proxies", "notacidr"},
			[]string{"-trusted-proxies", "PBXWS_TRUSTED_PROXIES", `"notacidr" is neither an address nor a CIDR`}},
		{[]string{"PBXWS_HTTP=127.0.0.1:70000"}, []string{"serve"},
			[]string{"-http", "PBXWS_HTTP", "from the environment", "out of range"}},
	}
	for _, c := range cases {
		r := pbxws(t, dir, c.env, "", c.args...)
		if r.code == 0 {
			t.Fatalf("%v %v: exit 0\n%s", c.env, c.args, r.stderr)
		}
		for _, w := range c.want {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("%v %v: stderr does not say %q:\n%s", c.env, c.args, w, r.stderr)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "var")); err == nil {
			t.Fatalf("%v %v: the refused start created a var folder", c.env, c.args)
		}
	}
}
