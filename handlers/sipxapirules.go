package handlers

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"pbxws/models"
)

// The sipX dial-plan rules as far as gateways reach them (sipx-api.md §8.2, §15): a rule is a
// XiVO outcall, of sipX type Custom, its dial patterns the outcall's; the gateways of a
// rule are the SIP trunks the outcall routes through. Linking a gateway to a rule adds the
// trunk to the outcall's trunks (tried last), unlinking removes it, each one transaction.

var errRuleNotFound = &APIError{Status: http.StatusNotFound, Msg: "Rule not found"}

// sipxPattern is a XiVO dial pattern (its prefix, then its extension pattern) as sipX's
// prefix and digit count: the literal digits it starts with, then how many digits follow
// (-1: any number, for . and !).
func sipxPattern(dp models.DialPattern) (string, int) {
	p := dp.Prefix + strings.TrimPrefix(dp.Exten, "_")
	i := 0
	for i < len(p) && strings.IndexByte("0123456789*#+", p[i]) >= 0 {
		i++
	}
	prefix, digits := p[:i], 0
	for rest := p[i:]; rest != ""; {
		switch rest[0] {
		case '.', '!':
			return prefix, -1
		case '[':
			if j := strings.IndexByte(rest, ']'); j > 0 {
				rest = rest[j+1:]
				digits++
				continue
			}
		}
		rest = rest[1:]
		digits++
	}
	return prefix, digits
}

// callPatternOf is what the outcall dials out, from its first pattern: the digits it
// prepends, and all the dialled digits, those after the pattern's prefix, or none.
func callPatternOf(o *models.Outcall) any {
	if len(o.Patterns) == 0 {
		return nil
	}
	p := o.Patterns[0]
	prefix, _ := sipxPattern(p)
	digits := "digits"
	switch {
	case p.StripNum == 0:
	case p.StripNum >= len(p.Prefix+strings.TrimPrefix(p.Exten, "_")):
		digits = "nodigits"
	case p.StripNum >= len(prefix):
		digits = "vdigits"
	}
	// XiVO strips stripnum digits, then prepends externprefix.
	return APIObject{{Name: "prefix", Value: textOrNil(p.ExternPrefix)}, {Name: "callDigits", Value: digits}}
}

// ruleBean is an outcall as a sipX Custom dialing rule (DialingRuleBean's fields in order;
// those of the other rule types null, false or 0).
func ruleBean(o *models.Outcall) APIObject {
	patterns := make([]any, len(o.Patterns))
	for i, p := range o.Patterns {
		prefix, digits := sipxPattern(p)
		patterns[i] = APIObject{{Name: "prefix", Value: prefix}, {Name: "digits", Value: digits}}
	}
	return APIObject{
		{Name: "id", Value: o.ID}, {Name: "name", Value: o.Name}, {Name: "enabled", Value: !o.Commented},
		{Name: "type", Value: "Custom"}, {Name: "description", Value: textOrNil(o.Description)},
		{Name: "scheduleId"},
		{Name: "permissions", Value: APIObject{{Name: "names", Value: APIList{Item: "Name"}}}, XML: APIList{Item: "Name"}},
		{Name: "gatewayAware", Value: true}, {Name: "authorizationChecked", Value: false}, {Name: "internal", Value: false},
		{Name: "mediaServerHostname"}, {Name: "mediaServerType"},
		{Name: "dialPatterns", Value: APIObject{{Name: "patterns", Value: APIList{Item: "DialPatterns", Items: patterns}}},
			XML: APIList{Item: "DialPatterns", Items: patterns}},
		{Name: "callPattern", Value: callPatternOf(o)},
		{Name: "pstnPrefix"}, {Name: "pstnPrefixOptional", Value: false}, {Name: "longDistancePrefix"},
		{Name: "longDistancePrefixOptional", Value: false}, {Name: "areaCodes"}, {Name: "externalLen", Value: 0},
		{Name: "optionalPrefix"}, {Name: "emergencyNumber"}, {Name: "afterHoursAttendant"},
		{Name: "afterHoursAttendantEnabled", Value: false}, {Name: "holidayAttendant"}, {Name: "workingTimeAttendant"},
		{Name: "holidayAttendantPeriods"}, {Name: "workingTimeAttendantPeriods"}, {Name: "extension"},
		{Name: "attendantAliases"}, {Name: "did"}, {Name: "enableLiveAttendant", Value: false},
	}
}

