-- Web-service accounts of json.php restricted mode: credentials and/or source hosts, and the
-- granted section paths. Every change is announced (LISTEN pbxws_ws_accounts) and counted
-- (ws_accounts_generation), so credential caches on every instance drop what they hold.

CREATE TABLE ws_accounts (
    id            serial PRIMARY KEY,
    name          text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9_.-]{1,64}$'),
    login         text UNIQUE CHECK (login IS NULL OR length(login) BETWEEN 1 AND 64),
    password_hash text,
    hosts         text[] NOT NULL DEFAULT '{}',
    sections      text[] NOT NULL DEFAULT '{}',
    disabled      boolean NOT NULL DEFAULT false,
    description   text NOT NULL DEFAULT '' CHECK (length(description) <= 1000),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    -- Credentials go together; an account without them must be bound to hosts.
    CONSTRAINT ws_accounts_credentials CHECK ((login IS NULL) = (password_hash IS NULL)),
    CONSTRAINT ws_accounts_identifiable CHECK (login IS NOT NULL OR cardinality(hosts) > 0)
);

CREATE TABLE ws_accounts_generation (
    id         boolean PRIMARY KEY DEFAULT true CHECK (id),
    generation bigint NOT NULL
);
INSERT INTO ws_accounts_generation (generation) VALUES (1);

CREATE FUNCTION ws_accounts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE ws_accounts_generation SET generation = generation + 1;
    PERFORM pg_notify('pbxws_ws_accounts', TG_OP);
    RETURN NULL;
END;
$$;

CREATE TRIGGER ws_accounts_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ws_accounts
    FOR EACH STATEMENT EXECUTE FUNCTION ws_accounts_changed();
