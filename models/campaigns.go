package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// RecordingGeneral are the call-recording settings: where records go, the announcement
// played, when the purges of tagged, untagged and one-off records run (days, at HH:MM), and
// the dialplan variables the recording service reads.
type RecordingGeneral struct {
	RecordsPath            string `db:"records_path" validate:"required,max=255,printable"`
	RecordsAnnounce        string `db:"records_announce" validate:"max=255,printable"`
	PurgeSystTaggedDelay   int    `db:"purge_syst_tagged_delay" validate:"gte=0,lte=3650"`
	PurgeSystTaggedAt      string `db:"purge_syst_tagged_at" validate:"clock"`
	PurgeSystUntaggedDelay int    `db:"purge_syst_untagged_delay" validate:"gte=0,lte=3650"`
	PurgeSystUntaggedAt    string `db:"purge_syst_untagged_at" validate:"clock"`
	PurgePunctDelay        int    `db:"purge_punct_delay" validate:"gte=0,lte=3650"`
	PurgePunctAt           string `db:"purge_punct_at" validate:"clock"`
	SviEntries             string `db:"svientries" validate:"max=1000"`
	SviVariables           string `db:"svivariables" validate:"max=1000"`
	SviChoices             string `db:"svichoices" validate:"max=1000"`
}

// RecordingTag is a tag agents give records, and what becomes of a record with it.
type RecordingTag struct {
	Name   string `db:"name" validate:"required,max=64,printable"`
	Label  string `db:"label" validate:"max=128,printable"`
	Action string `db:"action" validate:"oneof=removenow keep purge"`
}

// RecordingCampaign is a period in which the calls its filters select are recorded: the
// agents and queues (ids; none: any), skill sets (a call matches one set) and direction.
type RecordingCampaign struct {
	ID        int        `db:"id"`
	Name      string     `db:"name" validate:"required,max=128,printable"`
	Start     time.Time  `db:"starts_at"`
	End       *time.Time `db:"ends_at"`
	CreatedAt time.Time  `db:"created_at"`
	Direction string     `db:"direction" validate:"omitempty,oneof=in out both"`
	Agents    []int      `db:"-"`
	Queues    []int      `db:"-"`
	Skills    [][]string `db:"-"`
}

// RecordingDocument is everything the registrationcampaign view shows.
type RecordingDocument struct {
	General   RecordingGeneral
	Tags      []RecordingTag
	Campaigns []RecordingCampaign
}

var reTimeOfDay = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// CampaignStore keeps the recording settings, tags and campaigns.
type CampaignStore struct{ db *sqlx.DB }

// Document reads the settings, the tags by name and the campaigns by creation.
func (s *CampaignStore) Document(ctx context.Context) (*RecordingDocument, error) {
	var d RecordingDocument
	if err := s.db.GetContext(ctx, &d.General, `SELECT records_path, records_announce, purge_syst_tagged_delay,
		purge_syst_tagged_at, purge_syst_untagged_delay, purge_syst_untagged_at, purge_punct_delay, purge_punct_at,
		svientries, svivariables, svichoices FROM recording_general WHERE id = 1`); err != nil {
		return nil, err
	}
	if err := s.db.SelectContext(ctx, &d.Tags, `SELECT name, label, action FROM recording_tags ORDER BY name`); err != nil {
		return nil, err
	}
	cs, err := s.campaigns(ctx, s.db, "")
	d.Campaigns = cs
	return &d, err
}

