package handlers

import (
	"context"
	"errors"
	"net/http"
	"slices"
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
	return APIObject{{Name: "prefix", Value: nonEmptyOrNil(p.ExternPrefix)}, {Name: "callDigits", Value: digits}}
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
		{Name: "type", Value: "Custom"}, {Name: "description", Value: nonEmptyOrNil(o.Description)},
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
	}}
}