// rulesDoc lists the outcalls keep accepts, by id.
func rulesDoc(ctx context.Context, st *models.Stores, keep func(o *models.Outcall) bool) (Result, error) {
	rows, err := st.Outcalls.List(ctx)
	if err != nil {
		return Result{}, err
	}
	items := []any{}
	for _, row := range rows {
		o, err := st.Outcalls.Get(ctx, row.ID)
		if errors.Is(err, models.ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return Result{}, err
		}
		if keep(o) {
			items = append(items, ruleBean(o))
		}
	}
	return Result{JSON: APIDoc{Root: "Rules", Key: "rules", Value: APIList{Item: "Rule", Items: items}}}, nil
}

func ruleID(r *Request) (int, error) {
	id, ok := ParseID(r.PathParams["ruleId"])
	if !ok {
		return 0, errRuleNotFound
	}
	return id, nil
}

func ruleErr(err error) error {
	if errors.Is(err, models.ErrNotFound) {
		return errRuleNotFound
	}
	return err
}

// gatewayRuleActs are the dial-plan links of a gateway: availablerules (the rules not
// routing through it), linkrule and unlinkrule (PUT and DELETE …/rules/{ruleId}).
func gatewayRuleActs(st *models.Stores, withGateway func(func(context.Context, *models.Gateway, *Request) (Result, error)) Act) map[string]Act {
	link := func(add bool) Act {
		return withGateway(func(ctx context.Context, g *models.Gateway, r *Request) (Result, error) {
			id, err := ruleID(r)
			if err != nil {
				return Result{}, err
			}
			trunk := g.Trunk.ID
			err = st.Outcalls.Edit(ctx, id, func(o *models.Outcall) (*models.Outcall, error) {
				at := slices.Index(o.Trunks, trunk)
				switch {
				case add && at < 0:
					o.Trunks = append(o.Trunks, trunk)
				case !add && at >= 0 && len(o.Trunks) == 1:
					return nil, &APIError{Status: http.StatusConflict, Msg: "rule " + o.Name +
						" routes only through this gateway: an outcall needs at least one trunk (link another gateway first, or delete the rule)"}
				case !add && at >= 0:
					o.Trunks = slices.Delete(o.Trunks, at, at+1)
				}
				o.Patterns = nil // kept as stored
				return o, nil
			})
			return Result{}, renameFields(ruleErr(err), func(f string) string {
				if strings.HasPrefix(f, "trunks") {
					return "gateways"
				}
				return f
			})
		})
	}
	return map[string]Act{
		"availablerules": withGateway(func(ctx context.Context, g *models.Gateway, r *Request) (Result, error) {
			return rulesDoc(ctx, st, func(o *models.Outcall) bool { return !slices.Contains(o.Trunks, g.Trunk.ID) })
		}),
		"linkrule":   link(true),
		"unlinkrule": link(false),
	}
}

// APIRules is /api/rules and /api/rules/{ruleId} (sipXconfig's DialPlanApi) over the
// outcalls: read, and deleted. PathParams: "ruleId".
func APIRules(st *models.Stores) *Resource {
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, r *Request) (Result, error) {
			if _, one := r.PathParams["ruleId"]; !one {
				return rulesDoc(ctx, st, func(*models.Outcall) bool { return true })
			}
			id, err := ruleID(r)
			if err != nil {
				return Result{}, err
			}
			o, err := st.Outcalls.Get(ctx, id)
			if err != nil {
				return Result{}, ruleErr(err)
			}
			return Result{JSON: APIDoc{Root: "Rule", Value: ruleBean(o)}}, nil
		},
		"delete": func(ctx context.Context, r *Request) (Result, error) {
			id, err := ruleID(r)
			if err != nil {
				return Result{}, err
			}
			return Result{}, ruleErr(st.Outcalls.Delete(ctx, id))
		},
		// raw: the kinds of rule pbxws makes (sipX's rule factory's bean ids).
		"raw": func(ctx context.Context, r *Request) (Result, error) {
			return Result{JSON: APIDoc{Root: "Names", Key: "names", Value: APIList{Item: "Name", Items: []any{"defaultCustomRule"}}}}, nil
		},
		// add makes an outcall in the outgoing context through the gateways the body lists.
		"add": func(ctx context.Context, r *Request) (Result, error) {
			in, err := decodeRuleBody(r)
			if err != nil {
				return Result{}, err
			}
			if in.name == nil || *in.name == "" {
				return Result{}, models.Invalid("name", "is required")
			}
			if len(in.gateways) == 0 {
				return Result{}, models.Invalid("gateways", "is required: the ids of the gateways the rule dials through (a XiVO outcall has at least one trunk)")
			}
			if err := checkRuleGateways(ctx, st, in.gateways); err != nil {
				return Result{}, err
			}
			c, err := st.Outcalls.OutgoingContext(ctx)
			if err != nil {
				return Result{}, err
			}
			o := &models.Outcall{Context: c, Patterns: []models.DialPattern{}}
			if in.call == nil {
				in.call = &sipxCallPattern{digits: "digits"}
			}
			applyRule(in, o)
			if err := st.Outcalls.Create(ctx, o); err != nil {
				return Result{}, ruleFields(err)
			}
			return ruleIDText(o.ID), nil
		},
		"edit": func(ctx context.Context, r *Request) (Result, error) {
			id, err := ruleID(r)
			if err != nil {
				return Result{}, err
			}
			in, err := decodeRuleBody(r)
			if err != nil {
				return Result{}, err
			}
			if in.name != nil && *in.name == "" {
				return Result{}, models.Invalid("name", "is required")
			}
			if err := checkRuleGateways(ctx, st, in.gateways); err != nil {
				return Result{}, err
			}
			err = st.Outcalls.Edit(ctx, id, func(o *models.Outcall) (*models.Outcall, error) {
				applyRule(in, o)
				return o, nil
			})
			if err != nil {
				return Result{}, ruleFields(err)
			}
			return ruleIDText(id), nil
		},
	}}
}

