-- Call-center statistics configurations (json.php /statistics/call_center settings/configuration,
-- xivo-ws "statconfs"): which queues (each with its service level, qos, in seconds) and
-- agents a report covers, its working hours and days, and the waiting-time periods of the
-- waiting-time table. The day flags keep what was sent, null included (xivo-ws reads them
-- back as sent); a null day is not a working day.
CREATE TABLE stats_confs (
    id            serial PRIMARY KEY,
    name          text NOT NULL,
    description   text NOT NULL DEFAULT '',
    timezone      text,
    hour_start    text NOT NULL DEFAULT '00:00',
    hour_end      text NOT NULL DEFAULT '24:00',
    dbegcache     text NOT NULL,
    dendcache     text NOT NULL DEFAULT '0',
    default_delta text NOT NULL DEFAULT '0',
    period1       text NOT NULL DEFAULT '',
    period2       text NOT NULL DEFAULT '',
    period3       text NOT NULL DEFAULT '',
    period4       text NOT NULL DEFAULT '',
    period5       text NOT NULL DEFAULT '',
    monday        boolean,
    tuesday       boolean,
    wednesday     boolean,
    thursday      boolean,
    friday        boolean,
    saturday      boolean,
    sunday        boolean,
    disable       boolean NOT NULL DEFAULT false,
    CONSTRAINT stats_confs_name_key UNIQUE (name)
);

-- A deleted queue, agent or user leaves the configurations that covered it.
CREATE TABLE stats_conf_queues (
    stats_conf_id integer NOT NULL REFERENCES stats_confs (id) ON DELETE CASCADE,
    queue_id      integer NOT NULL REFERENCES queues (id) ON DELETE CASCADE,
    qos           integer NOT NULL DEFAULT 0 CHECK (qos >= 0),
    PRIMARY KEY (stats_conf_id, queue_id)
);
CREATE INDEX stats_conf_queues_queue_idx ON stats_conf_queues (queue_id);

CREATE TABLE stats_conf_agents (
    stats_conf_id integer NOT NULL REFERENCES stats_confs (id) ON DELETE CASCADE,
    agent_id      integer NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    PRIMARY KEY (stats_conf_id, agent_id)
);
CREATE INDEX stats_conf_agents_agent_idx ON stats_conf_agents (agent_id);

-- The web-interface users allowed to read the configuration's reports (xivo-ws "xivouser").
CREATE TABLE stats_conf_users (
    stats_conf_id integer NOT NULL REFERENCES stats_confs (id) ON DELETE CASCADE,
    user_id       integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (stats_conf_id, user_id)
);
CREATE INDEX stats_conf_users_user_idx ON stats_conf_users (user_id);
