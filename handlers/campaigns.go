package handlers

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"pbxws/models"
)

// The call-recording campaigns (json.php /callcenter registrationcampaign/campaigns, spec
// §4.9.11): view, the document a recording service reads, is the documented act; add, edit
// and delete (campaigns) and configure (settings and tags, in the view's shape) are how
// pbxws fills it, XiVO having done so in its web interface only.

// campaignTime is how campaign dates are written and read.
const campaignTime = "2006-01-02 15:04:05"

// directions maps the view's filter to the stored direction, and back.
var directions = map[string]string{"I": "in", "O": "out", "I && O": "both"}

func campaignView(c *models.RecordingCampaign) map[string]any {
	var end any
	if c.End != nil {
		end = c.End.Format(campaignTime)
	}
	var dir any
	for k, v := range directions {
		if v == c.Direction {
			dir = k
		}
	}
	skills := c.Skills
	if skills == nil {
		skills = [][]string{}
	}
	return map[string]any{"id": strconv.Itoa(c.ID), "name": c.Name, "start": c.Start.Format(campaignTime), "end": end,
		"created_at": c.CreatedAt.Format(campaignTime),
		"filters":    map[string]any{"agents": nonNil(c.Agents), "queues": nonNil(c.Queues), "skills": skills, "directions": dir}}
}

func nonNil(a []int) []int {
	if a == nil {
		return []int{}
	}
	return a
}

// decodeCampaign applies a campaign body ({"campaign": {…}} or the bare object) onto c.
func decodeCampaign(body map[string]any, c *models.RecordingCampaign) error {
	errs := &models.ValidationError{}
	if inner, ok := body["campaign"].(map[string]any); ok && len(body) == 1 {
		body = inner
	}
	f := newFields(body, "campaign.", errs)
	f.strTrim("name", &c.Name)
	readTime := func(key string) (time.Time, bool, bool) {
		var s string
		if v, present := f.m[key]; present && v == nil {
			return time.Time{}, true, true // null
		}
		if !f.strTrim(key, &s) {
			return time.Time{}, false, false
		}
		for _, layout := range []string{campaignTime, "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t, true, false
			}
		}
		f.fail(key, "must be a date and time: 2006-01-02 15:04:05")
		return time.Time{}, false, false
	}
	if t, ok, null := readTime("start"); ok && !null {
		c.Start = t
	}
	if t, ok, null := readTime("end"); ok {
		if null {
			c.End = nil
		} else {
			c.End = &t
		}
	}
	if m, ok := f.object("filters"); ok {
		ff := f.sub("filters", m)
		readIDs := func(key string, dst *[]int) {
			l, ok := ff.list(key)
			if !ok {
				if ff.has(key) {
					return
				}
				if _, present := m[key]; present {
					*dst = []int{}
				}
				return
			}
			ids := make([]int, 0, len(l))
			for i, v := range l {
				n, ok := intOf(v)
				if !ok || n <= 0 {
					ff.fail(fmt.Sprintf("%s[%d]", key, i), "must be an id")
					continue
				}
				ids = append(ids, n)
			}
			*dst = ids
		}
		readIDs("agents", &c.Agents)
		readIDs("queues", &c.Queues)
		if l, ok := ff.list("skills"); ok {
			sets := make([][]string, 0, len(l))
			for i, v := range l {
				switch t := v.(type) {
				case []any:
					set := make([]string, 0, len(t))
					for j, s := range t {
						name, ok := s.(string)
						if !ok {
							ff.fail(fmt.Sprintf("skills[%d][%d]", i, j), "must be a skill name")
						}
						set = append(set, strings.TrimSpace(name))
					}
					sets = append(sets, set)
				case string: // skill names separated by spaces
					sets = append(sets, strings.Fields(t))
				default:
					ff.fail(fmt.Sprintf("skills[%d]", i), "must be a list of skill names")
				}
			}
			c.Skills = sets
		}
		if v, present := m["directions"]; present {
			switch s, _ := v.(string); {
			case v == nil || s == "":
				c.Direction = ""
			case directions[s] != "":
				c.Direction = directions[s]
			default:
				ff.fail("directions", `must be "I" (incoming), "O" (outgoing), "I && O" or null`)
			}
		}
	}
	return errs.OrNil()
}

