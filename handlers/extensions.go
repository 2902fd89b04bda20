package handlers

import (
	"context"
	"encoding/json"
	"math/big"
	"strings"

	"pbxws/models"
)

// maxFreeExtensions bounds one answer, and maxScanned the numbers looked at for it: a range of
// a few digits is a few thousand numbers, and nobody picks a number out of more than this.
const (
	maxFreeExtensions = 100_000
	maxScanned        = 1_000_000
)

// Extensions serves system_management/extensions (spec §4.11 and its fix 29): the numbers of
// a context's ranges for one object type (obj) that no object of the context uses yet,
// optionally containing number. Numbers are worked on as text, so leading zeros are kept: the
// answer is an array of integers, as XiVO gave, unless a range has leading zeros, then of
// strings.
func Extensions(st *models.Stores) *Resource {
	return &Resource{DefaultAct: "search", Acts: map[string]Act{
		"search": func(ctx context.Context, r *Request) (Result, error) {
			errs := &models.ValidationError{}
			name, obj, part := r.Param("context"), r.Param("obj"), r.Param("number")
			if name == "" {
				errs.Add("context", "is required: a context name")
			}
			switch obj {
			case "", "user", "group", "queue", "meetme", "incall":
			default:
				errs.Add("obj", "must be one of user, group, queue, meetme, incall")
			}
			if part != "" && strings.Trim(part, "0123456789") != "" {
				errs.Add("number", "must be digits")
			}
			if err := errs.OrNil(); err != nil {
				return Result{}, err
			}
			c, err := st.Contexts.Get(ctx, name)
			if err != nil {
				return Result{}, err // ErrNotFound: 404
			}
			var ranges []models.ContextRange
			for _, rg := range c.Ranges {
				if rg.Type == obj {
					ranges = append(ranges, rg)
				}
			}
			if obj == "" || len(ranges) == 0 {
				return NoContent(), nil
			}
			used, err := st.Contexts.UsedNumbers(ctx, name)
			if err != nil {
				return Result{}, err
			}
			free, zeros := freeNumbers(ranges, used, part)
			if zeros {
				return Result{JSON: free}, nil
			}
			out := make([]json.Number, len(free))
			for i, n := range free {
				out[i] = json.Number(n)
			}
			return Result{JSON: out}, nil
		},
	}}
}

// freeNumbers expands the ranges (numberbeg..numberend, or numberbeg alone), in order and
// without repeats, keeping the numbers that contain part and are not used; zeros reports
// whether a range has leading zeros.
func freeNumbers(ranges []models.ContextRange, used map[string]bool, part string) (free []string, zeros bool) {
	seen := map[string]bool{}
	scanned := 0
	for _, rg := range ranges {
		beg, end := rg.NumberBeg, rg.NumberEnd
		if end == "" {
			end = beg
		}
		if (len(beg) > 1 && beg[0] == '0') || (len(end) > 1 && end[0] == '0') {
			zeros = true
		}
		var n, last big.Int
		if _, ok := n.SetString(beg, 10); !ok {
			continue
		}
		if _, ok := last.SetString(end, 10); !ok {
			continue
		}
		width := len(beg)
		one := big.NewInt(1)
		for ; n.Cmp(&last) <= 0 && len(free) < maxFreeExtensions && scanned < maxScanned; n.Add(&n, one) {
			scanned++
			s := n.String()
			if len(s) < width {
				s = strings.Repeat("0", width-len(s)) + s
			}
			if seen[s] || used[s] || (part != "" && !strings.Contains(s, part)) {
				continue
			}
			seen[s] = true
			free = append(free, s)
		}
	}
	return free, zeros
}
