package acl

import (
	"slices"
	"testing"
)

func TestGrantedCoversSubtreesSegmentWise(t *testing.T) {
	grants := []string{"service/ipbx", "xivo/configuration/check", "cti/"}
	for s, want := range map[string]bool{
		"service/ipbx/pbx_settings/users":      true,
		"service/ipbx/pbx_services/parkinglot": true,
		"xivo/configuration/check":             true,
		"xivo/configuration/manage/entity":     false,
		"cti/profiles":                         true,
		"service/callcenter/settings/agents":   false,
	} {
		if got := Granted(grants, s); got != want {
			t.Errorf("Granted(%q) = %v, want %v", s, got, want)
		}
	}
	if Granted([]string{"service/ip"}, "service/ipbx/pbx_settings/users") {
		t.Error("a partial segment granted a subtree")
	}
	if Granted(nil, "cti/profiles") || Granted([]string{"", "/"}, "cti/profiles") {
		t.Error("empty grants granted something")
	}
	if !Granted([]string{"service"}, "service/callcenter/settings/agents") {
		t.Error("a top-level grant did not cover its subtree")
	}
	// The original had no leaf for it (restricted mode always 403); pbxws grants it.
	if !Granted([]string{"service/callcenter"}, "service/callcenter/registrationcampaign/campaigns") {
		t.Error("service/callcenter did not cover registrationcampaign/campaigns")
	}
}

func TestGrantedRefusesSectionsOutsideTheTree(t *testing.T) {
	everything := []string{"service", "xivo", "cti", "statistics"}
	for _, s := range []string{"service/ipbx", "service/ipbx/configuration",
		"service/callcenter/registrationcampaign/nope", "service/ipbx/pbx_settings/users/x", "", "cti"} {
		if Granted(everything, s) {
			t.Errorf("Granted(everything, %q) = true for a section outside the tree", s)
		}
	}
}

func TestValidGrantTakesLeavesAndAncestorsOnly(t *testing.T) {
	for s, want := range map[string]bool{"service/ipbx": true, "service/ipbx/pbx_settings/users": true,
		"service": true, "service/ipbx/pbx_services/parkinglot": true, "service/ipbx/nope": false,
		"": false, "cti/profiles/x": false, "service/ip": false, "/service/ipbx": false} {
		if ValidGrant(s) != want {
			t.Errorf("ValidGrant(%q) != %v", s, want)
		}
	}
}

func TestSectionsTreeHasEveryLeafOfTheSpecAndParkingLots(t *testing.T) {
	leaves := Sections()
	// Plus the two private-only routes the original left out of its tree
	// (provisioning/configregistrar, cti/configuration): every route has its section.
	if len(leaves) != 53 {
		t.Errorf("%d leaves, want the 49 of spec §2.6 plus parkinglot, registrationcampaign/campaigns, configregistrar and cti/configuration", len(leaves))
	}
	if !slices.IsSorted(leaves) {
		t.Error("Sections is not sorted")
	}
	for _, s := range leaves {
		if !IsSection(s) || !ValidGrant(s) {
			t.Errorf("%s is listed but not a section", s)
		}
	}
}

func TestSimilarSectionsSuggestsNearMisses(t *testing.T) {
	for typo, want := range map[string]string{
		"service/ipbx/pbx_settings/user": "service/ipbx/pbx_settings/users",
		"service/ipxb":                   "service/ipbx",
		"users":                          "service/ipbx/pbx_settings/users",
		"xivo/configuration/entity":      "xivo/configuration/manage/entity",
		"callcenter/settings/agents":     "service/callcenter/settings/agents",
	} {
		if got := SimilarSections(typo); !slices.Contains(got, want) {
			t.Errorf("SimilarSections(%q) = %v, want it to offer %s", typo, got, want)
		}
	}
	if got := SimilarSections("zzzzzzzzzz"); len(got) != 0 {
		t.Errorf("suggestions for nonsense: %v", got)
	}
}
