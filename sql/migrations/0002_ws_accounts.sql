-- Web-service accounts of json.php restricted mode: Basic credentials (login + bcrypt hash)
-- and/or source hosts, and the granted section paths (a path grants its subtree). Every change
-- is announced (LISTEN pbxws_ws_accounts) and counted (ws_accounts_generation), so the
-- verified-credential caches of every instance drop what they hold.

CREATE TABLE ws_accounts (
    id            serial PRIMARY KEY,
    name          text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9_.-]{1,64}$'),
    -- The original's login character set (no colon: it would split the Basic pair), 1-64
    -- characters; NULL when the account is bound to hosts only.
    login         text UNIQUE CHECK (login ~ '^[A-Za-z0-9._~!$&''()*+,;=%-]{1,64}$'),
    password_hash text CHECK (password_hash ~ '^\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}$'),
    -- Addresses, CIDRs, a.b.c.d/netmask forms and host names, read by the acl package.
    hosts         text[] NOT NULL DEFAULT '{}'
                  CHECK (array_position(hosts, NULL) IS NULL AND NOT ('' = ANY (hosts))),
    -- Section paths such as service/ipbx/pbx_settings/users, or an ancestor such as service/ipbx.
    sections      text[] NOT NULL DEFAULT '{}'
                  CHECK (array_position(sections, NULL) IS NULL AND NOT ('' = ANY (sections))),
    disabled      boolean NOT NULL DEFAULT false,
    description   text NOT NULL DEFAULT '' CHECK (length(description) <= 1000),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    -- Credentials go together; an account without them must be bound to hosts.
    CONSTRAINT ws_accounts_credentials CHECK ((login IS NULL) = (password_hash IS NULL)),
    CONSTRAINT ws_accounts_identifiable CHECK (login IS NOT NULL OR cardinality(hosts) > 0)
);

-- One row; instances that cannot LISTEN compare it with the value they last saw.
CREATE TABLE ws_accounts_generation (
    id         boolean PRIMARY KEY DEFAULT true CHECK (id),
    generation bigint NOT NULL
);
INSERT INTO ws_accounts_generation (generation) VALUES (1);

-- Statement-level, so a bulk change costs one bump and one notice; the notice is delivered
-- at commit, after the change is visible.
CREATE FUNCTION ws_accounts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    g bigint;
BEGIN
    UPDATE ws_accounts_generation SET generation = generation + 1 RETURNING generation INTO g;
    PERFORM pg_notify('pbxws_ws_accounts', TG_OP || ' ' || g);
    RETURN NULL;
END;
$$;

CREATE TRIGGER ws_accounts_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ws_accounts
    FOR EACH STATEMENT EXECUTE FUNCTION ws_accounts_changed();