func ruleIDText(id int) Result {
	return Result{JSON: idDoc(id), Header: http.Header{"Location": {"/sipxconfig/api/rules/" + strconv.Itoa(id)}}}
}

// ruleInput is a decoded rule body (DialingRuleBean, type Custom, plus pbxws's "gateways":
// the ids of the gateways the outcall routes through, in order); nil parts were absent.
type ruleInput struct {
	name, description *string
	enabled           *bool
	patterns          []sipxDialPattern
	hasPatterns       bool
	call              *sipxCallPattern
	gateways          []int
	hasGateways       bool
}

type sipxDialPattern struct {
	prefix string
	digits int
}

type sipxCallPattern struct {
	prefix string
	digits string // digits, vdigits, nodigits
}

func decodeRuleBody(r *Request) (*ruleInput, error) {
	body, err := r.decoded()
	if err != nil {
		return nil, err
	}
	body = unwrap(body, "Rule", "rule")
	errs := &models.ValidationError{}
	f := fields{m: body, errs: errs}
	in := &ruleInput{}
	var s string
	if f.strTrim("name", &s) {
		in.name = &s
	}
	if _, ok := body["description"]; ok {
		var d *string
		f.optText("description", &d)
		empty := ""
		if d == nil {
			d = &empty
		}
		in.description = d
	}
	var b bool
	if f.boolean("enabled", &b) {
		in.enabled = &b
	}
	var typ string
	if f.strTrim("type", &typ) && typ != "Custom" {
		f.fail("type", "must be Custom: pbxws's rules are XiVO outcalls")
	}
	var sched string
	if f.strTrim("scheduleId", &sched) && sched != "" {
		f.fail("scheduleId", "must be null: XiVO outcalls have no schedule")
	}
	if m, ok := f.object("permissions"); ok {
		if names, _ := sipxItems(m["names"], "Name"); len(names) > 0 || m["Name"] != nil {
			f.fail("permissions", "must be empty: XiVO outcalls check no permission")
		}
	}
	if m, ok := f.object("dialPatterns"); ok {
		in.hasPatterns = true
		v, has := m["patterns"]
		if !has {
			v = m
		}
		items, ok := sipxItems(v, "DialPatterns")
		if !ok {
			f.fail("dialPatterns.patterns", "must be a list of {prefix, digits}")
		}
		for i, it := range items {
			pm, ok := it.(map[string]any)
			key := "dialPatterns.patterns[" + strconv.Itoa(i) + "]"
			if !ok {
				errs.Add(key, "must be an object {prefix, digits}")
				continue
			}
			pf := fields{m: pm, prefix: key + ".", errs: errs}
			p := sipxDialPattern{}
			pf.strTrim("prefix", &p.prefix)
			pf.integer("digits", &p.digits)
			switch {
			case len(p.prefix) > 32 || strings.Trim(p.prefix, "0123456789*#+") != "":
				pf.fail("prefix", "must be at most 32 of 0-9 * # +")
			case p.digits < -1 || p.digits > 32:
				pf.fail("digits", "must be -1 (any number) to 32")
			case p.prefix == "" && p.digits == 0:
				errs.Add(key, "needs a prefix or digits")
			}
			in.patterns = append(in.patterns, p)
		}
	}
	if m, ok := f.object("callPattern"); ok {
		cf := f.sub("callPattern", m)
		c := &sipxCallPattern{digits: "digits"}
		cf.strTrim("prefix", &c.prefix)
		if strings.Trim(c.prefix, "0123456789*#+") != "" || len(c.prefix) > 20 {
			cf.fail("prefix", "must be at most 20 of 0-9 * # +")
		}
		if cf.strTrim("callDigits", &c.digits) && c.digits != "digits" && c.digits != "vdigits" && c.digits != "nodigits" {
			cf.fail("callDigits", "must be digits, vdigits or nodigits")
		}
		in.call = c
	}
	if v, ok := body["gateways"]; ok && v != nil {
		in.hasGateways = true
		items, ok := sipxItems(v, "id")
		if !ok {
			f.fail("gateways", "must be a list of gateway ids")
		}
		for i, it := range items {
			id, ok := intOf(it)
			if !ok {
				errs.Add("gateways["+strconv.Itoa(i)+"]", "must be a gateway id")
				continue
			}
			in.gateways = append(in.gateways, id)
		}
	}
	return in, errs.OrNil()
}

