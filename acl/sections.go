package acl

import (
	"slices"
	"sort"
	"strings"
)

// sectionLeaves is the rights tree: every section a json.php request in restricted mode can
// be checked against (spec §2.6, plus the parking lots the original documented but never
// routed). A grant names a leaf or an ancestor of leaves.
var sectionLeaves = []string{
	"xivo/configuration/check",
	"xivo/configuration/manage/entity",
	"xivo/configuration/network/interface",
	"xivo/configuration/network/iproute",
	"xivo/configuration/network/resolvconf",
	"xivo/configuration/network/mail",
	"xivo/configuration/network/dhcp",
	"xivo/configuration/support/monitoring",
	"xivo/configuration/provisioning/general",
	"xivo/configuration/provisioning/autoprov",
	// Private mode only (routed, never granted in use): listed so that every route has its
	// section.
	"xivo/configuration/provisioning/configregistrar",
	"service/ipbx/queuelogger/configuration",
	"service/ipbx/general_settings/sccp",
	"service/ipbx/general_settings/sip",
	"service/ipbx/general_settings/iax",
	"service/ipbx/general_settings/voicemail",
	"service/ipbx/general_settings/phonebook",
	"service/ipbx/general_settings/advanced",
	"service/ipbx/general_settings/outboundmwi",
	"service/ipbx/pbx_settings/users",
	"service/ipbx/pbx_settings/lines",
	"service/ipbx/pbx_settings/devices",
	"service/ipbx/pbx_settings/groups",
	"service/ipbx/pbx_settings/meetme",
	"service/ipbx/pbx_settings/voicemail",
	"service/ipbx/pbx_settings/extension",
	"service/ipbx/call_management/incall",
	"service/ipbx/call_management/outcall",
	"service/ipbx/call_management/pickup",
	"service/ipbx/call_management/cel",
	"service/ipbx/call_management/schedule",
	"service/ipbx/trunk_management/sip",
	"service/ipbx/trunk_management/iax",
	"service/ipbx/trunk_management/custom",
	"service/ipbx/pbx_services/phonebook",
	"service/ipbx/pbx_services/extenfeatures",
	"service/ipbx/pbx_services/parkinglot",
	"service/ipbx/system_management/context",
	"service/ipbx/system_management/extensions",
	"service/ipbx/control_system/reload",
	"service/ipbx/control_system/restart",
	"statistics/call_center/data/stats1",
	"statistics/call_center/data/stats2",
	"statistics/call_center/data/stats3",
	"statistics/call_center/data/stats4",
	"statistics/call_center/settings/configuration",
	"service/callcenter/settings/agents",
	"service/callcenter/settings/queues",
	"service/callcenter/settings/queueskills",
	"service/callcenter/settings/queueskillrules",
	// The original routed it without a leaf (restricted mode always 403); pbxws grants it.
	"service/callcenter/registrationcampaign/campaigns",
	"cti/profiles",
	"cti/configuration", // private mode only, like configregistrar
}

// grantable holds every leaf and every ancestor of one.
var grantable = func() map[string]bool {
	m := map[string]bool{}
	for _, leaf := range sectionLeaves {
		for p := leaf; p != ""; {
			m[p] = true
			i := strings.LastIndexByte(p, '/')
			if i < 0 {
				break
			}
			p = p[:i]
		}
	}
	return m
}()

// Sections lists the leaves of the rights tree, sorted.
func Sections() []string {
	s := slices.Clone(sectionLeaves)
	sort.Strings(s)
	return s
}

// IsSection reports whether s is a leaf of the rights tree: a section a request is checked
// against.
func IsSection(s string) bool { return slices.Contains(sectionLeaves, s) }

// ValidGrant reports whether a grant names a leaf of the rights tree or an ancestor of one
// ("service/ipbx", "service"); surrounding slashes are not part of a path.
func ValidGrant(s string) bool { return grantable[s] }

// Granted reports whether grants allow section: section must be a leaf of the rights tree
// (anything else is refused, as in the original), and the section itself or one of its
// ancestors must be granted, compared segment by segment ("service/ipbx" grants
// "service/ipbx/pbx_settings/users"; "service/ip" grants nothing).
func Granted(grants []string, section string) bool {
	if !IsSection(section) {
		return false
	}
	for _, g := range grants {
		g = strings.Trim(g, "/")
		if g != "" && (section == g || strings.HasPrefix(section, g) && section[len(g)] == '/') {
			return true
		}
	}
	return false
}

// SimilarSections suggests grantable paths close to a mistyped one: the nearest by edit
// distance, and those sharing its last segment; at most five.
func SimilarSections(s string) []string {
	s = strings.ToLower(strings.Trim(s, "/ "))
	last := s[strings.LastIndexByte(s, '/')+1:]
	type scored struct {
		path string
		d    int
	}
	var found []scored
	for p := range grantable {
		d := EditDistance(s, p)
		pLast := p[strings.LastIndexByte(p, '/')+1:]
		if len(last) >= 3 && strings.Contains(pLast, last) && strings.Count(p, "/") >= strings.Count(s, "/") {
			d = min(d, 1+len(pLast)-len(last))
		}
		if d <= max(2, len(s)/4) {
			found = append(found, scored{p, d})
		}
	}
	sort.Slice(found, func(i, j int) bool {
		if found[i].d != found[j].d {
			return found[i].d < found[j].d
		}
		return found[i].path < found[j].path
	})
	var out []string
	for i := 0; i < len(found) && i < 5; i++ {
		out = append(out, found[i].path)
	}
	return out
}

// EditDistance is the Levenshtein distance of a and b, in bytes: how "did you mean"
// suggestions (section paths, command names) pick the nearest known word.
func EditDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
