package handlers

import "testing"

// Models name fields canonically; each façade's codec names them in its wire terms, and a
// path already in wire terms passes unchanged.
func TestCodecsRenameCanonicalFields(t *testing.T) {
	for _, tc := range []struct {
		names     wireNames
		canonical string
		wire      string
	}{
		{xivoUserNames, "user.first_name", "userfeatures.firstname"},
		{xivoUserNames, "user.entity_id", "userfeatures.entityid"},
		{xivoUserNames, "user.cti_profile_id", "userfeatures.cti_profile_id"},
		{xivoUserNames, "user.password", "userfeatures.passwdclient"},
		{xivoUserNames, "user.cti_profile_name", "userfeatures.profileclient"},
		{xivoUserNames, "lines[1].device_id", "linefeatures[1].device"},
		{xivoUserNames, "lines[0].rules_type", "linefeatures[0].rules_type"},
		{xivoUserNames, "dial_actions.busy.action_type", "dialaction.busy.actiontype"},
		{xivoUserNames, "func_keys[2].fk_num", "phonefunckey[2].fknum"},
		{xivoUserNames, "voicemail.mailbox", "voicemail.mailbox"},
		{xivoUserNames, "userfeatures.firstname", "userfeatures.firstname"},
		{xivoLineNames, "line.number", "number"},
		{xivoEntityNames, "entity.display_name", "displayname"},
		{xivoContextNames, "context.entity_name", "context.entity"},
		{xivoContextNames, "ranges.user[0].number_beg", "contextnumbers.user[0].numberbeg"},
		{xivoContextNames, "includes[1]", "contextinclude[1]"},
		{xivoDeviceNames, "device.template_id", "template_id"},
		{sipxUserNames, "user.login_client", "userName"},
		{sipxUserNames, "user.password", "pin"},
		{sipxUserNames, "aliases[0]", "aliases[0]"},
		{sipxBranchNames, "entity.zipcode", "address.zip"},
	} {
		if got := tc.names.Field(tc.canonical); got != tc.wire {
			t.Errorf("%s: %q, want %q", tc.canonical, got, tc.wire)
		}
	}
}
