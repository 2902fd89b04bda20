package models_test

import (
	"testing"

	"pbxws/models"
)

func TestNormalizeMACAcceptsColonDashOrBareInAnyCase(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"00:1a:2b:3c:4d:5e", "00:1a:2b:3c:4d:5e", true},
		{"00:1A:2B:3C:4D:5E", "00:1a:2b:3c:4d:5e", true},
		{"00-1A-2B-3C-4D-5E", "00:1a:2b:3c:4d:5e", true},
		{"001A2B3C4D5E", "00:1a:2b:3c:4d:5e", true},
		{"  001a2b3c4d5e ", "00:1a:2b:3c:4d:5e", true},
		{"00:1a-2b:3c:4d:5e", "", false}, // mixed separators
		{"001a.2b3c.4d5e", "", false},
		{"00:1a:2b:3c:4d", "", false},
		{"00:1a:2b:3c:4d:5e:6f", "", false},
		{"00:1a:2b:3c:4d:5g", "", false},
		{"0:1a:2b:3c:4d:5e0", "", false},
		{"001a2b3c4d5", "", false},
		{"", "", false},
	} {
		got, ok := models.NormalizeMAC(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("NormalizeMAC(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
