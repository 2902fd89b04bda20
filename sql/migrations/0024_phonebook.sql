-- The phonebook: shared contacts, each with up to one number and one address per kind.
CREATE TABLE phonebook (
    id          serial PRIMARY KEY,
    title       text NOT NULL DEFAULT 'mr',
    displayname text NOT NULL,
    firstname   text NOT NULL DEFAULT '',
    lastname    text NOT NULL DEFAULT '',
    society     text NOT NULL DEFAULT '',
    email       text NOT NULL DEFAULT '',
    url         text NOT NULL DEFAULT '',
    description text NOT NULL DEFAULT ''
);

CREATE TABLE phonebook_numbers (
    phonebook_id integer NOT NULL REFERENCES phonebook (id) ON DELETE CASCADE,
    type         text NOT NULL CHECK (type IN ('office', 'home', 'mobile', 'fax', 'other')),
    number       text NOT NULL,
    PRIMARY KEY (phonebook_id, type)
);
CREATE INDEX phonebook_numbers_number_idx ON phonebook_numbers (number);

CREATE TABLE phonebook_addresses (
    phonebook_id integer NOT NULL REFERENCES phonebook (id) ON DELETE CASCADE,
    type         text NOT NULL CHECK (type IN ('office', 'home', 'other')),
    address1     text NOT NULL DEFAULT '',
    address2     text NOT NULL DEFAULT '',
    city         text NOT NULL DEFAULT '',
    state        text NOT NULL DEFAULT '',
    zipcode      text NOT NULL DEFAULT '',
    country      text NOT NULL DEFAULT '',
    PRIMARY KEY (phonebook_id, type)
);
