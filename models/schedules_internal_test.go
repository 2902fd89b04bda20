package models

import "testing"

func TestScheduleTimeRangeRules(t *testing.T) {
	for _, tc := range []struct {
		hours string
		ok    bool
	}{
		{"08:00-12:00", true}, {"00:00-24:00", true}, {"23:30-23:59", true},
		{"12:00-08:00", false}, {"08:00-08:00", false}, {"08:00", false}, {"8:00-12:00", false},
		{"08:00-24:01", false}, {"24:00-24:00", false}, {"08:60-09:00", false}, {"08: 00-12: 00", false}, {"", false},
	} {
		if got := checkHours(tc.hours) == ""; got != tc.ok {
			t.Errorf("hours %q: ok %v, want %v (%s)", tc.hours, got, tc.ok, checkHours(tc.hours))
		}
	}
	for _, tc := range []struct {
		days   string
		lo, hi int
		ok     bool
	}{
		{"", 1, 7, true}, {"1-5", 1, 7, true}, {"1,3,5-7", 1, 7, true}, {"7", 1, 7, true},
		{"0", 1, 7, false}, {"1-8", 1, 7, false}, {"5-1", 1, 7, false}, {"1,,2", 1, 7, false},
		{"mon", 1, 7, false}, {"1-2-3", 1, 7, false}, {"-1", 1, 31, false}, {"99999999999999999999", 1, 31, false},
		{"25", 1, 31, true}, {"12", 1, 12, true}, {"13", 1, 12, false},
	} {
		if got := checkDays(tc.days, tc.lo, tc.hi) == ""; got != tc.ok {
			t.Errorf("days %q in %d-%d: ok %v, want %v", tc.days, tc.lo, tc.hi, got, tc.ok)
		}
	}
}
