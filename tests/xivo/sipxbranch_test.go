package xivo_test

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// sipX branches are the entities json.php serves as manage/entity.
func TestSipxBranchesAreEntities(t *testing.T) {
	env, c := sipxSetup(t)
	boss := newSipx(t, env, "boss", "bosspin1")
	const entities = "/xivo/configuration/json.php/private/manage/entity/"

	// The seed document's own example.
	a := boss.send("PUT", "/sipxconfig/rest/branch", "application/json",
		`{"branch":{"name":"libofcongress","description":"library of congress","address":{"street":"101 Independence Ave SE","city":"Washington","state":"DC","zip":"20540"}}}`)
	id := a.envelope(t, http.StatusCreated, "SUCCESS_CREATED").ID
	e := c.object(entities, "act=view&id="+id)
	if e["name"] != "libofcongress" || e["description"] != "library of congress" || e["address1"] != "101 Independence Ave SE" ||
		e["city"] != "Washington" || e["state"] != "DC" || e["zipcode"] != "20540" || e["displayname"] != "libofcongress" {
		t.Fatalf("json.php view of the sipX branch: %v", e)
	}

	// Edited through json.php, read through sipX (XML list with metadata).
	if st, _, raw := c.do("POST", entities, "act=edit&id="+id, map[string]any{"address2": "Room 4", "phonenumber": "5551234"}); st != http.StatusOK {
		t.Fatalf("json.php edit: %d %s", st, raw)
	}
	a = boss.send("GET", "/sipxconfig/rest/branch?sortby=name&sortdir=asc", "", "")
	var list struct {
		Total    int `xml:"metadata>totalResults"`
		Branches []struct {
			Name   string `xml:"name"`
			Street string `xml:"address>street"`
			Office string `xml:"address>officeDesignation"`
			Phone  string `xml:"phoneNumber"`
		} `xml:"branches>branch"`
	}
	if a.status != http.StatusOK || xml.Unmarshal([]byte(a.body), &list) != nil || list.Total != 2 || len(list.Branches) != 2 {
		t.Fatalf("branch list: %d %s", a.status, a.body)
	}
	if b := list.Branches[1]; b.Name != "libofcongress" || b.Street != "101 Independence Ave SE" || b.Office != "Room 4" || b.Phone != "5551234" {
		t.Fatalf("the edited branch through sipX: %+v\n%s", b, a.body)
	}

	// A sipX edit that names only the description keeps the rest.
	boss.send("PUT", "/sipxconfig/rest/branch/"+id, "text/xml", `<branch><description>LoC</description></branch>`).envelope(t, http.StatusOK, "SUCCESS_UPDATED")
	if e = c.object(entities, "act=view&id="+id); e["description"] != "LoC" || e["city"] != "Washington" || e["address2"] != "Room 4" {
		t.Fatalf("after a partial sipX edit: %v", e)
	}

	// Refusals: the default entity is in use; bad names; unknown ids. Nothing changes.
	var before int
	if err := env.DB.Get(&before, `SELECT count(*) FROM entities`); err != nil {
		t.Fatal(err)
	}
	if m := boss.send("DELETE", "/sipxconfig/rest/branch/1", "", "").envelope(t, http.StatusConflict, "ERROR_REFERENCE_EXISTS"); !strings.Contains(m.More, "used") {
		t.Fatalf("delete of a used branch: %+v", m)
	}
	if m := boss.send("PUT", "/sipxconfig/rest/branch", "text/xml", `<branch><name>Bad Name</name></branch>`).envelope(t, http.StatusBadRequest, "ERROR_VALIDATION_FAILED"); !strings.Contains(m.More, "name") {
		t.Fatalf("bad name: %+v", m)
	}
	boss.send("PUT", "/sipxconfig/rest/branch", "text/xml", `<branch><description>x</description></branch>`).envelope(t, http.StatusBadRequest, "ERROR_VALIDATION_FAILED")
	boss.send("GET", "/sipxconfig/rest/branch/4242", "", "").envelope(t, http.StatusBadRequest, "ERROR_OBJECT_NOT_FOUND")
	var after int
	if err := env.DB.Get(&after, `SELECT count(*) FROM entities`); err != nil || after != before {
		t.Fatalf("entities %d, were %d (%v)", after, before, err)
	}
	// Deleted through sipX: gone for json.php.
	boss.send("DELETE", "/sipxconfig/rest/branch/"+id, "", "").envelope(t, http.StatusOK, "SUCCESS_DELETED")
	if st, _, _ := c.do("GET", entities, "act=view&id="+id, nil); st != http.StatusNotFound {
		t.Fatalf("json.php view of the deleted branch: %d", st)
	}
}

