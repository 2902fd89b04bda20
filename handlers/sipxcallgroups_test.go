package handlers

import (
	"fmt"
	"testing"

	"pbxws/models"
)

func TestCallGroupRingTime(t *testing.T) {
	r := func(exp int, enabled, together bool) models.GroupRing {
		return models.GroupRing{Expiration: exp, Enabled: enabled, Together: together}
	}
	for _, x := range []struct {
		rings []models.GroupRing
		want  int
	}{
		{nil, 0},
		{[]models.GroupRing{r(30, true, false)}, 30},
		// ringall: one step, as long as its longest ring.
		{[]models.GroupRing{r(30, true, true), r(20, true, true), r(45, true, true)}, 45},
		// linear: the steps add up.
		{[]models.GroupRing{r(20, true, false), r(10, true, false), r(30, true, false)}, 60},
		// mixed: 20, then 10 with 30 at the same time; a disabled ring does not count.
		{[]models.GroupRing{r(20, true, false), r(10, true, false), r(30, false, true)}, 30},
		{[]models.GroupRing{r(20, true, false), r(10, true, false), r(30, true, true)}, 50},
	} {
		if got := ringTime(x.rings); got != x.want {
			t.Errorf("ringTime(%v) = %d, want %d", x.rings, got, x.want)
		}
	}
}

func TestCallGroupRotateAfter(t *testing.T) {
	rings := make([]models.GroupRing, 5)
	for i := range rings {
		rings[i].UserID = i + 1
	}
	for k, want := range []string{"[2 3 4 5 1]", "[3 4 5 1 2]", "[4 5 1 2 3]", "[5 1 2 3 4]", "[1 2 3 4 5]"} {
		got := rotateAfter(rings, k)
		ids := make([]int, len(got))
		for i, r := range got {
			ids[i] = r.UserID
		}
		if fmt.Sprint(ids) != want {
			t.Errorf("rotate on %d: %v, want %s", k+1, ids, want)
		}
	}
	if rings[0].UserID != 1 || rings[4].UserID != 5 {
		t.Errorf("rotateAfter changed its input: %v", rings)
	}
}

func TestCallGroupRotateKeepsTimeoutMeaning(t *testing.T) {
	stored := &models.GroupComposite{Rings: []models.GroupRing{
		{UserID: 1, Expiration: 20, Enabled: true}, {UserID: 2, Expiration: 10, Enabled: true, Together: true},
		{UserID: 3, Expiration: 30, Enabled: true}}}
	// A group ringing as long as its rings (50: 20 with 10, then 30) rings as long as the
	// new order: 10, then 30, then 20.
	stored.Group.Timeout = 50
	c := &models.GroupComposite{Group: stored.Group}
	rotateGroup(c, stored, 0)
	if c.Group.Timeout != 60 || c.Rings[0].UserID != 2 || c.Rings[2].UserID != 1 {
		t.Errorf("rotated: timeout %d, rings %v", c.Group.Timeout, c.Rings)
	}
	// A timeout XiVO set stays.
	stored.Group.Timeout = 45
	c = &models.GroupComposite{Group: stored.Group}
	rotateGroup(c, stored, 0)
	if c.Group.Timeout != 45 {
		t.Errorf("XiVO timeout: %d", c.Group.Timeout)
	}
}
