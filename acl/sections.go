package acl

import (
	"sort"
	"strings"
)

// grantable are the leaves of the rights tree (spec §2.6, plus the parking lots the original
// documented but never routed).
var grantable = []string{
	"xivo/configuration/check",
	"xivo/configuration/manage/entity",
	"xivo/configuration/network/interface", "xivo/configuration/network/iproute",
	"xivo/configuration/network/resolvconf", "xivo/configuration/network/mail",
	"xivo/configuration/network/dhcp",
	"xivo/configuration/support/monitoring",
	"xivo/configuration/provisioning/general", "xivo/configuration/provisioning/autoprov",
	"service/ipbx/queuelogger/configuration",
	"service/ipbx/general_settings/sccp", "service/ipbx/general_settings/sip",
	"service/ipbx/general_settings/iax", "service/ipbx/general_settings/voicemail",
	"service/ipbx/general_settings/phonebook", "service/ipbx/general_settings/advanced",
	"service/ipbx/general_settings/outboundmwi",
	"service/ipbx/pbx_settings/users", "service/ipbx/pbx_settings/lines",
	"service/ipbx/pbx_settings/devices", "service/ipbx/pbx_settings/groups",
	"service/ipbx/pbx_settings/meetme", "service/ipbx/pbx_settings/voicemail",
	"service/ipbx/pbx_settings/extension",
	"service/ipbx/call_management/incall", "service/ipbx/call_management/outcall",
	"service/ipbx/call_management/pickup", "service/ipbx/call_management/cel",
	"service/ipbx/call_management/schedule",
	"service/ipbx/trunk_management/sip", "service/ipbx/trunk_management/iax",
	"service/ipbx/trunk_management/custom",
	"service/ipbx/pbx_services/phonebook", "service/ipbx/pbx_services/extenfeatures",
	"service/ipbx/pbx_services/parkinglot",
	"service/ipbx/system_management/context", "service/ipbx/system_management/extensions",
	"service/ipbx/control_system/reload", "service/ipbx/control_system/restart",
	"statistics/call_center/data/stats1", "statistics/call_center/data/stats2",
	"statistics/call_center/data/stats3", "statistics/call_center/data/stats4",
	"statistics/call_center/settings/configuration",
	"service/callcenter/settings/agents", "service/callcenter/settings/queues",
	"service/callcenter/settings/queueskills", "service/callcenter/settings/queueskillrules",
	"cti/profiles",
}

// Granted reports whether the grants cover section: the section itself or one of its
// ancestors, compared segment by segment ("service/ipbx" covers
// "service/ipbx/pbx_settings/users"; "service/ip" covers nothing).
func Granted(grants []string, section string) bool {
	for _, g := range grants {
		g = strings.Trim(g, "/")
		if g == "" {
			continue
		}
		if section == g || strings.HasPrefix(section, g+"/") {
			return true
		}
	}
	return false
}

// ValidSection reports whether a grant names a leaf of the rights tree or an ancestor of one.
func ValidSection(s string) bool {
	s = strings.Trim(s, "/")
	if s == "" {
		return false
	}
	for _, leaf := range grantable {
		if leaf == s || strings.HasPrefix(leaf, s+"/") {
			return true
		}
	}
	return false
}

// SimilarSections suggests grantable sections close to a mistyped one.
func SimilarSections(s string) []string {
	s = strings.ToLower(strings.Trim(s, "/"))
	last := s
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		last = s[i+1:]
	}
	var out []string
	for _, leaf := range grantable {
		if last != "" && strings.Contains(leaf, last) {
			out = append(out, leaf)
		}
	}
	sort.Strings(out)
	if len(out) > 5 {
		out = out[:5]
	}
	return out
}

// Sections lists every grantable leaf.
func Sections() []string { return append([]string(nil), grantable...) }
