-- Every change of the phonebooks is announced on pbxws_phonebook ("shared" for the XiVO
-- phonebook, "private" for users' private books), after commit as NOTIFY is: each pbxws
-- keeps the books in memory for the sipX phonebook reads and forgets them on a notice.
CREATE FUNCTION notify_phonebook() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('pbxws_phonebook', TG_ARGV[0]);
    RETURN NULL;
END $$;
CREATE TRIGGER phonebook_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON phonebook
    FOR EACH STATEMENT EXECUTE FUNCTION notify_phonebook('shared');
CREATE TRIGGER phonebook_numbers_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON phonebook_numbers
    FOR EACH STATEMENT EXECUTE FUNCTION notify_phonebook('shared');
CREATE TRIGGER phonebook_words_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON phonebook_words
    FOR EACH STATEMENT EXECUTE FUNCTION notify_phonebook('shared');
CREATE TRIGGER private_phonebooks_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON private_phonebooks
    FOR EACH STATEMENT EXECUTE FUNCTION notify_phonebook('private');
CREATE TRIGGER private_phonebook_entries_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON private_phonebook_entries
    FOR EACH STATEMENT EXECUTE FUNCTION notify_phonebook('private');
