-- What sipX call groups (sipx-api.md §9) add to the XiVO ring groups: an extra dialable
-- number (did, claimed in the extensions table like the group's own number, under the
-- family 'groupdid'), the sipX call-handling flags, a no-answer fallback that is not a
-- number (a SIP URI: numbers are the XiVO noanswer dial action of type extension), and for
-- each user member its ring time, whether it rings, and whether it rings together with the
-- member before it ("At the same time") rather than after it ("If no response").
ALTER TABLE groups
    ADD COLUMN did                text NOT NULL DEFAULT '',
    ADD COLUMN voicemail_fallback boolean NOT NULL DEFAULT true,
    ADD COLUMN user_forward       boolean NOT NULL DEFAULT true,
    ADD COLUMN use_fwd_timers     boolean NOT NULL DEFAULT false,
    ADD COLUMN fallback_uri       text NOT NULL DEFAULT '',
    ADD CONSTRAINT groups_did_check CHECK (did = '' OR did <> number);

ALTER TABLE queue_members
    ADD COLUMN ring_expiration integer NOT NULL DEFAULT 30 CHECK (ring_expiration BETWEEN 1 AND 300),
    ADD COLUMN ring_enabled    boolean NOT NULL DEFAULT true,
    ADD COLUMN ring_together   boolean NOT NULL DEFAULT false;

-- extensions_follow_did keeps the extensions row of a group's did, in the group's context.
CREATE FUNCTION extensions_follow_did() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM extensions WHERE type = 'groupdid' AND typeval = OLD.id::text;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.did <> '' THEN
        INSERT INTO extensions (context, exten, type, typeval)
        VALUES (NEW.context, NEW.did, 'groupdid', NEW.id::text);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER groups_did_insert AFTER INSERT ON groups
    FOR EACH ROW WHEN (NEW.did <> '') EXECUTE FUNCTION extensions_follow_did();
CREATE TRIGGER groups_did_update AFTER UPDATE OF did, context ON groups
    FOR EACH ROW WHEN (OLD.did IS DISTINCT FROM NEW.did OR OLD.context IS DISTINCT FROM NEW.context)
    EXECUTE FUNCTION extensions_follow_did();
CREATE TRIGGER groups_did_delete AFTER DELETE ON groups
    FOR EACH ROW WHEN (OLD.did <> '') EXECUTE FUNCTION extensions_follow_did();
