package models

import "testing"

func TestCallerIDName(t *testing.T) {
	for cid, want := range map[string]string{
		`"Jack Johnson" <1042>`: "Jack Johnson", `"Desk"`: "Desk", `Front <300>`: "Front", `1042`: "", ``: "", `"unterminated`: "",
	} {
		if got := CallerIDName(cid); got != want {
			t.Errorf("CallerIDName(%q) = %q, want %q", cid, got, want)
		}
	}
}

// Every catalogue model has a phone tree and a line tree, and every line tree has the
// mirrored registration leaves.
func TestEveryPhoneModelHasItsTrees(t *testing.T) {
	for _, m := range PhoneModels() {
		if m.PhoneTree() == nil || m.LineTree() == nil || len(m.PhoneTree().Leaves(nil)) == 0 {
			t.Fatalf("%s: no trees", m.ID)
		}
		for _, p := range []string{lineUserIDPath, linePasswordPth, lineDisplayPath} {
			if _, ok := m.LineTree().Find(p); !ok {
				t.Errorf("%s: the line tree has no %s", m.ID, p)
			}
		}
	}
}

// A reference names a phone by number first, then by MAC in any spelling.
func TestPhoneSnapshotLookup(t *testing.T) {
	polycom, _ := PhoneModelByID("polycom335")
	generic, _ := PhoneModelByID(GenericPhoneModel)
	s := &phoneSnapshot{models: map[int]PhoneModel{1: polycom, 2: generic}, byMAC: map[string]int{"00:04:f2:80:cc:95": 2}}
	for ref, want := range map[string]int{"1": 1, "2": 2, "0004f280cc95": 2, "00-04-F2-80-CC-95": 2, "3": 0, "x": 0, "000000000001": 0} {
		got, m, ok := s.lookup(ref)
		if got != want || ok != (want != 0) || (ok && m.ID != s.models[want].ID) {
			t.Errorf("lookup(%q) = %d %s %v, want %d", ref, got, m.ID, ok, want)
		}
	}
}
