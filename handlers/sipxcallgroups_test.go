package handlers

import (
	"errors"
	"fmt"
	"strings"
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

// The call-group and page-group decoders never panic and refuse only with ValidationErrors
// naming fields, whatever XML or JSON body they get; what they accept applies onto a group.
func FuzzSipxAPIGroupDecoders(f *testing.F) {
	for _, s := range []string{
		`{"name":"sales","extension":"3399","did":null,"ringBeans":[{"typeStr":null,"userName":"u1","expiration":30},{"typeStr":"At the same time","userName":"u2"}],"fallbackDestination":"sip:op@example.com"}`,
		`<CallGroup><name>sales</name><ringBeans><userName>u1</userName></ringBeans><ringBeans><typeStr>If no response</typeStr><userName>u2</userName><expiration>x</expiration></ringBeans></CallGroup>`,
		`{"ringBeans":{"userName":3},"enabled":"yes","extension":12}`,
		`{"strings":["3399",3400,null]}`,
		`{"enabled":true,"pageGroupNumber":50,"timeout":30,"users":[{"id":1},{"userName":"bob"},{},3]}`,
		`<Group><pageGroupNumber>51</pageGroupNumber><Users><User><userName>a</userName></User></Users><description/></Group>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var body map[string]any
		var err error
		if strings.HasPrefix(strings.TrimSpace(string(b)), "<") {
			body, err = DecodeSipxXML(b)
		} else {
			body, err = DecodeBody(b)
		}
		if err != nil {
			return
		}
		check := func(name string, err error) {
			var ve *models.ValidationError
			if err != nil && (!errors.As(err, &ve) || len(ve.Fields) == 0) {
				t.Fatalf("%s: %T %v", name, err, err)
			}
		}
		users := func(name string) (int, bool, error) { return len(name), name != "", nil }
		cg, err := decodeCallGroupBody(&Request{Decoded: body})
		check("call group", err)
		if err == nil {
			check("call group apply", cg.apply(&models.GroupComposite{Group: models.Group{Context: "default"}}, users))
		}
		pg, err := decodePageGroupBody(&Request{Decoded: body})
		check("page group", err)
		if err == nil {
			check("page group apply", pg.apply(&models.PageGroupComposite{}, users))
		}
	})
}
