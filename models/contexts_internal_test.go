package models

import (
	"reflect"
	"testing"
)

func TestCheckRangesNamesFieldsByIndexWithinType(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ranges []ContextRange
		fields []string
	}{
		{"good", []ContextRange{{Type: "user", NumberBeg: "100", NumberEnd: "199"}, {Type: "meetme", NumberBeg: "0400"},
			{Type: "incall", NumberBeg: "6000", NumberEnd: "6099", DidLength: 4}, {Type: "incall", NumberBeg: "7000"}}, nil},
		{"second type counts from zero", []ContextRange{{Type: "user", NumberBeg: "100"}, {Type: "group", NumberBeg: "2a"}},
			[]string{"ranges.group[0].number_beg"}},
		{"negative and decimal are not digits", []ContextRange{{Type: "user", NumberBeg: "-5"}, {Type: "user", NumberBeg: "1", NumberEnd: "1.5"}},
			[]string{"ranges.user[0].number_beg", "ranges.user[1].number_end"}},
		{"numberbeg required", []ContextRange{{Type: "queue"}}, []string{"ranges.queue[0].number_beg"}},
		{"end below beg, as integers", []ContextRange{{Type: "user", NumberBeg: "100", NumberEnd: "99"}},
			[]string{"ranges.user[0].number_end"}},
		{"end compares as integer, not text", []ContextRange{{Type: "user", NumberBeg: "99", NumberEnd: "100"}}, nil},
		{"17 digits", []ContextRange{{Type: "user", NumberBeg: "12345678901234567"}}, []string{"ranges.user[0].number_beg"}},
		{"didlength 21 on incall", []ContextRange{{Type: "incall", NumberBeg: "1", DidLength: 21}}, []string{"ranges.incall[0].did_length"}},
		{"didlength ignored outside incall", []ContextRange{{Type: "user", NumberBeg: "1", DidLength: 99}}, nil},
	} {
		rs := append([]ContextRange(nil), tc.ranges...)
		ve := checkRanges(rs)
		var got []string
		for f := range ve.Fields {
			got = append(got, f)
		}
		if len(got) != len(tc.fields) {
			t.Errorf("%s: fields %v, want %v", tc.name, ve.Fields, tc.fields)
			continue
		}
		for _, f := range tc.fields {
			if _, ok := ve.Fields[f]; !ok {
				t.Errorf("%s: fields %v, want %v", tc.name, ve.Fields, tc.fields)
			}
		}
	}
	rs := []ContextRange{{Type: "user", NumberBeg: "1", DidLength: 7}}
	checkRanges(rs)
	if !reflect.DeepEqual(rs[0], ContextRange{Type: "user", NumberBeg: "1"}) {
		t.Errorf("didlength kept outside incall: %+v", rs[0])
	}
}
