package xivo_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"pbxws/tests/testenv"
)

const campaignsPath = "/callcenter/json.php/private/registrationcampaign/campaigns/"

// registrationcampaign/campaigns: the view a recording service reads (settings, tags and
// campaigns in XiVO's shape), filled by add/edit/delete of campaigns and configure of the
// settings and tags; refusals name the field and change nothing.
func TestRecordingCampaignsEveryAct(t *testing.T) {
	env := testenv.Start(t)
	c := newClient(t, env)
	callcenterSetup(t, c)
	agent := atoi(t, c.add(agentsPath, []byte(`{"agentfeatures": {"number": "160", "context": "default", "firstname": "A", "numgroup": "1", "autologoff": "0"}, "user-select": []}`)))
	queue := atoi(t, c.add(queuesPath, []byte(`{"queuefeatures": {"name": "sales", "number": 3001, "context": "default"}, "queue": {"strategy": "ringall"}}`)))
	view := func() map[string]any {
		t.Helper()
		return c.object(campaignsPath, "act=view")
	}
	tables := func() string {
		t.Helper()
		var s string
		if err := env.DB.Get(&s, `SELECT concat_ws(' | ',
			(SELECT string_agg(concat_ws(',', name, starts_at, COALESCE(CAST(ends_at AS text), '-'), COALESCE(direction, '-'), skills), ';' ORDER BY id) FROM recording_campaigns),
			(SELECT string_agg(campaign_id || ':' || agent_id, ',') FROM recording_campaign_agents),
			(SELECT string_agg(campaign_id || ':' || queue_id, ',') FROM recording_campaign_queues),
			(SELECT string_agg(name || '=' || action, ',' ORDER BY name) FROM recording_tags),
			(SELECT records_path || ',' || purge_syst_tagged_delay || ',' || purge_punct_at FROM recording_general))`); err != nil {
			t.Fatal(err)
		}
		return s
	}
	// Nothing yet: the defaults, and the tag every record without one has.
	v := view()
	if b, _ := json.Marshal(v["tags"]); string(b) != `{"notag":{"action":"purge","label":"no tag"}}` || len(v["campaigns"].(map[string]any)) != 0 ||
		v["records_path"] != "/var/lib/pbx/recordings" {
		t.Fatalf("empty view: %v", v)
	}
	if b, _ := json.Marshal(v["purges"]); string(b) != `{"punct":{"delay":0,"when":"03:00"},"syst":{"tagged":{"delay":2592000,"when":"03:00"},"untagged":{"delay":604800,"when":"03:00"}}}` {
		t.Fatalf("purges: %s", b)
	}
	id := atoi(t, c.add(campaignsPath, []byte(fmt.Sprintf(`{"name": "quality", "start": "2026-12-01 08:00:00", "end": "2026-12-31 18:00:00",
		"filters": {"agents": [%d], "queues": [%d], "skills": [["english", "sales"], "french support"], "directions": "I"}}`, agent, queue))))
	// Settings and tags, in the view's shape.
	c.mustStatus(http.StatusOK, "POST", campaignsPath, "act=configure", []byte(`{"records_path": "/srv/records",
		"purges": {"syst": {"tagged": {"delay": 864000, "when": "02:30"}}, "punct": {"when": "04:15"}},
		"dialplan_variables": {"svientries": "entry1"}, "tags": {"notag": {}, "complaint": {"label": "Complaint", "action": "keep"},
		"test": {"label": "Test call", "action": "removenow"}}}`))
	want := fmt.Sprintf("quality,2026-12-01 08:00:00,2026-12-31 18:00:00,in,"+`[["english", "sales"], ["french", "support"]]`+
		" | %d:%d | %d:%d | complaint=keep,test=removenow | /srv/records,10,04:15", id, agent, id, queue)
	if got := tables(); got != want {
		t.Fatalf("stored\n%s\nwant\n%s", got, want)
	}
	v = view()
	cs := v["campaigns"].(map[string]any)
	if len(cs) != 1 {
		t.Fatalf("campaigns: %v", cs)
	}
	for key, raw := range cs {
		b, _ := json.Marshal(raw)
		if !strings.HasPrefix(key, "20") || !strings.Contains(string(b), `"filters":{"agents":[`+strconv.Itoa(agent)+`],"directions":"I","queues":[`+strconv.Itoa(queue)+`],"skills":[["english","sales"],["french","support"]]}`) ||
			!strings.Contains(string(b), `"end":"2026-12-31 18:00:00"`) || !strings.Contains(string(b), `"name":"quality"`) {
			t.Fatalf("campaign %s: %s", key, b)
		}
	}
	if b, _ := json.Marshal(v["tags"]); string(b) != `{"complaint":{"action":"keep","label":"Complaint"},"notag":{"action":"purge","label":"no tag"},"test":{"action":"removenow","label":"Test call"}}` {
		t.Fatalf("tags: %s", b)
	}
	if b, _ := json.Marshal(v["dialplan_variables"]); string(b) != `{"svichoices":"","svientries":"entry1","svivariables":""}` {
		t.Fatalf("dialplan variables: %s", b)
	}
	// An edit keeps what it does not name; end null opens the period.
	c.mustStatus(http.StatusOK, "POST", campaignsPath, "act=edit&id="+strconv.Itoa(id), []byte(`{"end": null, "filters": {"directions": "I && O"}}`))
	want = strings.Replace(want, "2026-12-31 18:00:00,in", "-,both", 1)
	if got := tables(); got != want {
		t.Fatalf("after the edit\n%s\nwant\n%s", got, want)
	}
	// Refusals: the field and the rule; nothing changes.
	for _, tc := range []struct{ act, body, field string }{
		{"act=add", `{"start": "2026-12-01 08:00:00"}`, "campaign.name"},
		{"act=add", `{"name": "x"}`, "campaign.start"},
		{"act=add", `{"name": "x", "start": "yesterday"}`, "campaign.start"},
		{"act=add", `{"name": "x", "start": "2026-12-02 08:00:00", "end": "2026-12-01 08:00:00"}`, "campaign.end"},
		{"act=add", `{"name": "x", "start": "2026-12-02", "filters": {"agents": [99999]}}`, "campaign.agents[0]"},
		{"act=add", `{"name": "x", "start": "2026-12-02", "filters": {"queues": [0]}}`, "campaign.filters.queues[0]"},
		{"act=add", `{"name": "x", "start": "2026-12-02", "filters": {"directions": "sideways"}}`, "campaign.filters.directions"},
		{"act=add", `{"name": "x", "start": "2026-12-02", "filters": {"skills": [[]]}}`, "campaign.skills[0]"},
		{"act=add", `{"name": "quality", "start": "2026-12-02"}`, "campaign.name"},
		{"act=edit&id=" + strconv.Itoa(id), `{"name": ""}`, "campaign.name"},
		{"act=edit", `{"name": "y"}`, "id"},
		{"act=configure", `{"records_path": ""}`, "general.records_path"},
		{"act=configure", `{"purges": {"punct": {"when": "25:00"}}}`, "general.purge_punct_at"},
		{"act=configure", `{"purges": {"punct": {"delay": 100}}}`, "purges.punct.delay"},
		{"act=configure", `{"tags": {"bad": {"action": "shred"}}}`, "tags.bad.action"},
	} {
		st, _, body := c.do("POST", campaignsPath, tc.act, json.RawMessage(tc.body))
		if st != http.StatusBadRequest || !strings.Contains(string(body), tc.field) {
			t.Fatalf("%s %s: %d %s, want 400 naming %s", tc.act, tc.body, st, body, tc.field)
		}
	}
	if got := tables(); got != want {
		t.Fatalf("after the refusals\n%s\nwant\n%s", got, want)
	}
	if st, _, _ := c.do("POST", campaignsPath, "act=edit&id=99999", json.RawMessage(`{"name": "z"}`)); st != http.StatusNotFound {
		t.Fatalf("edit of an unknown campaign: %d", st)
	}
	// Deleting the queue takes it out of the campaign; deleting the campaign its links.
	c.mustStatus(http.StatusOK, "GET", queuesPath, "act=delete&id="+strconv.Itoa(queue), nil)
	c.mustStatus(http.StatusOK, "GET", campaignsPath, "act=delete&id="+strconv.Itoa(id), nil)
	if st, _, _ := c.do("GET", campaignsPath, "act=delete&id="+strconv.Itoa(id), nil); st != http.StatusNotFound {
		t.Fatalf("second delete: %d", st)
	}
	if got := tables(); got != "complaint=keep,test=removenow | /srv/records,10,04:15" {
		t.Fatalf("after the deletes %q", got)
	}
	// Restricted mode needs the section.
	if st, _, _ := c.do("GET", "/callcenter/json.php/restricted/registrationcampaign/campaigns/", "act=view", nil); st != http.StatusUnauthorized {
		t.Fatalf("restricted without an account: %d", st)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("not an id: %q", s)
	}
	return n
}
