package xivo_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"pbxws/tests/testenv"
)

// race sends the bodies at once to path?query (one each) and returns the statuses and bodies.
func race(t *testing.T, env *testenv.Env, path string, queries, bodies []string) ([]int, []string) {
	t.Helper()
	var wg sync.WaitGroup
	codes, answers := make([]int, len(bodies)), make([]string, len(bodies))
	start := make(chan struct{})
	for i := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			codes[i], _, answers[i] = send(t, fromAddr("127.0.0.1"), "POST", env.HTTPURL+path+"?"+queries[i], []byte(bodies[i]), "Content-Type", "application/json")
		}()
	}
	close(start)
	wg.Wait()
	return codes, answers
}

// Simultaneous edits of one queue (its display name, its strategy) both survive; two
// agents claiming one user at once: one gets the user, the other a 400 naming user-select,
// never both; two queues taking one number at once: one gets it.
func TestSimultaneousCallcenterWrites(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	jack, _ := callcenterSetup(t, c)
	qid := c.add(queuesPath, []byte(`{"queuefeatures": {"name": "sales", "number": "3001", "context": "default"}}`))
	a1 := c.add(agentsPath, []byte(`{"agentfeatures": {"number": "160", "context": "default"}, "user-select": []}`))
	a2 := c.add(agentsPath, []byte(`{"agentfeatures": {"number": "161", "context": "default"}, "user-select": []}`))
	for round := 0; round < 10; round++ {
		display, strategy := fmt.Sprintf("Sales %d", round), []string{"linear", "rrmemory"}[round%2]
		codes, answers := race(t, env, queuesPath, []string{"act=edit&id=" + qid, "act=edit&id=" + qid}, []string{
			fmt.Sprintf(`{"queuefeatures": {"displayname": %q}}`, display), fmt.Sprintf(`{"queue": {"strategy": %q}}`, strategy)})
		if codes[0] != http.StatusOK || codes[1] != http.StatusOK {
			t.Fatalf("round %d: %v %v", round, codes, answers)
		}
		var d, s string
		if err := env.DB.QueryRow(`SELECT displayname, strategy FROM queues WHERE id = $1`, qid).Scan(&d, &s); err != nil || d != display || s != strategy {
			t.Fatalf("round %d: stored %q %q, want %q %q (%v)", round, d, s, display, strategy, err)
		}

		body := fmt.Sprintf(`{"user-select": [%d]}`, jack)
		codes, answers = race(t, env, agentsPath, []string{"act=edit&id=" + a1, "act=edit&id=" + a2}, []string{body, body})
		ok := 0
		for i, st := range codes {
			switch {
			case st == http.StatusOK:
				ok++
			case st == http.StatusBadRequest && strings.Contains(answers[i], "user-select[0]"):
			default:
				t.Fatalf("round %d: %d %s", round, st, answers[i])
			}
		}
		var links int
		if err := env.DB.QueryRow(`SELECT count(*) FROM users WHERE agentid IS NOT NULL`).Scan(&links); err != nil || ok != 1 || links != 1 {
			t.Fatalf("round %d: %d agents got the user, %d links (%v)", round, ok, links, err)
		}
		mustExec(t, env, `UPDATE users SET agentid = NULL`)

		codes, answers = race(t, env, queuesPath, []string{"act=add", "act=add"}, []string{
			fmt.Sprintf(`{"queuefeatures": {"name": "a%d", "number": "3050", "context": "default"}}`, round),
			fmt.Sprintf(`{"queuefeatures": {"name": "b%d", "number": "3050", "context": "default"}}`, round)})
		ok = 0
		for i, st := range codes {
			switch {
			case st == http.StatusOK:
				ok++
			case st == http.StatusBadRequest && strings.Contains(answers[i], "queuefeatures.number"):
			default:
				t.Fatalf("round %d: %d %s", round, st, answers[i])
			}
		}
		var n int
		if err := env.DB.QueryRow(`SELECT count(*) FROM queues WHERE number = '3050'`).Scan(&n); err != nil || ok != 1 || n != 1 {
			t.Fatalf("round %d: %d added, %d stored (%v)", round, ok, n, err)
		}
		mustExec(t, env, `DELETE FROM queues WHERE number = '3050'`)
	}
}
