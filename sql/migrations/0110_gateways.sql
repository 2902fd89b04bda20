-- sipXconfig gateways (sipx-api.md §8) are XiVO SIP trunks: what only sipX knows of one
-- lives here, one row per trunk a sipX write touched. A SIP trunk without a row is still a
-- gateway, shown with sipX's defaults; its row goes with the trunk.
CREATE TABLE gateways (
    trunk_id                 integer PRIMARY KEY REFERENCES trunks (id) ON DELETE CASCADE,
    model                    text NOT NULL CHECK (model IN ('sipTrunkStandard', 'genericGatewayStandard')),
    -- Digits prepended when dialling out through the gateway; NULL: none.
    prefix                   text,
    shared                   boolean NOT NULL DEFAULT true,
    -- Stored only: pbxws has no SBC to bridge through.
    use_internal_bridge      boolean NOT NULL DEFAULT true,
    -- The branch (a XiVO entity) the gateway serves; a deleted branch leaves it unset.
    branch_id                integer REFERENCES entities (id) ON DELETE SET NULL,
    -- sipX said transport "none": the trunk dials udp (Asterisk's default), sipX reads none.
    transport_none           boolean NOT NULL DEFAULT false,
    -- The caller alias rules (callerAliasInfo).
    default_caller_alias     text,
    anonymous                boolean NOT NULL DEFAULT false,
    ignore_user_info         boolean NOT NULL DEFAULT false,
    transform_user_extension boolean NOT NULL DEFAULT false,
    add_prefix               text,
    keep_digits              integer NOT NULL DEFAULT 0 CHECK (keep_digits >= 0),
    display_name             text,
    url_parameters           text
);
CREATE INDEX gateways_branch_idx ON gateways (branch_id);
