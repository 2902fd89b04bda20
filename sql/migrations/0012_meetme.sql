-- Conference rooms (json.php pbx_settings/meetme): a number (confno) in a context, its
-- extensions row kept by the shared trigger, and how participants join.
CREATE TABLE meetmes (
    id                     serial PRIMARY KEY,
    name                   text NOT NULL,
    context                text NOT NULL REFERENCES contexts (name) ON UPDATE CASCADE ON DELETE RESTRICT,
    number                 text NOT NULL,
    maxusers               integer NOT NULL DEFAULT 0,
    pin                    text NOT NULL DEFAULT '',
    admin_pin              text NOT NULL DEFAULT '',
    admin_typefrom         text NOT NULL DEFAULT 'none',
    user_mode              text NOT NULL DEFAULT 'all',
    user_announcejoinleave text NOT NULL DEFAULT 'no',
    user_musiconhold       text NOT NULL DEFAULT '',
    preprocess_subroutine  text NOT NULL DEFAULT '',
    description            text NOT NULL DEFAULT '',
    commented              boolean NOT NULL DEFAULT false,
    CONSTRAINT meetmes_name_key UNIQUE (name)
);

CREATE TRIGGER meetmes_extensions_insert AFTER INSERT ON meetmes
    FOR EACH ROW WHEN (NEW.number <> '') EXECUTE FUNCTION extensions_follow('meetme');
CREATE TRIGGER meetmes_extensions_update AFTER UPDATE OF number, context ON meetmes
    FOR EACH ROW WHEN (OLD.number IS DISTINCT FROM NEW.number OR OLD.context IS DISTINCT FROM NEW.context)
    EXECUTE FUNCTION extensions_follow('meetme');
CREATE TRIGGER meetmes_extensions_delete AFTER DELETE ON meetmes
    FOR EACH ROW WHEN (OLD.number <> '') EXECUTE FUNCTION extensions_follow('meetme');