// decodeRecordingSettings applies the view's settings and tags onto d.
func decodeRecordingSettings(body map[string]any, d *models.RecordingDocument) error {
	errs := &models.ValidationError{}
	f := newFields(body, "", errs)
	g := &d.General
	f.strTrim("records_path", &g.RecordsPath)
	f.strTrim("records_announce", &g.RecordsAnnounce)
	purge := func(m map[string]any, prefix string, delay *int, at *string) {
		pf := fields{m: m, prefix: prefix, errs: errs}
		var secs int
		if pf.integer("delay", &secs) {
			if secs%86400 != 0 || secs < 0 {
				pf.fail("delay", "must be a whole number of days, in seconds (86400 a day)")
			}
			*delay = secs / 86400
		}
		pf.strTrim("when", at)
	}
	if p, ok := f.object("purges"); ok {
		pf := f.sub("purges", p)
		if syst, ok := pf.object("syst"); ok {
			sf := pf.sub("syst", syst)
			if m, ok := sf.object("tagged"); ok {
				purge(m, "purges.syst.tagged.", &g.PurgeSystTaggedDelay, &g.PurgeSystTaggedAt)
			}
			if m, ok := sf.object("untagged"); ok {
				purge(m, "purges.syst.untagged.", &g.PurgeSystUntaggedDelay, &g.PurgeSystUntaggedAt)
			}
		}
		if m, ok := pf.object("punct"); ok {
			purge(m, "purges.punct.", &g.PurgePunctDelay, &g.PurgePunctAt)
		}
	}
	if m, ok := f.object("dialplan_variables"); ok {
		vf := f.sub("dialplan_variables", m)
		vf.str("svientries", &g.SviEntries)
		vf.str("svivariables", &g.SviVariables)
		vf.str("svichoices", &g.SviChoices)
	}
	if m, ok := f.object("tags"); ok {
		tags := make([]models.RecordingTag, 0, len(m))
		for name, v := range m {
			if name == "notag" {
				continue // always there: a record without a tag
			}
			tm, isObj := v.(map[string]any)
			if !isObj {
				errs.Add("tags."+name, "must be an object: label, action")
				continue
			}
			tf := fields{m: tm, prefix: "tags." + name + ".", errs: errs}
			t := models.RecordingTag{Name: name, Action: "keep"}
			tf.strTrim("label", &t.Label)
			tf.strTrim("action", &t.Action)
			tags = append(tags, t)
		}
		d.Tags = tags
	}
	return errs.OrNil()
}

// RecordingCampaigns is registrationcampaign/campaigns.
func RecordingCampaigns(st *models.Stores) *Resource {
	id := func(r *Request) (int, error) {
		n, ok := ParseID(r.ID)
		if !ok {
			return 0, models.Invalid("id", "is required: the campaign's id")
		}
		return n, nil
	}
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, _ *Request) (Result, error) {
			d, err := st.Campaigns.Document(ctx)
			if err != nil {
				return Result{}, err
			}
			g := d.General
			tags := map[string]any{"notag": map[string]any{"label": "no tag", "action": "purge"}}
			for _, t := range d.Tags {
				tags[t.Name] = map[string]any{"label": t.Label, "action": t.Action}
			}
			campaigns := map[string]any{}
			for i := range d.Campaigns {
				c := &d.Campaigns[i]
				key := c.CreatedAt.Format(campaignTime)
				if _, taken := campaigns[key]; taken {
					key += " #" + strconv.Itoa(c.ID) // created in the same second
				}
				campaigns[key] = campaignView(c)
			}
			purge := func(days int, at string) map[string]any { return map[string]any{"delay": days * 86400, "when": at} }
			return Object(map[string]any{
				"campaigns": campaigns,
				"tags":      tags,
				"purges": map[string]any{
					"syst": map[string]any{"tagged": purge(g.PurgeSystTaggedDelay, g.PurgeSystTaggedAt),
						"untagged": purge(g.PurgeSystUntaggedDelay, g.PurgeSystUntaggedAt)},
					"punct": purge(g.PurgePunctDelay, g.PurgePunctAt),
				},
				"dialplan_variables": map[string]any{"svientries": g.SviEntries, "svivariables": g.SviVariables, "svichoices": g.SviChoices},
				"records_path":       g.RecordsPath,
				"records_announce":   g.RecordsAnnounce,
			}), nil
		},
		"add": func(ctx context.Context, r *Request) (Result, error) {
			body, err := r.decoded()
			if err != nil {
				return Result{}, err
			}
			c := &models.RecordingCampaign{}
			if err := decodeCampaign(body, c); err != nil {
				return Result{}, err
			}
			if err := st.Campaigns.CreateCampaign(ctx, c); err != nil {
				return Result{}, err
			}
			return Created(strconv.Itoa(c.ID)), nil
		},
		"edit": func(ctx context.Context, r *Request) (Result, error) {
			n, err := id(r)
			if err != nil {
				return Result{}, err
			}
			body, err := r.decoded()
			if err != nil {
				return Result{}, err
			}
			return Done(), st.Campaigns.EditCampaign(ctx, n, func(c *models.RecordingCampaign) (*models.RecordingCampaign, error) {
				return c, decodeCampaign(body, c)
			})
		},
		"delete": func(ctx context.Context, r *Request) (Result, error) {
			n, err := id(r)
			if err != nil {
				return Result{}, err
			}
			return Done(), st.Campaigns.DeleteCampaign(ctx, n)
		},
		"configure": func(ctx context.Context, r *Request) (Result, error) {
			body, err := r.decoded()
			if err != nil {
				return Result{}, err
			}
			return Done(), st.Campaigns.Configure(ctx, func(d *models.RecordingDocument) (*models.RecordingDocument, error) {
				return d, decodeRecordingSettings(body, d)
			})
		},
	}}
}
