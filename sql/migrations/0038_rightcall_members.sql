-- The call rights (call permissions) ring groups and incoming calls hold, as users hold
-- theirs in user_rightcalls (XiVO's rightcallmember of types group and incall).
CREATE TABLE rightcall_members (
    category     text NOT NULL CHECK (category IN ('group', 'incall')),
    typeval      integer NOT NULL,
    rightcall_id integer NOT NULL REFERENCES rightcalls (id) ON DELETE CASCADE,
    PRIMARY KEY (category, typeval, rightcall_id)
);