// stripFor is how many digits XiVO strips for a call pattern of a sipX pattern.
func stripFor(c *sipxCallPattern, p sipxDialPattern) int {
	switch c.digits {
	case "vdigits":
		return len(p.prefix)
	case "nodigits":
		if p.digits < 0 {
			return 20 // all of them, as far as XiVO strips
		}
		return min(20, len(p.prefix)+p.digits)
	}
	return 0
}

// applyRule merges a rule body onto an outcall: dial patterns given replace the outcall's,
// a call pattern given rewrites what every pattern strips and prepends.
func applyRule(in *ruleInput, o *models.Outcall) {
	if in.name != nil {
		o.Name = *in.name
	}
	if in.description != nil {
		o.Description = *in.description
	}
	if in.enabled != nil {
		o.Commented = !*in.enabled
	}
	call := in.call
	if call == nil && in.hasPatterns && len(o.Patterns) > 0 {
		p := o.Patterns[0]
		call = &sipxCallPattern{prefix: p.ExternPrefix, digits: "digits"}
		if cp, ok := callPatternOf(o).(APIObject); ok {
			call.digits = cp[1].Value.(string)
		}
	}
	if in.hasPatterns {
		o.Patterns = make([]models.DialPattern, len(in.patterns))
		for i, p := range in.patterns {
			exten := "_" + p.prefix + strings.Repeat("X", max(p.digits, 0))
			if p.digits < 0 {
				exten += "."
			}
			o.Patterns[i] = models.DialPattern{Exten: exten}
		}
	}
	if call != nil {
		for i := range o.Patterns {
			prefix, digits := sipxPattern(o.Patterns[i])
			o.Patterns[i].ExternPrefix = call.prefix
			o.Patterns[i].StripNum = stripFor(call, sipxDialPattern{prefix: prefix, digits: digits})
		}
	}
	if in.hasGateways {
		o.Trunks = in.gateways
	}
	if !in.hasPatterns && call == nil {
		o.Patterns = nil // kept as stored, ids included
	}
}

// ruleFields names an outcall's refusals in rule terms.
func ruleFields(err error) error {
	return renameFields(ruleErr(err), func(f string) string {
		switch {
		case f == "outcall.name":
			return "name"
		case f == "outcall.description":
			return "description"
		case f == "outcall.context":
			return "context"
		case strings.HasPrefix(f, "trunks"):
			return "gateways" + strings.TrimPrefix(f, "trunks")
		case strings.HasPrefix(f, "patterns"):
			if i := strings.IndexByte(f, ']'); i > 0 {
				return "dialPatterns.patterns" + strings.TrimPrefix(f[:i+1], "patterns")
			}
			return "dialPatterns"
		}
		return f
	})
}

// checkRuleGateways refuses gateway ids that are no gateways (an IAX or custom trunk, none).
func checkRuleGateways(ctx context.Context, st *models.Stores, ids []int) error {
	errs := &models.ValidationError{}
	for i, id := range ids {
		if _, err := st.Gateways.Get(ctx, id); errors.Is(err, models.ErrNotFound) {
			errs.Add("gateways["+strconv.Itoa(i)+"]", "there is no gateway "+strconv.Itoa(id))
		} else if err != nil {
			return err
		}
	}
	return errs.OrNil()
}
