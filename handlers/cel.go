package handlers

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"pbxws/models"
)

// CEL serves call_management/cel, the call event log (spec §4.6), read-only:
//   - searchid: the events whose id is greater than idbeg, in id order ([] when none, which
//     is what xivo-ws's cels.search_by_id expects);
//   - search (searchdb, and the default act): the events from dbeg to dend in eventtime order,
//     optionally of one context (dcontext) and with exact amaflags, accountcode and userfield;
//     each row also names its amaflags (amaflagsmeta). 204 when none.
//
// Both take limit, 1 to 5000 (5000 when absent).
func CEL(st *models.Stores) *Resource {
	search := func(ctx context.Context, r *Request) (Result, error) {
		f, err := celFilter(r, time.Now())
		if err != nil {
			return Result{}, err
		}
		evs, err := st.CEL.Search(ctx, f)
		if err != nil {
			return Result{}, err
		}
		if len(evs) == 0 {
			return NoContent(), nil
		}
		return Result{JSON: celList{evs, true}}, nil
	}
	return &Resource{DefaultAct: "search", Acts: map[string]Act{
		"search":   search,
		"searchdb": search,
		"searchid": func(ctx context.Context, r *Request) (Result, error) {
			errs := &models.ValidationError{}
			idbeg, err := strconv.ParseInt(r.Param("idbeg"), 10, 64)
			switch {
			case !r.HasParam("idbeg"):
				errs.Add("idbeg", "is required: the id after which events are returned")
			case err != nil || idbeg < 0:
				errs.Add("idbeg", "must be a whole number, 0 or more")
			}
			limit := celLimit(r, errs)
			if err := errs.OrNil(); err != nil {
				return Result{}, err
			}
			evs, err := st.CEL.After(ctx, idbeg, limit)
			if err != nil {
				return Result{}, err
			}
			return Result{JSON: celList{evs, false}}, nil // [] when none, never 204
		},
	}}
}

// amaFlags are Asterisk's AMA flag names by their number in the cel table.
var amaFlags = []string{"default", "omit", "billing", "documentation"}

// celList renders events without reflection or boxing (a search answers up to 5000 rows of
// 21 columns), keys in the sorted order the other answers use; meta adds amaflagsmeta.
type celList struct {
	evs  []models.CELEvent
	meta bool
}

// Len lets RenderJSON size its buffer.
func (l celList) Len() int { return len(l.evs) }

