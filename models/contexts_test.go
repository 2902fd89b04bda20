package models_test

import (
	"context"
	"testing"

	"pbxws/models"
	"pbxws/tests/testenv"
)

// TestNumberInRangeComparesDigitStringsAsIntegers pins what the lines and users stores rely
// on: bounds compare as integers, leading zeros count through the length, an open-ended
// range is its single number, and only ranges of the asked kind and context count.
func TestNumberInRangeComparesDigitStringsAsIntegers(t *testing.T) {
	env := testenv.Start(t)
	st := models.NewStores(env.DB, "pbxws")
	ctx := context.Background()
	for _, c := range []*models.ContextComposite{
		{Context: models.Context{Name: "other", DisplayName: "Other", EntityName: "default", ContextType: "internal"},
			Ranges: []models.ContextRange{{Type: "user", NumberBeg: "5000", NumberEnd: "5999"}}},
		{Context: models.Context{Name: "default", DisplayName: "Default", EntityName: "default", ContextType: "internal"},
			Ranges: []models.ContextRange{
				{Type: "user", NumberBeg: "100", NumberEnd: "199"},
				{Type: "user", NumberBeg: "0100", NumberEnd: "0199"},
				{Type: "user", NumberBeg: "900", NumberEnd: "1100"},
				{Type: "user", NumberBeg: "4000"},
				{Type: "group", NumberBeg: "200", NumberEnd: "299"},
				{Type: "incall", NumberBeg: "6000", NumberEnd: "6099", DidLength: 4},
			}},
	} {
		if err := st.Contexts.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		context, kind, number string
		want                  bool
	}{
		{"default", "user", "100", true},
		{"default", "user", "150", true},
		{"default", "user", "199", true},
		{"default", "user", "200", false},
		{"default", "user", "99", false},
		{"default", "user", "0150", true},   // inside 0100-0199
		{"default", "user", "00150", false}, // longer than both bounds
		{"default", "user", "950", true},    // 900-1100, 3 digits
		{"default", "user", "1050", true},   // 900-1100, 4 digits
		{"default", "user", "4000", true},   // open-ended: the single number
		{"default", "user", "4001", false},
		{"default", "user", "04000", false},
		{"default", "user", "1a0", false},
		{"default", "user", "", false},
		{"default", "user", "250", false}, // a group number, not a user one
		{"default", "group", "250", true},
		{"default", "incall", "6050", true},
		{"default", "queue", "150", false}, // no queue range
		{"default", "user", "5500", false}, // another context's range
		{"other", "user", "5500", true},
		{"nowhere", "user", "150", false},
		{"default", "user", "99999999999999999999", false}, // beyond int64: compared, not overflowed
	} {
		got, err := st.Contexts.NumberInRange(ctx, env.DB, tc.context, tc.kind, tc.number)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("NumberInRange(%q, %q, %q) = %v, want %v", tc.context, tc.kind, tc.number, got, tc.want)
		}
	}
}
