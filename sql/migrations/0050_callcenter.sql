-- Call center (json.php /callcenter: settings/agents, settings/queues, settings/queueskills,
-- settings/queueskillrules). Statistics configurations reference queues and agents by id:
-- the names of these tables and of their id, name, number and context columns stay stable.

-- Agents log in to queues with their number (unique across the PBX, as XiVO had it) and
-- password. numgroup is the agent group (1-63; XiVO's agentgroup, group 1 "default").
-- A user is linked to at most one agent: users.agentid, kept by the agent's "user-select".
CREATE TABLE agents (
    id          serial PRIMARY KEY,
    numgroup    integer NOT NULL DEFAULT 1 CHECK (numgroup BETWEEN 1 AND 63),
    firstname   text NOT NULL DEFAULT '',
    lastname    text NOT NULL DEFAULT '',
    number      text NOT NULL,
    passwd      text NOT NULL DEFAULT '',
    context     text NOT NULL REFERENCES contexts (name) ON UPDATE CASCADE ON DELETE RESTRICT,
    language    text NOT NULL DEFAULT '',
    autologoff  integer NOT NULL DEFAULT 0 CHECK (autologoff BETWEEN 0 AND 60),
    description text NOT NULL DEFAULT '',
    commented   boolean NOT NULL DEFAULT false,
    CONSTRAINT agents_number_key UNIQUE (number)
);

UPDATE users SET agentid = NULL WHERE agentid IS NOT NULL;
ALTER TABLE users ADD CONSTRAINT users_agentid_fkey
    FOREIGN KEY (agentid) REFERENCES agents (id) ON DELETE SET NULL;
CREATE INDEX users_agentid_idx ON users (agentid);

-- Skills (json.php settings/queueskills) are grouped in categories; a category outlives its
-- skills. An agent holds skills with a weight.
CREATE TABLE queue_skill_categories (
    id   serial PRIMARY KEY,
    name text NOT NULL,
    CONSTRAINT queue_skill_categories_name_key UNIQUE (name)
);

CREATE TABLE queue_skills (
    id          serial PRIMARY KEY,
    category_id integer NOT NULL REFERENCES queue_skill_categories (id) ON DELETE RESTRICT,
    name        text NOT NULL,
    description text NOT NULL DEFAULT '',
    printscreen text NOT NULL DEFAULT '',
    CONSTRAINT queue_skills_name_key UNIQUE (name)
);

CREATE TABLE agent_skills (
    agent_id integer NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    skill_id integer NOT NULL REFERENCES queue_skills (id) ON DELETE RESTRICT,
    weight   integer NOT NULL DEFAULT 0,
    PRIMARY KEY (agent_id, skill_id)
);
CREATE INDEX agent_skills_skill_idx ON agent_skills (skill_id);

-- Skill rules (json.php settings/queueskillrules): an ordered list of rule expressions
-- (XiVO stored them joined with ';').
CREATE TABLE queue_skill_rules (
    id    serial PRIMARY KEY,
    name  text NOT NULL,
    rules text[] NOT NULL DEFAULT '{}',
    CONSTRAINT queue_skill_rules_name_key UNIQUE (name)
);

-- Queues: XiVO's queuefeatures (name, number in a context, how long members ring, what
-- happens on exits: dialactions, category 'queue') joined with Asterisk's queue row
-- (strategy, announcements, join/leave rules). Members are users and agents in
-- queue_members with category 'queue'. The typed columns are those queried or validated;
-- the rest of Asterisk's queue options pass through in options.
CREATE TABLE queues (
    id                    serial PRIMARY KEY,
    name                  text NOT NULL,
    displayname           text NOT NULL DEFAULT '',
    number                text NOT NULL DEFAULT '',
    context               text NOT NULL REFERENCES contexts (name) ON UPDATE CASCADE ON DELETE RESTRICT,
    -- queuefeatures: how long the queue rings before its noanswer exit (0: no limit).
    timeout               integer NOT NULL DEFAULT 0 CHECK (timeout >= 0),
    data_quality          boolean NOT NULL DEFAULT false,
    hitting_callee        boolean NOT NULL DEFAULT false,
    hitting_caller        boolean NOT NULL DEFAULT false,
    retries               boolean NOT NULL DEFAULT false,
    ring                  boolean NOT NULL DEFAULT false,
    transfer_user         boolean NOT NULL DEFAULT false,
    transfer_call         boolean NOT NULL DEFAULT false,
    write_caller          boolean NOT NULL DEFAULT false,
    write_calling         boolean NOT NULL DEFAULT false,
    url                   text NOT NULL DEFAULT '',
    announceoverride      text NOT NULL DEFAULT '',
    preprocess_subroutine text NOT NULL DEFAULT '',
    -- The qwaittime / qwaitratio exits fire above these (null: never).
    waittime              integer CHECK (waittime >= 0),
    waitratio             numeric CHECK (waitratio >= 0),
    -- The Asterisk queue.
    strategy              text NOT NULL DEFAULT 'ringall'
        CHECK (strategy IN ('ringall', 'leastrecent', 'fewestcalls', 'random', 'rrmemory', 'linear', 'wrandom')),
    musicclass            text NOT NULL DEFAULT 'default',
    -- Seconds a member rings before the next is tried (null: Asterisk's default).
    member_timeout        integer CHECK (member_timeout >= 0),
    retry                 integer CHECK (retry >= 0),
    wrapuptime            integer NOT NULL DEFAULT 0 CHECK (wrapuptime >= 0),
    maxlen                integer NOT NULL DEFAULT 0 CHECK (maxlen >= 0),
    servicelevel          integer CHECK (servicelevel >= 0),
    weight                integer CHECK (weight >= 0),
    joinempty             text,
    leavewhenempty        text,
    ringinuse             boolean NOT NULL DEFAULT false,
    autofill              boolean NOT NULL DEFAULT true,
    autopause             boolean NOT NULL DEFAULT true,
    setqueuevar           boolean NOT NULL DEFAULT false,
    setqueueentryvar      boolean NOT NULL DEFAULT false,
    timeoutpriority       text NOT NULL DEFAULT 'app' CHECK (timeoutpriority IN ('app', 'conf')),
    options               jsonb NOT NULL DEFAULT '{}',
    -- Skills-based routing: the rule set callers are matched with (null: none).
    skill_rule_id         integer REFERENCES queue_skill_rules (id) ON DELETE RESTRICT,
    -- Like incalls and ring groups: the caller's name rewrite and the schedule followed.
    callerid_mode         text NOT NULL DEFAULT '' CHECK (callerid_mode IN ('', 'prepend', 'overwrite', 'append')),
    callerid_display      text NOT NULL DEFAULT '',
    schedule_id           integer REFERENCES schedules (id) ON DELETE SET NULL,
    description           text NOT NULL DEFAULT '',
    commented             boolean NOT NULL DEFAULT false,
    CONSTRAINT queues_name_key UNIQUE (name)
);
CREATE INDEX queues_skill_rule_idx ON queues (skill_rule_id);

CREATE TRIGGER queues_extensions_insert AFTER INSERT ON queues
    FOR EACH ROW WHEN (NEW.number <> '') EXECUTE FUNCTION extensions_follow('queue');
CREATE TRIGGER queues_extensions_update AFTER UPDATE OF number, context ON queues
    FOR EACH ROW WHEN (OLD.number IS DISTINCT FROM NEW.number OR OLD.context IS DISTINCT FROM NEW.context)
    EXECUTE FUNCTION extensions_follow('queue');
CREATE TRIGGER queues_extensions_delete AFTER DELETE ON queues
    FOR EACH ROW WHEN (OLD.number <> '') EXECUTE FUNCTION extensions_follow('queue');

-- queue_members (0001) holds ring group and queue members alike, so its queue_id cannot
-- reference one table: a queue's and an agent's members go with them through triggers.
CREATE FUNCTION queue_members_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_ARGV[0] = 'queue' THEN
        DELETE FROM queue_members WHERE category = 'queue' AND queue_id = OLD.id;
    ELSE
        DELETE FROM queue_members WHERE usertype = 'agent' AND userid = OLD.id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER queues_members_delete AFTER DELETE ON queues
    FOR EACH ROW EXECUTE FUNCTION queue_members_follow('queue');
CREATE TRIGGER agents_members_delete AFTER DELETE ON agents
    FOR EACH ROW EXECUTE FUNCTION queue_members_follow('agent');
