-- One extensions table, as XiVO had: every number an object answers on in a context (a line's
-- number, a group's, a conference room's, a queue's, an incoming call's DID, a parking lot's)
-- has its row here, so a number is unique within its context across every object family.
-- The rows follow their objects through triggers: no store can forget one, and a family
-- added later declares one trigger (its table needs id, context and number columns).
CREATE TABLE extensions (
    id      serial PRIMARY KEY,
    context text NOT NULL REFERENCES contexts (name) ON UPDATE CASCADE ON DELETE RESTRICT,
    exten   text NOT NULL,
    -- The family and the id of the object: line, group, queue, meetme, incall, parking.
    type    text NOT NULL,
    typeval text NOT NULL,
    CONSTRAINT extensions_context_exten_key UNIQUE (context, exten)
);
CREATE INDEX extensions_object_idx ON extensions (type, typeval);

-- extensions_follow keeps the row of one object: TG_ARGV[0] is its family. An empty number
-- has no row.
CREATE FUNCTION extensions_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM extensions WHERE type = TG_ARGV[0] AND typeval = OLD.id::text;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.number <> '' THEN
        INSERT INTO extensions (context, exten, type, typeval)
        VALUES (NEW.context, NEW.number, TG_ARGV[0], NEW.id::text);
    END IF;
    RETURN NULL;
END
$$;

INSERT INTO extensions (context, exten, type, typeval)
    SELECT context, number, 'line', id::text FROM lines WHERE number <> '';

CREATE TRIGGER lines_extensions_insert AFTER INSERT ON lines
    FOR EACH ROW WHEN (NEW.number <> '') EXECUTE FUNCTION extensions_follow('line');
CREATE TRIGGER lines_extensions_update AFTER UPDATE OF number, context ON lines
    FOR EACH ROW WHEN (OLD.number IS DISTINCT FROM NEW.number OR OLD.context IS DISTINCT FROM NEW.context)
    EXECUTE FUNCTION extensions_follow('line');
CREATE TRIGGER lines_extensions_delete AFTER DELETE ON lines
    FOR EACH ROW WHEN (OLD.number <> '') EXECUTE FUNCTION extensions_follow('line');
