-- Parking lots: a number in a context where calls are parked, and how many positions follow
-- it. The number has its row in the extensions table (migration 0010), so no other object
-- of the context can take it.
CREATE TABLE parking_lots (
    id            serial PRIMARY KEY,
    name          text NOT NULL,
    context       text NOT NULL REFERENCES contexts (name) ON UPDATE CASCADE ON DELETE RESTRICT,
    number        text NOT NULL,
    positions     integer NOT NULL,
    next          boolean NOT NULL DEFAULT false,
    duration      integer NOT NULL DEFAULT 45,
    calltransfers text NOT NULL DEFAULT '',
    callreparking text NOT NULL DEFAULT '',
    callhangup    text NOT NULL DEFAULT '',
    callrecording text NOT NULL DEFAULT '',
    musicclass    text NOT NULL DEFAULT '',
    hints         boolean NOT NULL DEFAULT false,
    description   text NOT NULL DEFAULT '',
    commented     boolean NOT NULL DEFAULT false,
    CONSTRAINT parking_lots_name_key UNIQUE (name)
);

CREATE TRIGGER parking_lots_extensions_insert AFTER INSERT ON parking_lots
    FOR EACH ROW WHEN (NEW.number <> '') EXECUTE FUNCTION extensions_follow('parking');
CREATE TRIGGER parking_lots_extensions_update AFTER UPDATE OF number, context ON parking_lots
    FOR EACH ROW WHEN (OLD.number IS DISTINCT FROM NEW.number OR OLD.context IS DISTINCT FROM NEW.context)
    EXECUTE FUNCTION extensions_follow('parking');
CREATE TRIGGER parking_lots_extensions_delete AFTER DELETE ON parking_lots
    FOR EACH ROW WHEN (OLD.number <> '') EXECUTE FUNCTION extensions_follow('parking');
