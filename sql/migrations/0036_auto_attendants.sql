-- sipX auto attendants: the menus callers reach (sipX ships "operator" and "afterhour"), the
-- special mode that sends every call to one selected attendant (holidays, emergencies), and
-- live mode, switched by an attendant's dial code.
CREATE TABLE auto_attendants (
    system_id text PRIMARY KEY,
    name      text NOT NULL UNIQUE,
    extension text NOT NULL DEFAULT '',
    live      boolean NOT NULL DEFAULT false
);
INSERT INTO auto_attendants (system_id, name, extension) VALUES
    ('operator', 'Operator', '100'),
    ('afterhour', 'After hours', '101');

CREATE TABLE attendant_special_mode (
    one      boolean PRIMARY KEY DEFAULT true CHECK (one),
    enabled  boolean NOT NULL DEFAULT false,
    selected text REFERENCES auto_attendants (system_id) ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO attendant_special_mode DEFAULT VALUES;
