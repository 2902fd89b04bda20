-- Core provisioning model shared by the json.php, sipX REST and callcontroller façades.
-- Numbers, extensions, mailboxes and MACs are text: leading zeros matter.

CREATE TABLE entities (
    id          serial PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    displayname text NOT NULL,
    phonenumber text NOT NULL DEFAULT '',
    faxnumber   text NOT NULL DEFAULT '',
    email       text NOT NULL DEFAULT '',
    url         text NOT NULL DEFAULT '',
    address1    text NOT NULL DEFAULT '',
    address2    text NOT NULL DEFAULT '',
    city        text NOT NULL DEFAULT '',
    state       text NOT NULL DEFAULT '',
    zipcode     text NOT NULL DEFAULT '',
    country     text NOT NULL DEFAULT '',
    description text NOT NULL DEFAULT '',
    dcreate     timestamptz NOT NULL DEFAULT now(),
    disable     boolean NOT NULL DEFAULT false
);

-- The original always had entity 1; users default to it.
INSERT INTO entities (name, displayname) VALUES ('default', 'Default entity');

CREATE TABLE contexts (
    name        text PRIMARY KEY,
    displayname text NOT NULL,
    entity_id   integer NOT NULL REFERENCES entities (id) ON DELETE RESTRICT,
    contexttype text NOT NULL DEFAULT 'internal',
    description text NOT NULL DEFAULT '',
    commented   boolean NOT NULL DEFAULT false
);
CREATE INDEX contexts_entity_idx ON contexts (entity_id);

-- Number ranges of a context, by object type.
CREATE TABLE context_ranges (
    id        serial PRIMARY KEY,
    context   text NOT NULL REFERENCES contexts (name) ON UPDATE CASCADE ON DELETE CASCADE,
    type      text NOT NULL CHECK (type IN ('user', 'group', 'queue', 'meetme', 'incall')),
    numberbeg text NOT NULL,
    numberend text NOT NULL DEFAULT '',
    didlength integer NOT NULL DEFAULT 0,
    position  integer NOT NULL DEFAULT 0
);
CREATE INDEX context_ranges_context_idx ON context_ranges (context, type);

CREATE TABLE context_includes (
    context  text NOT NULL REFERENCES contexts (name) ON UPDATE CASCADE ON DELETE CASCADE,
    include  text NOT NULL REFERENCES contexts (name) ON UPDATE CASCADE ON DELETE CASCADE,
    priority integer NOT NULL DEFAULT 0,
    PRIMARY KEY (context, include)
);

CREATE TABLE cti_profiles (
    id   serial PRIMARY KEY,
    name text NOT NULL UNIQUE
);
INSERT INTO cti_profiles (name) VALUES ('Client'), ('Supervisor'), ('Agent');

CREATE TABLE voicemails (
    id              serial PRIMARY KEY,
    context         text NOT NULL REFERENCES contexts (name) ON UPDATE CASCADE ON DELETE RESTRICT,
    mailbox         text NOT NULL,
    fullname        text NOT NULL DEFAULT '',
    password        text NOT NULL DEFAULT '',
    email           text NOT NULL DEFAULT '',
    pager           text NOT NULL DEFAULT '',
    tz              text NOT NULL DEFAULT '',
    language        text NOT NULL DEFAULT '',
    attach          boolean,
    deletevoicemail boolean NOT NULL DEFAULT false,
    skipcheckpass   boolean NOT NULL DEFAULT false,
    commented       boolean NOT NULL DEFAULT false,
    UNIQUE (mailbox, context)
);

