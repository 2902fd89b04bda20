package models_test

import (
	"errors"
	"testing"
	"unicode/utf8"

	"pbxws/models"
)

func TestSkillRulesParseOrSayWhere(t *testing.T) {
	for _, tc := range []struct {
		rule string
		pos  int // 0: parses
	}{
		{"english > 50", 0},
		{"english", 0},
		{"WT < 60, english > 70", 0},
		{"english > 70 & french > 20 | german", 0},
		{"!(english < 10) & $level >= 3", 0},
		{"EPT <= 30 , ( a=1 | b!=2 ) & !c", 0},
		{"", 1},
		{"   ", 1},
		{"english >", 10},
		{"english >> 5", 10},
		{"> 5", 1},
		{"english > 5 &", 14},
		{"(english > 5", 13},
		{"english > 5)", 12},
		{"a, b, c", 5},
		{"english ; french", 9},
		{"$", 1},
		{"english != ", 12},
		{"é > 5", 1},
	} {
		err := models.ParseSkillRule(tc.rule)
		var re *models.SkillRuleError
		switch {
		case tc.pos == 0 && err != nil:
			t.Errorf("%q: %v, want it to parse", tc.rule, err)
		case tc.pos != 0 && (!errors.As(err, &re) || re.Pos != tc.pos):
			t.Errorf("%q: %v, want an error at position %d", tc.rule, err, tc.pos)
		}
	}
}

// The parser never panics, and an error points inside the rule (or just past its end).
func FuzzParseSkillRule(f *testing.F) {
	for _, s := range []string{"english > 50", "WT < 60, a & (b | !c)", "((((", "$x >= $y", "a,b,c", "!=", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rule string) {
		err := models.ParseSkillRule(rule)
		var re *models.SkillRuleError
		if err != nil && (!errors.As(err, &re) || re.Pos < 1 || re.Pos > utf8.RuneCountInString(rule)+1) {
			t.Fatalf("%q: %v", rule, err)
		}
	})
}
