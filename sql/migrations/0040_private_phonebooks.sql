-- Each user's private phonebook (sipX /my/phonebook/entry): entries with a name, a number
-- and contact information (the same canonical fields as a user's profile), and whether
-- the user's phones show them.
CREATE TABLE private_phonebooks (
    user_id       integer PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    show_on_phone boolean NOT NULL DEFAULT true
);
CREATE TABLE private_phonebook_entries (
    id         serial PRIMARY KEY,
    user_id    integer NOT NULL REFERENCES private_phonebooks (user_id) ON DELETE CASCADE,
    first_name text NOT NULL,
    last_name  text NOT NULL,
    number     text NOT NULL,
    contact    jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX private_phonebook_entries_user_idx ON private_phonebook_entries (user_id);