CREATE TABLE users (
    id                    serial PRIMARY KEY,
    entity_id             integer NOT NULL DEFAULT 1 REFERENCES entities (id) ON DELETE RESTRICT,
    firstname             text NOT NULL,
    lastname              text NOT NULL DEFAULT '',
    callerid              text NOT NULL DEFAULT '',
    ringseconds           integer NOT NULL DEFAULT 30,
    simultcalls           integer NOT NULL DEFAULT 5,
    -- loginclient is the canonical user name (sipX userName), stored lower-case.
    loginclient           text,
    -- The portal password ("passwdclient", sipX "pin") is never stored in clear:
    -- a bcrypt hash for Basic and HA1 = MD5(loginclient:realm:password) for Digest.
    passwdclient_hash     text NOT NULL DEFAULT '',
    passwdclient_ha1      text NOT NULL DEFAULT '',
    enableclient          boolean NOT NULL DEFAULT false,
    cti_profile_id        integer REFERENCES cti_profiles (id) ON DELETE SET NULL,
    enablehint            boolean NOT NULL DEFAULT true,
    enablevoicemail       boolean NOT NULL DEFAULT false,
    voicemail_id          integer REFERENCES voicemails (id) ON DELETE SET NULL,
    voicemailtype         text,
    enablexfer            boolean NOT NULL DEFAULT true,
    enableautomon         boolean NOT NULL DEFAULT false,
    callrecord            boolean NOT NULL DEFAULT false,
    incallfilter          boolean NOT NULL DEFAULT false,
    enablednd             boolean NOT NULL DEFAULT false,
    enableunc             boolean NOT NULL DEFAULT false,
    destunc               text NOT NULL DEFAULT '',
    enablerna             boolean NOT NULL DEFAULT false,
    destrna               text NOT NULL DEFAULT '',
    enablebusy            boolean NOT NULL DEFAULT false,
    destbusy              text NOT NULL DEFAULT '',
    musiconhold           text NOT NULL DEFAULT 'default',
    outcallerid           text NOT NULL DEFAULT 'default',
    mobilephonenumber     text NOT NULL DEFAULT '',
    userfield             text NOT NULL DEFAULT '',
    bsfilter              text NOT NULL DEFAULT 'no',
    preprocess_subroutine text,
    timezone              text NOT NULL DEFAULT '',
    language              text NOT NULL DEFAULT '',
    ringintern            text NOT NULL DEFAULT '',
    ringextern            text NOT NULL DEFAULT '',
    ringgroup             text NOT NULL DEFAULT '',
    ringforward           text NOT NULL DEFAULT '',
    rightcallcode         text NOT NULL DEFAULT '',
    agentid               integer,
    pictureid             integer,
    schedule_id           integer NOT NULL DEFAULT 0,
    commented             boolean NOT NULL DEFAULT false,
    description           text NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX users_loginclient_key ON users (lower(loginclient)) WHERE loginclient IS NOT NULL AND loginclient <> '';
CREATE INDEX users_name_idx ON users (lower(firstname || ' ' || lastname));
CREATE INDEX users_userfield_idx ON users (lower(userfield));

CREATE TABLE devices (
    id          text PRIMARY KEY,
    mac         text NOT NULL DEFAULT '',
    ip          text NOT NULL DEFAULT '',
    vendor      text NOT NULL DEFAULT '',
    model       text NOT NULL DEFAULT '',
    version     text NOT NULL DEFAULT '',
    plugin      text NOT NULL DEFAULT '',
    sn          text NOT NULL DEFAULT '',
    proto       text NOT NULL DEFAULT 'SIP',
    template_id text NOT NULL DEFAULT 'defaultconfigdevice',
    status      text NOT NULL DEFAULT 'not_configured',
    configured  boolean NOT NULL DEFAULT false,
    commented   boolean NOT NULL DEFAULT false,
    description text NOT NULL DEFAULT ''
);
-- MACs are stored normalised (lower-case, colon separated); unique when set.
CREATE UNIQUE INDEX devices_mac_key ON devices (mac) WHERE mac <> '';
CREATE INDEX devices_ip_idx ON devices (ip);

CREATE TABLE lines (
    id              serial PRIMARY KEY,
    user_id         integer REFERENCES users (id) ON DELETE CASCADE,
    protocol        text NOT NULL CHECK (protocol IN ('sip', 'iax', 'sccp', 'custom')),
    name            text NOT NULL UNIQUE,
    context         text NOT NULL REFERENCES contexts (name) ON UPDATE CASCADE ON DELETE RESTRICT,
    number          text NOT NULL DEFAULT '',
    secret          text NOT NULL DEFAULT '',
    interface       text NOT NULL DEFAULT '',
    device_id       text REFERENCES devices (id) ON DELETE SET NULL,
    num             integer NOT NULL DEFAULT 1,
    line_num        integer NOT NULL DEFAULT 0,
    rules_type      text NOT NULL DEFAULT '',
    rules_time      text NOT NULL DEFAULT '30',
    rules_order     integer NOT NULL DEFAULT 0,
    rules_group     text NOT NULL DEFAULT '',
    provisioningid  integer NOT NULL DEFAULT 0,
    configregistrar text NOT NULL DEFAULT 'default',
    callerid        text NOT NULL DEFAULT '',
    internal        boolean NOT NULL DEFAULT false,
    commented       boolean NOT NULL DEFAULT false,
    encryption      boolean NOT NULL DEFAULT false,
    description     text NOT NULL DEFAULT '',
    -- Protocol peer settings (SIP/IAX/SCCP options) passed through; merged over defaults on read.
    options         jsonb NOT NULL DEFAULT '{}'
);
CREATE UNIQUE INDEX lines_context_number_key ON lines (context, number) WHERE number <> '';
CREATE INDEX lines_user_idx ON lines (user_id);
CREATE INDEX lines_number_idx ON lines (number);
CREATE INDEX lines_device_idx ON lines (device_id);

-- Group and queue membership of users (XiVO queuemember: category 'group' or 'queue').
CREATE TABLE queue_members (
    id       serial PRIMARY KEY,
    category text NOT NULL CHECK (category IN ('group', 'queue')),
    queue_id integer NOT NULL,
    name     text NOT NULL DEFAULT '',
    usertype text NOT NULL DEFAULT 'user' CHECK (usertype IN ('user', 'agent')),
    userid   integer NOT NULL,
    penalty  integer NOT NULL DEFAULT 0,
    position integer NOT NULL DEFAULT 0,
    UNIQUE (category, queue_id, usertype, userid)
);
CREATE INDEX queue_members_user_idx ON queue_members (usertype, userid);

-- Call permissions and their holders.
CREATE TABLE rightcalls (
    id          serial PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    passwd      text NOT NULL DEFAULT '',
    "authorization" boolean NOT NULL DEFAULT false,
    commented   boolean NOT NULL DEFAULT false,
    description text NOT NULL DEFAULT ''
);
CREATE TABLE user_rightcalls (
    user_id      integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    rightcall_id integer NOT NULL REFERENCES rightcalls (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, rightcall_id)
);

-- Programmable function keys of a user's phone.
CREATE TABLE user_funckeys (
    user_id     integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    fknum       integer NOT NULL,
    type        text NOT NULL DEFAULT '',
    typeval     text NOT NULL DEFAULT '',
    label       text NOT NULL DEFAULT '',
    supervision boolean NOT NULL DEFAULT false,
    progfunckey boolean NOT NULL DEFAULT false,
    PRIMARY KEY (user_id, fknum)
);

-- Dial actions (what happens on an event) for users, groups, queues, incalls, schedules.
CREATE TABLE dialactions (
    category    text NOT NULL,
    categoryval text NOT NULL,
    event       text NOT NULL,
    actiontype  text NOT NULL DEFAULT 'none',
    action      text NOT NULL DEFAULT 'none',
    actionarg1  text,
    actionarg2  text,
    linked      boolean NOT NULL DEFAULT true,
    PRIMARY KEY (category, categoryval, event)
);
