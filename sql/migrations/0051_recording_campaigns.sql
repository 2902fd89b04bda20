-- Call-recording campaigns (json.php /callcenter registrationcampaign/campaigns), as XiVO's
-- call-center recording kept them: the general settings (where records go, the
-- announcement, when tagged, untagged and one-off purges run, the dialplan variables the
-- recording service reads), the tags agents give records and what becomes of each, and the
-- campaigns with their period and filters (agents, queues, skill sets, direction). pbxws
-- does not record: a recording service reads this document.
CREATE TABLE recording_general (
    id                        integer PRIMARY KEY CHECK (id = 1),
    records_path              text NOT NULL DEFAULT '/var/lib/pbx/recordings',
    records_announce          text NOT NULL DEFAULT '',
    purge_syst_tagged_delay   integer NOT NULL DEFAULT 30 CHECK (purge_syst_tagged_delay BETWEEN 0 AND 3650),
    purge_syst_tagged_at      text NOT NULL DEFAULT '03:00',
    purge_syst_untagged_delay integer NOT NULL DEFAULT 7 CHECK (purge_syst_untagged_delay BETWEEN 0 AND 3650),
    purge_syst_untagged_at    text NOT NULL DEFAULT '03:00',
    purge_punct_delay         integer NOT NULL DEFAULT 0 CHECK (purge_punct_delay BETWEEN 0 AND 3650),
    purge_punct_at            text NOT NULL DEFAULT '03:00',
    svientries                text NOT NULL DEFAULT '',
    svivariables              text NOT NULL DEFAULT '',
    svichoices                text NOT NULL DEFAULT ''
);
INSERT INTO recording_general (id) VALUES (1);

CREATE TABLE recording_tags (
    name   text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
    label  text NOT NULL DEFAULT '',
    action text NOT NULL CHECK (action IN ('removenow', 'keep', 'purge'))
);

CREATE TABLE recording_campaigns (
    id         serial PRIMARY KEY,
    name       text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 128),
    starts_at  timestamp NOT NULL,
    ends_at    timestamp CHECK (ends_at > starts_at),
    created_at timestamp(0) NOT NULL DEFAULT localtimestamp(0),
    -- 'in', 'out' or 'both' (null: any call)
    direction  text CHECK (direction IN ('in', 'out', 'both')),
    -- skill sets: an array of arrays of skill names (a record matches one set)
    skills     jsonb NOT NULL DEFAULT '[]'
);
CREATE TABLE recording_campaign_agents (
    campaign_id integer NOT NULL REFERENCES recording_campaigns (id) ON DELETE CASCADE,
    agent_id    integer NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    PRIMARY KEY (campaign_id, agent_id)
);
CREATE TABLE recording_campaign_queues (
    campaign_id integer NOT NULL REFERENCES recording_campaigns (id) ON DELETE CASCADE,
    queue_id    integer NOT NULL REFERENCES queues (id) ON DELETE CASCADE,
    PRIMARY KEY (campaign_id, queue_id)
);
