-- Ring groups (json.php pbx_settings/groups): a number in a context (its extensions row
-- follows it), how members ring, and what happens on no answer (dialactions, category
-- 'group'). Members are users in queue_members with category 'group', as XiVO kept them.
CREATE TABLE groups (
    id                    serial PRIMARY KEY,
    name                  text NOT NULL,
    context               text NOT NULL REFERENCES contexts (name) ON UPDATE CASCADE ON DELETE RESTRICT,
    number                text NOT NULL DEFAULT '',
    timeout               integer NOT NULL DEFAULT 0,
    strategy              text NOT NULL DEFAULT 'ringall',
    musicclass            text NOT NULL DEFAULT '',
    ringinuse             boolean NOT NULL DEFAULT false,
    transfer_user         boolean NOT NULL DEFAULT false,
    transfer_call         boolean NOT NULL DEFAULT false,
    write_caller          boolean NOT NULL DEFAULT false,
    write_calling         boolean NOT NULL DEFAULT false,
    ignore_forward        boolean NOT NULL DEFAULT true,
    preprocess_subroutine text NOT NULL DEFAULT '',
    description           text NOT NULL DEFAULT '',
    commented             boolean NOT NULL DEFAULT false,
    CONSTRAINT groups_name_key UNIQUE (name)
);

CREATE TRIGGER groups_extensions_insert AFTER INSERT ON groups
    FOR EACH ROW WHEN (NEW.number <> '') EXECUTE FUNCTION extensions_follow('group');
CREATE TRIGGER groups_extensions_update AFTER UPDATE OF number, context ON groups
    FOR EACH ROW WHEN (OLD.number IS DISTINCT FROM NEW.number OR OLD.context IS DISTINCT FROM NEW.context)
    EXECUTE FUNCTION extensions_follow('group');
CREATE TRIGGER groups_extensions_delete AFTER DELETE ON groups
    FOR EACH ROW WHEN (OLD.number <> '') EXECUTE FUNCTION extensions_follow('group');
