-- The id a synchronising client (sipX /my/phonebookentry: a desktop address book) gives a
-- private phonebook entry, unique in the user's book.
ALTER TABLE private_phonebook_entries ADD COLUMN internal_id text CHECK (length(internal_id) BETWEEN 1 AND 255);
CREATE UNIQUE INDEX private_phonebook_entries_internal_idx ON private_phonebook_entries (user_id, internal_id)
    WHERE internal_id IS NOT NULL;