func (s *CampaignStore) campaigns(ctx context.Context, q sqlx.QueryerContext, where string, args ...any) ([]RecordingCampaign, error) {
	var rows []struct {
		RecordingCampaign
		Dir    sql.NullString `db:"dir"`
		Skill  []byte         `db:"skills"`
		Agent  pq.Int64Array  `db:"agents"`
		Queue  pq.Int64Array  `db:"queues"`
		Ignore string         `db:"direction"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT c.id, c.name, c.starts_at, c.ends_at, c.created_at, c.direction AS dir,
			'' AS direction, c.skills,
			ARRAY(SELECT agent_id FROM recording_campaign_agents a WHERE a.campaign_id = c.id ORDER BY agent_id) AS agents,
			ARRAY(SELECT queue_id FROM recording_campaign_queues q WHERE q.campaign_id = c.id ORDER BY queue_id) AS queues
		FROM recording_campaigns c `+where+` ORDER BY c.created_at, c.id`, args...); err != nil {
		return nil, err
	}
	out := make([]RecordingCampaign, len(rows))
	for i, r := range rows {
		c := r.RecordingCampaign
		c.Direction = r.Dir.String
		c.Agents, c.Queues = ints(r.Agent), ints(r.Queue)
		if err := json.Unmarshal(r.Skill, &c.Skills); err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

func ints(a pq.Int64Array) []int {
	out := make([]int, len(a))
	for i, v := range a {
		out[i] = int(v)
	}
	return out
}

// checkCampaign validates a campaign: its fields, a period that ends after it starts, and
// agents and queues that exist (unknown ones named by position).
func checkCampaign(ctx context.Context, tx *sqlx.Tx, c *RecordingCampaign) error {
	ve := CheckIn("campaign", c)
	if c.Start.IsZero() {
		ve.Add("campaign.start", "is required: a date and time (2006-01-02 15:04:05)")
	}
	if c.End != nil && !c.End.After(c.Start) {
		ve.Add("campaign.end", "must be after start")
	}
	for i, set := range c.Skills {
		if len(set) == 0 {
			ve.Add(fmt.Sprintf("campaign.skills[%d]", i), "must name at least one skill")
		}
		for j, sk := range set {
			if sk == "" || len(sk) > 64 || !Printable(sk) {
				ve.Add(fmt.Sprintf("campaign.skills[%d][%d]", i, j), "must be a skill name of 1-64 printable characters")
			}
		}
	}
	for _, ref := range []struct {
		field, table string
		ids          []int
	}{{"agents", "agents", c.Agents}, {"queues", "queues", c.Queues}} {
		var known []int
		if err := tx.SelectContext(ctx, &known, `SELECT id FROM `+ref.table+` WHERE id = ANY($1)`, intArray(ref.ids)); err != nil {
			return err
		}
		for i, id := range ref.ids {
			if !slices.Contains(known, id) {
				ve.Add(fmt.Sprintf("campaign.%s[%d]", ref.field, i), fmt.Sprintf("no %s has the id %d", ref.table[:len(ref.table)-1], id))
			}
		}
	}
	return ve.OrNil()
}

func writeCampaignParts(ctx context.Context, tx *sqlx.Tx, c *RecordingCampaign) error {
	for _, q := range []string{`DELETE FROM recording_campaign_agents WHERE campaign_id = $1`, `DELETE FROM recording_campaign_queues WHERE campaign_id = $1`} {
		if _, err := tx.ExecContext(ctx, q, c.ID); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO recording_campaign_agents (campaign_id, agent_id)
		SELECT DISTINCT CAST($1 AS int), a FROM unnest(CAST($2 AS int[])) a`, c.ID, intArray(c.Agents)); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO recording_campaign_queues (campaign_id, queue_id)
		SELECT DISTINCT CAST($1 AS int), q FROM unnest(CAST($2 AS int[])) q`, c.ID, intArray(c.Queues))
	return err
}

// CreateCampaign validates and inserts a campaign, setting its id and creation time.
func (s *CampaignStore) CreateCampaign(ctx context.Context, c *RecordingCampaign) error {
	return WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := checkCampaign(ctx, tx, c); err != nil {
			return err
		}
		skills, _ := json.Marshal(c.Skills)
		if err := tx.QueryRowxContext(ctx, `INSERT INTO recording_campaigns (name, starts_at, ends_at, direction, skills)
			VALUES ($1, $2, $3, $4, $5) RETURNING id, created_at`, c.Name, c.Start, c.End, nullIfEmpty(c.Direction), string(skills)).
			Scan(&c.ID, &c.CreatedAt); err != nil {
			return mapPQ(err, map[string]string{"recording_campaigns_name_key": "campaign.name"})
		}
		return writeCampaignParts(ctx, tx, c)
	})
}

