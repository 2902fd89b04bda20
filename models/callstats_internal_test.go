package models

import (
	"strings"
	"testing"
	"time"
)

func TestStatconfPeriodsRefuseInvertedAndOverlappingOnes(t *testing.T) {
	for _, tc := range []struct {
		periods [5]string
		field   string // "" when valid
		rule    string
	}{
		{[5]string{"0-10", "10-20", "20-30", "30-40", "40"}, "", ""},
		{[5]string{"0-10", "", "20-30"}, "", ""}, // a gap, an unused period
		{[5]string{"0-10", "30-20"}, "statconf.period2", "inverted"},
		{[5]string{"10-10"}, "statconf.period1", "inverted"},
		{[5]string{"0-10", "5-20"}, "statconf.period2", "overlaps period1"},
		{[5]string{"0-10", "15", "20-30"}, "statconf.period3", "overlaps period2"},
		{[5]string{"0-10", "10-"}, "", ""},
		{[5]string{"", "0-10"}, "statconf.period1", "required"},
		{[5]string{"0-x"}, "statconf.period1", "waiting-time period"},
	} {
		c := Statconf{Period1: tc.periods[0], Period2: tc.periods[1], Period3: tc.periods[2], Period4: tc.periods[3], Period5: tc.periods[4]}
		ps, ve := c.periods()
		if tc.field == "" {
			if len(ve.Fields) != 0 {
				t.Errorf("%v: %v", tc.periods, ve)
			}
			continue
		}
		if !strings.Contains(ve.Fields[tc.field], tc.rule) {
			t.Errorf("%v: %v (periods %v), want %s: …%s…", tc.periods, ve.Fields, ps, tc.field, tc.rule)
		}
	}
	ps := (&Statconf{Period1: "0-10", Period2: "10-20", Period5: "40"}).Periods()
	if len(ps) != 3 || !ps[0].Contains(0) || ps[0].Contains(10) || !ps[1].Contains(10) || !ps[2].Contains(4000) || ps[2].Contains(39) {
		t.Fatalf("periods %v", ps)
	}
}

func TestClockMinutes(t *testing.T) {
	for s, want := range map[string]int{"00:00": 0, "7:30": 450, "17:45": 1065, "24:00": 1440} {
		if got, ok := ClockMinutes(s); !ok || got != want {
			t.Errorf("%s: %d %v", s, got, ok)
		}
	}
	for _, s := range []string{"24:01", "25:00", "07:60", "0800", "8", ""} {
		if _, ok := ClockMinutes(s); ok {
			t.Errorf("%s accepted", s)
		}
	}
}

// Working periods follow the zone's clock: the day summer time begins has 23 hours.
func TestStatsWindowIntervalsAcrossSummerTime(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	all := map[time.Weekday]bool{}
	for d := time.Sunday; d <= time.Saturday; d++ {
		all[d] = true
	}
	day := time.Date(2026, 3, 29, 0, 0, 0, 0, paris) // a Sunday, 02:00 → 03:00
	w := StatsWindow{Beg: day, End: day.AddDate(0, 0, 1), Loc: paris, StartMin: 0, EndMin: 1440, Days: all, Unit: "hour"}
	ivs := w.Intervals()
	var total time.Duration
	for _, iv := range ivs {
		total += iv.End.Sub(iv.Beg)
	}
	if len(ivs) != 23 || total != 23*time.Hour || ivs[2].Bucket != "2026032903" {
		t.Fatalf("%d intervals, %s, third %v", len(ivs), total, ivs[2])
	}
	// March 2026, Monday to Friday, 08:30-18:00 by day: 22 days of 9.5 hours.
	weekdays := map[time.Weekday]bool{time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true, time.Friday: true}
	m := time.Date(2026, 3, 1, 0, 0, 0, 0, paris)
	w = StatsWindow{Beg: m, End: m.AddDate(0, 1, 0), Loc: paris, StartMin: 510, EndMin: 1080, Days: weekdays, Unit: "day"}
	ivs = w.Intervals()
	if len(ivs) != 22 || ivs[0].Bucket != "2026030200" || ivs[0].End.Sub(ivs[0].Beg) != 570*time.Minute ||
		ivs[0].Beg.Hour() != 8 || ivs[0].Beg.Minute() != 30 {
		t.Fatalf("%d intervals, first %v", len(ivs), ivs[0])
	}
	// A session from 07:00 to 09:00 on Monday 2 March counts 30 minutes.
	var got time.Duration
	spread(ivs, time.Date(2026, 3, 2, 7, 0, 0, 0, paris), time.Date(2026, 3, 2, 9, 0, 0, 0, paris), func(b string, d time.Duration) {
		if b != "2026030200" {
			t.Errorf("bucket %s", b)
		}
		got += d
	})
	if got != 30*time.Minute {
		t.Fatalf("spread %s", got)
	}
}
