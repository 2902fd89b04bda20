-- SIP contacts registered for pbxws's lines, in the shape of kamailio's usrloc "location"
-- table, so that pbxws's own registrar or a kamailio (db_mode 2) can write it directly.
CREATE TABLE registrations (
    id            serial PRIMARY KEY,
    ruid          varchar(64) NOT NULL DEFAULT '' UNIQUE,
    username      varchar(64) NOT NULL DEFAULT '',
    domain        varchar(64),
    contact       varchar(512) NOT NULL DEFAULT '',
    received      varchar(128),
    path          varchar(512),
    expires       timestamp NOT NULL DEFAULT '2030-05-28 21:32:15',
    q             real NOT NULL DEFAULT 1.0,
    callid        varchar(255) NOT NULL DEFAULT 'Default-Call-ID',
    cseq          integer NOT NULL DEFAULT 1,
    last_modified timestamp NOT NULL DEFAULT '2000-01-01 00:00:01',
    flags         integer NOT NULL DEFAULT 0,
    cflags        integer NOT NULL DEFAULT 0,
    user_agent    varchar(255) NOT NULL DEFAULT '',
    socket        varchar(64),
    methods       integer,
    instance      varchar(255),
    reg_id        integer NOT NULL DEFAULT 0,
    server_id     integer NOT NULL DEFAULT 0,
    connection_id integer NOT NULL DEFAULT 0,
    keepalive     integer NOT NULL DEFAULT 0,
    partition     integer NOT NULL DEFAULT 0
);
CREATE INDEX registrations_account_contact_idx ON registrations (username, domain, contact);
CREATE INDEX registrations_expires_idx ON registrations (expires);
