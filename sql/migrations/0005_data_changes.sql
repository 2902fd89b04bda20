-- Which transactions changed what: the validity test of rendered answers that pbxws keeps
-- (the users list, megabytes for 10,000 users). An answer is kept with the snapshot it was
-- read in; it is still right when no transaction that changed its scope has committed
-- outside that snapshot. The test follows commits exactly, on every instance, with no shared
-- counter row that writers would queue on: each writing transaction adds its own row.
CREATE TABLE data_changes (
    scope text NOT NULL,
    txid  xid8 NOT NULL,
    PRIMARY KEY (scope, txid)
);

-- Rows of transactions older than the horizon are pruned; an answer read in a snapshot whose
-- xmin is older than the horizon can no longer be tested, and is read again.
CREATE TABLE data_changes_horizon (
    id      boolean PRIMARY KEY DEFAULT true CHECK (id),
    horizon xid8 NOT NULL
);
INSERT INTO data_changes_horizon (horizon) VALUES (pg_snapshot_xmin(pg_current_snapshot()));

-- Statement-level: a bulk change costs one row per transaction and scope.
CREATE FUNCTION note_data_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO data_changes (scope, txid) VALUES (TG_ARGV[0], pg_current_xact_id())
        ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$;

CREATE TRIGGER users_data_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION note_data_change('users');
