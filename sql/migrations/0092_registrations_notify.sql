-- Every change of the bindings is announced on pbxws_registrations after its commit, naming
-- what changed, so that an instance can keep the bindings in memory row by row
-- (models/regcache.go): "i:<ids>" for bindings written or removed, "u:<names>" for lines
-- whose device (the MAC a binding shows) changed, "*" when that list would not fit a notice
-- or a device's MAC changed.
CREATE FUNCTION registrations_announce(ids text, prefix text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF ids IS NULL OR ids = '' THEN
        RETURN;
    END IF;
    IF length(ids) > 7000 THEN
        PERFORM pg_notify('pbxws_registrations', '*');
    ELSE
        PERFORM pg_notify('pbxws_registrations', prefix || ids);
    END IF;
END $$;

CREATE FUNCTION registrations_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM registrations_announce((SELECT string_agg(id::text, ',') FROM new_rows), 'i:');
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM registrations_announce((SELECT string_agg(id::text, ',') FROM
            (SELECT id FROM new_rows UNION SELECT id FROM old_rows) x), 'i:');
    ELSE
        PERFORM registrations_announce((SELECT string_agg(id::text, ',') FROM old_rows), 'i:');
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER registrations_inserted AFTER INSERT ON registrations
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION registrations_changed();
CREATE TRIGGER registrations_updated AFTER UPDATE ON registrations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION registrations_changed();
CREATE TRIGGER registrations_deleted AFTER DELETE ON registrations
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION registrations_changed();

-- A line's name or device decides which MAC its bindings show. Names holding a comma cannot
-- be listed: they turn the notice into "*".
CREATE FUNCTION registrations_lines_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed text[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(name) INTO changed FROM new_rows WHERE device_id IS NOT NULL;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT array_agg(DISTINCT n) INTO changed FROM old_rows o JOIN new_rows w ON w.id = o.id,
            LATERAL (VALUES (o.name), (w.name)) v(n)
            WHERE o.name IS DISTINCT FROM w.name OR o.device_id IS DISTINCT FROM w.device_id;
    ELSE
        SELECT array_agg(name) INTO changed FROM old_rows WHERE device_id IS NOT NULL;
    END IF;
    IF changed IS NULL THEN
        RETURN NULL;
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(changed) n WHERE n LIKE '%,%') THEN
        PERFORM pg_notify('pbxws_registrations', '*');
    ELSE
        PERFORM registrations_announce(array_to_string(changed, ','), 'u:');
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER registrations_lines_inserted AFTER INSERT ON lines
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION registrations_lines_changed();
CREATE TRIGGER registrations_lines_updated AFTER UPDATE ON lines
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION registrations_lines_changed();
CREATE TRIGGER registrations_lines_deleted AFTER DELETE ON lines
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION registrations_lines_changed();

CREATE FUNCTION registrations_devices_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM old_rows o JOIN new_rows w ON w.id = o.id WHERE o.mac IS DISTINCT FROM w.mac) THEN
        PERFORM pg_notify('pbxws_registrations', '*');
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER registrations_devices_updated AFTER UPDATE ON devices
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION registrations_devices_changed();