// EditCampaign merges an edit onto the stored campaign, locked; ErrNotFound when none.
func (s *CampaignStore) EditCampaign(ctx context.Context, id int, merge func(*RecordingCampaign) (*RecordingCampaign, error)) error {
	return EditLocked(ctx, s.db, func(tx *sqlx.Tx) (*RecordingCampaign, error) {
		var locked []int
		if err := tx.SelectContext(ctx, &locked, `SELECT id FROM recording_campaigns WHERE id = $1 FOR UPDATE`, id); err != nil {
			return nil, err
		}
		if len(locked) == 0 {
			return nil, ErrNotFound
		}
		cs, err := s.campaigns(ctx, tx, `WHERE c.id = $1`, id)
		if err != nil {
			return nil, err
		}
		return &cs[0], nil
	}, merge, func(tx *sqlx.Tx, _, c *RecordingCampaign) error {
		c.ID = id
		if err := checkCampaign(ctx, tx, c); err != nil {
			return err
		}
		skills, _ := json.Marshal(c.Skills)
		if _, err := tx.ExecContext(ctx, `UPDATE recording_campaigns SET name = $2, starts_at = $3, ends_at = $4,
			direction = $5, skills = $6 WHERE id = $1`, id, c.Name, c.Start, c.End, nullIfEmpty(c.Direction), string(skills)); err != nil {
			return mapPQ(err, map[string]string{"recording_campaigns_name_key": "campaign.name"})
		}
		return writeCampaignParts(ctx, tx, c)
	})
}

// DeleteCampaign removes a campaign; ErrNotFound when none.
func (s *CampaignStore) DeleteCampaign(ctx context.Context, id int) error {
	return deleteOne(ctx, s.db, `DELETE FROM recording_campaigns WHERE id = $1`, id)
}

// Configure merges a change of the settings and tags in one transaction that locks them;
// the merged tags replace the stored ones.
func (s *CampaignStore) Configure(ctx context.Context, merge func(*RecordingDocument) (*RecordingDocument, error)) error {
	return EditLocked(ctx, s.db, func(tx *sqlx.Tx) (*RecordingDocument, error) {
		var d RecordingDocument
		if err := tx.GetContext(ctx, &d.General, `SELECT records_path, records_announce, purge_syst_tagged_delay,
			purge_syst_tagged_at, purge_syst_untagged_delay, purge_syst_untagged_at, purge_punct_delay, purge_punct_at,
			svientries, svivariables, svichoices FROM recording_general WHERE id = 1 FOR UPDATE`); err != nil {
			return nil, err
		}
		err := tx.SelectContext(ctx, &d.Tags, `SELECT name, label, action FROM recording_tags ORDER BY name`)
		return &d, err
	}, merge, func(tx *sqlx.Tx, _, d *RecordingDocument) error {
		ve := CheckIn("general", &d.General)
		for _, t := range d.Tags {
			ve.Merge("tags."+t.Name+".", Check(&t))
		}
		if err := ve.OrNil(); err != nil {
			return err
		}
		g := d.General
		if _, err := tx.ExecContext(ctx, `UPDATE recording_general SET records_path = $1, records_announce = $2,
			purge_syst_tagged_delay = $3, purge_syst_tagged_at = $4, purge_syst_untagged_delay = $5, purge_syst_untagged_at = $6,
			purge_punct_delay = $7, purge_punct_at = $8, svientries = $9, svivariables = $10, svichoices = $11 WHERE id = 1`,
			g.RecordsPath, g.RecordsAnnounce, g.PurgeSystTaggedDelay, g.PurgeSystTaggedAt, g.PurgeSystUntaggedDelay,
			g.PurgeSystUntaggedAt, g.PurgePunctDelay, g.PurgePunctAt, g.SviEntries, g.SviVariables, g.SviChoices); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM recording_tags`); err != nil {
			return err
		}
		for _, t := range d.Tags {
			if _, err := tx.ExecContext(ctx, `INSERT INTO recording_tags (name, label, action) VALUES ($1, $2, $3)`,
				t.Name, t.Label, t.Action); err != nil {
				return mapPQ(err, nil)
			}
		}
		return nil
	})
}