// AppendPHPJSON appends the events as json_encode would.
func (l celList) AppendPHPJSON(b []byte) []byte {
	b = append(b, '[')
	for i := range l.evs {
		e := &l.evs[i]
		if i > 0 {
			b = append(b, ',')
		}
		for k, f := range [...]struct{ key, val string }{
			{"accountcode", e.AccountCode}, {"amaflags", e.AMAFlags}, {"amaflagsmeta", ""}, {"appdata", e.AppData},
			{"appname", e.AppName}, {"channame", e.ChanName}, {"cid_ani", e.CIDANI}, {"cid_dnid", e.CIDDNID},
			{"cid_name", e.CIDName}, {"cid_num", e.CIDNum}, {"cid_rdnis", e.CIDRDNIS}, {"context", e.Context},
			{"eventtime", e.EventTime}, {"eventtype", e.EventType}, {"exten", e.Exten}, {"id", e.ID},
			{"linkedid", e.LinkedID}, {"peer", e.Peer}, {"peeraccount", e.PeerAccount}, {"uniqueid", e.UniqueID},
			{"userdeftype", e.UserDefType}, {"userfield", e.UserField},
		} {
			if f.key == "amaflagsmeta" {
				if !l.meta {
					continue
				}
				f.val = amaFlagName(e.AMAFlags)
			}
			if k == 0 {
				b = append(b, '{', '"')
			} else {
				b = append(b, ',', '"')
			}
			b = append(b, f.key...)
			b = append(b, '"', ':')
			b = appendPHPString(b, f.val)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

// amaFlagName names the numeric amaflags of a row (anything unknown is "default").
func amaFlagName(n string) string {
	if i, err := strconv.Atoi(n); err == nil && i >= 0 && i < len(amaFlags) {
		return amaFlags[i]
	}
	return amaFlags[0]
}

func celLimit(r *Request, errs *models.ValidationError) int {
	if !r.HasParam("limit") {
		return models.MaxCELRows
	}
	n, err := strconv.Atoi(r.Param("limit"))
	if err != nil || n < 1 || n > models.MaxCELRows {
		errs.Add("limit", fmt.Sprintf("must be a whole number from 1 to %d", models.MaxCELRows))
	}
	return n
}

// celFilter reads the date search's parameters; now is the present (dbeg may not be after it).
func celFilter(r *Request, now time.Time) (models.CELFilter, error) {
	errs := &models.ValidationError{}
	f := models.CELFilter{Limit: celLimit(r, errs)}
	const forms = "a date YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DD HH:MM:SS"
	if !r.HasParam("dbeg") || r.Param("dbeg") == "" {
		errs.Add("dbeg", "is required: "+forms)
	} else if from, _, ok := celPeriod(r.Param("dbeg")); !ok {
		errs.Add("dbeg", "must be "+forms)
	} else if from.After(now) {
		errs.Add("dbeg", "must not be in the future")
	} else {
		f.From = from
	}
	y, m, d := now.Date()
	f.To = time.Date(y, m, d+1, 0, 0, 0, 0, now.Location()) // the end of today
	if r.HasParam("dend") {
		if _, to, ok := celPeriod(r.Param("dend")); !ok {
			errs.Add("dend", "must be "+forms)
		} else if !f.From.IsZero() && !to.After(f.From) {
			errs.Add("dend", "must not be before dbeg")
		} else {
			f.To = to
		}
	}
	if c := r.Param("dcontext"); c != "" {
		if !models.ValidContextName(c) {
			errs.Add("dcontext", "must be a context name")
		}
		f.Context = c
	}
	if a := r.Param("amaflags"); a != "" {
		found := false
		for i, name := range amaFlags {
			if a == name {
				f.AMAFlags, found = &i, true
			}
		}
		if !found {
			errs.Add("amaflags", "must be one of default, omit, billing, documentation")
		}
	}
	for _, p := range []struct {
		name string
		max  int
		dst  *string
	}{{"accountcode", 20, &f.AccountCode}, {"userfield", 255, &f.UserField}} {
		if v := r.Param(p.name); len(v) > p.max {
			errs.Add(p.name, fmt.Sprintf("must be at most %d characters", p.max))
		} else {
			*p.dst = v
		}
	}
	return f, errs.OrNil()
}

var reCELDate = regexp.MustCompile(`^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2})(?: (\d{1,2}):(\d{2}):(\d{2}))?)?)?$`)

// celPeriod reads a date in one of the documented forms as the period it names: a year, a
// month, a day or a second, from its first instant to the first instant after it (local
// time, as Asterisk writes eventtime).
func celPeriod(s string) (from, to time.Time, ok bool) {
	m := reCELDate.FindStringSubmatch(s)
	if m == nil {
		return from, to, false
	}
	n := make([]int, 7)
	for i := 1; i <= 6; i++ {
		n[i], _ = strconv.Atoi(m[i])
	}
	year, month, day := n[1], n[2], n[3]
	if m[2] == "" {
		month = 1
	}
	if m[3] == "" {
		day = 1
	}
	from = time.Date(year, time.Month(month), day, n[4], n[5], n[6], 0, time.Local)
	// Refuse what time.Date would normalise (February 30th, month 13, 25:00:00).
	if from.Year() != year || int(from.Month()) != month || from.Day() != day || from.Hour() != n[4] ||
		from.Minute() != n[5] || from.Second() != n[6] {
		return from, to, false
	}
	switch {
	case m[4] != "":
		to = from.Add(time.Second)
	case m[3] != "":
		to = from.AddDate(0, 0, 1)
	case m[2] != "":
		to = from.AddDate(0, 1, 0)
	default:
		to = from.AddDate(1, 0, 0)
	}
	return from, to, true
}
