package xivo_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"pbxws/tests/testenv"
)

// Answers rendered into pooled buffers reach their own client whole: many simultaneous
// views of different users each get their user (a buffer returned to the pool before the
// response was written once sent empty or another request's bytes).
func TestSimultaneousViewsGetTheirOwnAnswer(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	const users = 12
	ids := make([]int, users)
	for i := range ids {
		ids[i] = addUser(t, c, fmt.Sprintf(`{"userfeatures": {"firstname": "U%d", "description": %q}}`, i, fmt.Sprintf("padding %0500d", i)))
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8*40)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			hc := fromAddr("127.0.0.1")
			for n := 0; n < 40; n++ {
				i := (w*7 + n) % users
				st, _, body := send(t, hc, "GET", fmt.Sprintf("%s%s?act=view&id=%d", env.HTTPURL, usersPath, ids[i]), nil)
				var v struct {
					UF struct {
						ID        int    `json:"id"`
						FirstName string `json:"firstname"`
					} `json:"userfeatures"`
				}
				if st != http.StatusOK || json.Unmarshal([]byte(body), &v) != nil || v.UF.ID != ids[i] || v.UF.FirstName != fmt.Sprintf("U%d", i) {
					errs <- fmt.Sprintf("view of user %d: %d %.120q", ids[i], st, body)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