// sipX user groups, and users' memberships through /user.
func TestSipxUserGroups(t *testing.T) {
	env, c := sipxSetup(t)
	boss := newSipx(t, env, "boss", "bosspin1")
	id := boss.send("PUT", "/sipxconfig/rest/user-group", "text/xml",
		`<group><name>sales</name><description>Sales team</description><branch><id>1</id></branch></group>`).envelope(t, http.StatusCreated, "SUCCESS_CREATED").ID
	a := boss.send("GET", "/sipxconfig/rest/user-group/"+id, "", "", "Accept", "application/json")
	if a.status != http.StatusOK || !strings.HasPrefix(a.body, `{"group":{"id":`+id+`,"name":"sales","description":"Sales team","branch":{"id":1,"name":"default"`) {
		t.Fatalf("group view: %d %s", a.status, a.body)
	}
	boss.send("PUT", "/sipxconfig/rest/user-group", "text/xml", `<group><name>sales</name></group>`).envelope(t, http.StatusBadRequest, "ERROR_CREATE_FAILED")
	boss.send("PUT", "/sipxconfig/rest/user-group", "text/xml", `<group><name>x</name><branch><id>77</id></branch></group>`).envelope(t, http.StatusBadRequest, "ERROR_VALIDATION_FAILED")

	uid := addUser(t, c, `{"userfeatures": {"firstname": "Gus", "loginclient": "gus"}}`)
	path := "/sipxconfig/rest/user/" + strconv.Itoa(uid)
	boss.send("PUT", path, "text/xml", `<user><userName>gus</userName><groups><group><id>`+id+`</id></group></groups></user>`).envelope(t, http.StatusOK, "SUCCESS_UPDATED")
	if a = boss.send("GET", path, "", ""); !strings.Contains(a.body, `<groups><group><id>`+id+`</id><name>sales</name><description>Sales team</description></group></groups>`) {
		t.Fatalf("user with a group: %s", a.body)
	}
	// An edit that does not name groups keeps them; deleting the group ends the membership.
	boss.send("PUT", path, "text/xml", `<user><userName>gus</userName><lastName>G</lastName></user>`).envelope(t, http.StatusOK, "SUCCESS_UPDATED")
	var n int
	if err := env.DB.Get(&n, `SELECT count(*) FROM user_group_members WHERE user_id = $1`, uid); err != nil || n != 1 {
		t.Fatalf("memberships after an edit not naming groups: %d %v", n, err)
	}
	boss.send("DELETE", "/sipxconfig/rest/user-group/"+id, "", "").envelope(t, http.StatusOK, "SUCCESS_DELETED")
	if a = boss.send("GET", path, "", ""); strings.Contains(a.body, "<groups>") {
		t.Fatalf("user still in a deleted group: %s", a.body)
	}
	boss.send("GET", "/sipxconfig/rest/user-group/"+id, "", "").envelope(t, http.StatusBadRequest, "ERROR_OBJECT_NOT_FOUND")
}

// The sipX admin phonebook is the XiVO phonebook: listed by name (XML only), its entries
// in CSV (the default), XML or JSON.
func TestSipxPhonebookIsTheXivoOne(t *testing.T) {
	env, c := sipxSetup(t)
	boss := newSipx(t, env, "boss", "bosspin1")
	const pb = "/service/ipbx/json.php/private/pbx_services/phonebook/"
	c.mustStatus(http.StatusOK, "POST", pb, "act=add", []byte(`{"phonebook": {"displayname": "Penguin", "firstname": "Penguin", "lastname": "Em\"porer"}, "phonebooknumber": {"mobile": "0612", "office": "1234"}}`))
	c.mustStatus(http.StatusOK, "POST", pb, "act=add", []byte(`{"phonebook": {"displayname": "Bob"}, "phonebooknumber": {"home": "0478000000"}}`))
	a := boss.send("GET", "/sipxconfig/rest/phonebook", "", "")
	if a.status != http.StatusOK || !strings.HasSuffix(a.body, `<phonebooks><phonebook name="xivo"/></phonebooks>`) {
		t.Fatalf("phonebook list: %d %s", a.status, a.body)
	}
	if a = boss.send("GET", "/sipxconfig/rest/phonebook", "", "", "Accept", "application/json"); a.status != http.StatusNotAcceptable {
		t.Fatalf("the list as JSON: %d", a.status)
	}
	a = boss.send("GET", "/sipxconfig/rest/phonebook/xivo", "", "")
	// By display name, as json.php lists them.
	want := "\"First name\",\"Last name\",\"Number\"\n\"Bob\",\"\",\"0478000000\"\n\"Penguin\",\"Em\\\"porer\",\"1234\"\n"
	if a.status != http.StatusOK || !strings.HasPrefix(a.header.Get("Content-Type"), "text/comma-separated-values") || a.body != want {
		t.Fatalf("CSV: %d %q %q\nwant %q", a.status, a.header.Get("Content-Type"), a.body, want)
	}
	if a = boss.send("GET", "/sipxconfig/rest/phonebook/xivo", "", "", "Accept", "application/json"); a.body != `{"phonebook":[{"first-name":"Bob","last-name":"","number":"0478000000"},{"first-name":"Penguin","last-name":"Em\"porer","number":"1234"}]}` {
		t.Fatalf("JSON: %s", a.body)
	}
	if a = boss.send("GET", "/sipxconfig/rest/phonebook/xivo", "", "", "Accept", "text/xml"); !strings.Contains(a.body, "</entry><entry><first-name>Penguin</first-name><last-name>Em&#34;porer</last-name><number>1234</number></entry>") {
		t.Fatalf("XML: %s", a.body)
	}
	if a = boss.send("GET", "/sipxconfig/rest/phonebook/sales", "", ""); a.status != http.StatusNotFound {
		t.Fatalf("another book: %d", a.status)
	}
	if a = newSipx(t, env, "clerk", "clerkpin").send("GET", "/sipxconfig/rest/phonebook/xivo", "", ""); a.status != http.StatusForbidden {
		t.Fatalf("a user who is not an administrator: %d", a.status)
	}
}
