-- The words of each shared phonebook contact (names and numbers, lower case), for the
-- prefix searches of sipX /my/search/phonebook: an index range scan instead of reading the
-- whole book. pbxws writes them with each contact (lower-cased in Go, for every alphabet);
-- the contacts already stored get theirs here (ASCII lower case).
CREATE TABLE phonebook_words (
    phonebook_id integer NOT NULL REFERENCES phonebook (id) ON DELETE CASCADE,
    -- Compared byte by byte whatever the database's collation: the prefix searches range
    -- over the index, and pbxws's memory copy is searched in the same order.
    word         text COLLATE "C" NOT NULL,
    PRIMARY KEY (word, phonebook_id)
);
CREATE INDEX phonebook_words_contact_idx ON phonebook_words (phonebook_id);
INSERT INTO phonebook_words (phonebook_id, word)
    SELECT DISTINCT p.id, w FROM phonebook p
    CROSS JOIN LATERAL regexp_split_to_table(lower(concat_ws(' ', p.firstname, p.lastname, p.displayname,
        (SELECT string_agg(n.number, ' ') FROM phonebook_numbers n WHERE n.phonebook_id = p.id))), '\s+') AS w
    WHERE w <> '';
