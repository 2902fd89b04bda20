-- Outgoing calls: a route from a context to the outside, through trunks tried in order,
-- chosen by the dial patterns the dialled number matches.
CREATE TABLE outcalls (
    id             serial PRIMARY KEY,
    name           text NOT NULL,
    context        text NOT NULL REFERENCES contexts (name) ON UPDATE CASCADE ON DELETE RESTRICT,
    description    text NOT NULL DEFAULT '',
    hangupringtime integer NOT NULL DEFAULT 0,
    internal       boolean NOT NULL DEFAULT false,
    commented      boolean NOT NULL DEFAULT false,
    CONSTRAINT outcalls_name_key UNIQUE (name)
);

-- The trunks of an outcall, in the order they are tried. A trunk in use cannot go.
CREATE TABLE outcall_trunks (
    outcall_id integer NOT NULL REFERENCES outcalls (id) ON DELETE CASCADE,
    trunk_id   integer NOT NULL REFERENCES trunks (id) ON DELETE RESTRICT,
    priority   integer NOT NULL,
    PRIMARY KEY (outcall_id, trunk_id)
);
CREATE INDEX outcall_trunks_trunk_idx ON outcall_trunks (trunk_id);

-- The dial patterns of an outcall: an Asterisk extension pattern (_0XXXX.), how many leading
-- digits to strip, what to prepend, and the caller id to present.
CREATE TABLE dial_patterns (
    id           serial PRIMARY KEY,
    outcall_id   integer NOT NULL REFERENCES outcalls (id) ON DELETE CASCADE,
    position     integer NOT NULL,
    exten        text NOT NULL,
    stripnum     integer NOT NULL DEFAULT 0,
    prefix       text NOT NULL DEFAULT '',
    externprefix text NOT NULL DEFAULT '',
    callerid     text NOT NULL DEFAULT '',
    CONSTRAINT dial_patterns_outcall_exten_key UNIQUE (outcall_id, exten)
);
