-- The built-in registrar's normal registration bounds are XiVO's general_settings/sip
-- minexpiry and maxexpiry (sipx-api.md §13: /api/registrar/settings mirrors them). Every
-- instance's registrar holds them in memory, so a change made through either façade is
-- announced on pbxws_service_settings (models.ServiceSettingsChannel), at commit.
CREATE FUNCTION notify_registrar_bounds() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.section = 'sip' AND (TG_OP = 'INSERT'
        OR OLD.value->'minexpiry' IS DISTINCT FROM NEW.value->'minexpiry'
        OR OLD.value->'maxexpiry' IS DISTINCT FROM NEW.value->'maxexpiry') THEN
        PERFORM pg_notify('pbxws_service_settings', 'service:registrar');
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER settings_registrar_bounds AFTER INSERT OR UPDATE ON settings
    FOR EACH ROW EXECUTE FUNCTION notify_registrar_bounds();
