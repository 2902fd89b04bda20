-- A user's contact information beyond XiVO's userfeatures (sipX's address book: job,
-- company, addresses, phone numbers, social names…), one JSON document per user whose keys
-- are the canonical field names (models.UserProfile), validated by pbxws.
CREATE TABLE user_profiles (
    user_id    integer PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    profile    jsonb NOT NULL DEFAULT '{}',
    updated_at timestamptz NOT NULL DEFAULT now()
);
