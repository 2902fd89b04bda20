-- The call event log in the shape Asterisk's cel_pgsql module writes (table "cel", the column
-- names and types of Asterisk's own schema), so that Asterisk can write it directly.
-- cel_pgsql fills every column it knows and leaves id to its sequence.
CREATE TABLE cel (
    id          serial PRIMARY KEY,
    eventtype   varchar(30) NOT NULL,
    eventtime   timestamp NOT NULL,
    userdeftype varchar(255) NOT NULL DEFAULT '',
    cid_name    varchar(80) NOT NULL DEFAULT '',
    cid_num     varchar(80) NOT NULL DEFAULT '',
    cid_ani     varchar(80) NOT NULL DEFAULT '',
    cid_rdnis   varchar(80) NOT NULL DEFAULT '',
    cid_dnid    varchar(80) NOT NULL DEFAULT '',
    exten       varchar(80) NOT NULL DEFAULT '',
    context     varchar(80) NOT NULL DEFAULT '',
    channame    varchar(80) NOT NULL DEFAULT '',
    appname     varchar(80) NOT NULL DEFAULT '',
    appdata     varchar(512) NOT NULL DEFAULT '',
    amaflags    integer NOT NULL DEFAULT 0,
    accountcode varchar(20) NOT NULL DEFAULT '',
    peeraccount varchar(20) NOT NULL DEFAULT '',
    uniqueid    varchar(150) NOT NULL DEFAULT '',
    linkedid    varchar(150) NOT NULL DEFAULT '',
    userfield   varchar(255) NOT NULL DEFAULT '',
    peer        varchar(80) NOT NULL DEFAULT '',
    extra       text NOT NULL DEFAULT ''
);

-- Date searches walk eventtime in order and stop at the limit; searches by id use the key.
CREATE INDEX cel_eventtime_idx ON cel (eventtime, id);
CREATE INDEX cel_linkedid_idx ON cel (linkedid);
