-- Every change of what a phone's settings read (sipx-api.md §7.5) is announced on
-- pbxws_phone_settings after commit: each pbxws keeps the phones' effective settings in
-- memory for the sipX reads and forgets them on a notice. Statement triggers: one notice per
-- statement, whatever its rows.
CREATE FUNCTION notify_phone_settings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('pbxws_phone_settings', TG_TABLE_NAME);
    RETURN NULL;
END $$;
CREATE TRIGGER devices_phone_settings_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON devices
    FOR EACH STATEMENT EXECUTE FUNCTION notify_phone_settings();
CREATE TRIGGER phone_groups_phone_settings_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON phone_groups
    FOR EACH STATEMENT EXECUTE FUNCTION notify_phone_settings();
CREATE TRIGGER phone_group_members_phone_settings_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON phone_group_members
    FOR EACH STATEMENT EXECUTE FUNCTION notify_phone_settings();
CREATE TRIGGER setting_values_phone_settings_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON setting_values
    FOR EACH STATEMENT EXECUTE FUNCTION notify_phone_settings();
