package xivo_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/lib/pq"

	"pbxws/models"
	"pbxws/tests/testenv"
)

// control_system/reload and restart record the request and announce it on the documented
// channel, in both modes; the answer is XiVO's (200, empty).
func TestPBXControlIsRecordedAndAnnounced(t *testing.T) {
	env := testenv.Start(t)
	account(t, env, "admin", "admin", "secret", nil, []string{"service/ipbx/control_system"}, false)
	account(t, env, "other", "other", "otherpw", nil, []string{"service/ipbx/pbx_settings"}, false)
	l := pq.NewListener(env.DSN, 100*time.Millisecond, time.Second, nil)
	defer l.Close()
	if err := l.Listen(models.PBXControlChannel); err != nil {
		t.Fatal(err)
	}
	hc := fromAddr("127.0.0.1")
	type notice struct {
		ID          int64  `json:"id"`
		Action      string `json:"action"`
		RequestedBy string `json:"requested_by"`
	}
	expect := func(action, by string) {
		t.Helper()
		select {
		case n := <-l.Notify:
			var got notice
			if n == nil || json.Unmarshal([]byte(n.Extra), &got) != nil || got.Action != action || got.RequestedBy != by || got.ID == 0 {
				t.Fatalf("notice %+v, want %s by %s", n, action, by)
			}
			var stored string
			if err := env.DB.Get(&stored, `SELECT action || ' ' || requested_by FROM pbx_control_requests WHERE id = $1`, got.ID); err != nil || stored != action+" "+by {
				t.Fatalf("stored request %q %v", stored, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no notice for %s", action)
		}
	}
	if st, _, body := send(t, hc, "GET", env.HTTPURL+"/service/ipbx/json.php/restricted/control_system/reload/", nil, "Basic", "admin:secret"); st != 200 || body != "" {
		t.Fatalf("reload: %d %q", st, body)
	}
	expect("reload", "admin")
	if st, _, body := send(t, hc, "POST", env.HTTPURL+"/service/ipbx/json.php/private/control_system/restart", nil); st != 200 || body != "" {
		t.Fatalf("restart: %d %q", st, body)
	}
	expect("restart", "(private)")
	// Without the section: refused, nothing recorded, nothing announced.
	if st, _, _ := send(t, hc, "GET", env.HTTPURL+"/service/ipbx/json.php/restricted/control_system/reload/", nil, "Basic", "other:otherpw"); st != http.StatusForbidden {
		t.Fatalf("reload without the grant: %d", st)
	}
	var n int
	if err := env.DB.Get(&n, `SELECT count(*) FROM pbx_control_requests`); err != nil || n != 2 {
		t.Fatalf("%d requests recorded, want 2 (%v)", n, err)
	}
	select {
	case extra := <-l.Notify:
		t.Fatalf("a refused request was announced: %+v", extra)
	default:
	}
}
