-- sipX voicemail preferences on the voicemail boxes json.php serves: the greeting callers
-- hear, and how notification e-mails are written (format of each address's e-mail).
ALTER TABLE voicemails ADD COLUMN active_greeting text NOT NULL DEFAULT 'none'
    CHECK (active_greeting IN ('none', 'standard', 'outofoffice', 'extendedabsence'));
ALTER TABLE voicemails ADD COLUMN email_format text NOT NULL DEFAULT 'full'
    CHECK (email_format IN ('full', 'medium', 'brief'));
ALTER TABLE voicemails ADD COLUMN alt_email_format text NOT NULL DEFAULT 'full'
    CHECK (alt_email_format IN ('full', 'medium', 'brief'));
