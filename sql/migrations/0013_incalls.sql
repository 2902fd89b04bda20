-- Incoming calls (json.php call_management/incall): a DID in an incall range of a context,
-- its extensions row kept by the shared trigger. Where the call goes is its 'answer' dial
-- action (dialactions, category 'incall'); the caller id may be rewritten on the way.
CREATE TABLE incalls (
    id                    serial PRIMARY KEY,
    context               text NOT NULL REFERENCES contexts (name) ON UPDATE CASCADE ON DELETE RESTRICT,
    number                text NOT NULL,
    preprocess_subroutine text NOT NULL DEFAULT '',
    description           text NOT NULL DEFAULT '',
    commented             boolean NOT NULL DEFAULT false,
    -- '' (leave the caller id), prepend, overwrite or append callerid_display.
    callerid_mode         text NOT NULL DEFAULT '' CHECK (callerid_mode IN ('', 'prepend', 'overwrite', 'append')),
    callerid_display      text NOT NULL DEFAULT ''
);
-- A dial action naming an object is looked up by that object when it is deleted.
CREATE INDEX dialactions_destination_idx ON dialactions (actiontype, actionarg1);

CREATE TRIGGER incalls_extensions_insert AFTER INSERT ON incalls
    FOR EACH ROW WHEN (NEW.number <> '') EXECUTE FUNCTION extensions_follow('incall');
CREATE TRIGGER incalls_extensions_update AFTER UPDATE OF number, context ON incalls
    FOR EACH ROW WHEN (OLD.number IS DISTINCT FROM NEW.number OR OLD.context IS DISTINCT FROM NEW.context)
    EXECUTE FUNCTION extensions_follow('incall');
CREATE TRIGGER incalls_extensions_delete AFTER DELETE ON incalls
    FOR EACH ROW WHEN (OLD.number <> '') EXECUTE FUNCTION extensions_follow('incall');
