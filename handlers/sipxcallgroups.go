package handlers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"pbxws/models"
)

// The sipX /api/callgroups resources (sipx-api.md §9) over the XiVO ring groups: a call
// group is a ring group addressed by its number; its ring beans are the group's user
// members in order, with how long each rings, whether it rings, and whether it rings with
// the member before it or after it. XiVO's ringall strategy is "every ring after the first
// at the same time", linear "each after the previous".

const (
	ringAfter    = "If no response"
	ringTogether = "At the same time"
)

var (
	reFallbackNumber = regexp.MustCompile(`^[0-9*#+]{1,40}$`)
	reFallbackURI    = regexp.MustCompile(`^(sips?:)?[^\s@<>"]+@[^\s@<>"]+$`)
)

// apiCallGroupNames are the sipX names of the canonical fields a refusal names.
var apiCallGroupNames = strings.NewReplacer("group.number", "extension", "group.name", "name", "group.did", "did",
	"group.context", "context", "group.description", "description", "group.fallback_uri", "fallbackDestination",
	"dial_actions.noanswer", "fallbackDestination", "rings[", "ringBeans[", "members[", "ringBeans[")

// apiCallGroupErr names a refusal's fields as sipX does, and maps an object still in use
// to 409.
func apiCallGroupErr(err error) error {
	var ve *models.ValidationError
	var ce *models.ConflictError
	var ie *models.InUseError
	switch {
	case errors.As(err, &ve):
		out := &models.ValidationError{}
		for f, rule := range ve.Fields {
			out.Add(apiCallGroupNames.Replace(f), rule)
		}
		return out
	case errors.As(err, &ce):
		return &APIError{Status: http.StatusConflict, Msg: apiCallGroupNames.Replace(ce.Msg)}
	case errors.As(err, &ie):
		return &APIError{Status: http.StatusConflict, Msg: ie.Msg}
	}
	return err
}

// callGroupMember is what a bean shows of a member user.
type callGroupMember struct {
	name    string
	numbers []string // the user's line numbers
}

// callGroupBean is a group as §9.1 shows it.
func callGroupBean(c *models.GroupComposite, members map[int]callGroupMember) APIObject {
	g := &c.Group
	rings := make([]any, len(c.Rings))
	for i, r := range c.Rings {
		var typ any
		switch {
		case i == 0:
		case g.Strategy == "ringall" || r.Together:
			typ = ringTogether
		default:
			typ = ringAfter
		}
		rings[i] = APIObject{{Name: "typeStr", Value: typ}, {Name: "userName", Value: members[r.UserID].name},
			{Name: "enabled", Value: r.Enabled}, {Name: "expiration", Value: r.Expiration}}
	}
	var desc, did, fallback any
	if g.Description != "" {
		desc = g.Description
	}
	if g.DID != "" {
		did = g.DID
	}
	if n := fallbackNumber(c.DialActions); n != "" {
		fallback = n
	} else if g.FallbackURI != "" {
		fallback = g.FallbackURI
	}
	return APIObject{
		{Name: "name", Value: g.Name}, {Name: "extension", Value: g.Number}, {Name: "description", Value: desc},
		{Name: "enabled", Value: !g.Commented}, {Name: "did", Value: did},
		{Name: "ringBeans", Value: APIList{Item: "ringBeans", Items: rings}, XML: APIRepeated(rings)},
		{Name: "fallbackDestination", Value: fallback}, {Name: "voicemailFallback", Value: g.VoicemailFallback},
		{Name: "userForward", Value: g.UserForward}, {Name: "useFwdTimers", Value: g.UseFwdTimers},
	}
}

// fallbackNumber is the number of the noanswer dial action of type extension, if any.
func fallbackNumber(das []models.DialAction) string {
	for _, d := range das {
		if d.Event == "noanswer" && d.ActionType == "extension" && d.ActionArg1 != nil {
			return *d.ActionArg1
		}
	}
	return ""
}

// callGroupInput is what a POST or PUT body says; nil parts were absent.
type callGroupInput struct {
	name, extension, description, did, fallback *string
	enabled, voicemailFallback, userForward     *bool
	useFwdTimers                                *bool
	rings                                       []apiRing
	hasRings                                    bool
}

type apiRing struct {
	userName   string
	enabled    bool
	expiration int
	typ        string // "", ringAfter or ringTogether
}

// optString reads a string that may be null (null and "" are both "none").
func optString(f fields, key string) *string {
	v, ok := f.m[key]
	if !ok {
		return nil
	}
	s := ""
	if v != nil {
		f.strTrim(key, &s)
	}
	return &s
}

func optBool(f fields, key string) *bool {
	var b bool
	if f.boolean(key, &b) {
		return &b
	}
	return nil
}

func decodeCallGroupBody(r *Request) (*callGroupInput, error) {
	body, err := r.decoded()
	if err != nil {
		return nil, err
	}
	body = unwrap(body, "CallGroup", "callGroup")
	errs := &models.ValidationError{}
	f := fields{m: body, errs: errs}
	in := &callGroupInput{name: optString(f, "name"), extension: optString(f, "extension"),
		description: optString(f, "description"), did: optString(f, "did"), fallback: optString(f, "fallbackDestination"),
		enabled: optBool(f, "enabled"), voicemailFallback: optBool(f, "voicemailFallback"),
		userForward: optBool(f, "userForward"), useFwdTimers: optBool(f, "useFwdTimers")}
	if v, ok := body["ringBeans"]; ok && v != nil {
		in.hasRings = true
		var items []any
		switch t := v.(type) {
		case []any:
			items = t
		case map[string]any:
			items = []any{t}
		case string:
			if strings.TrimSpace(t) != "" {
				errs.Add("ringBeans", "must be a list of ring beans")
			}
		default:
			errs.Add("ringBeans", "must be a list of ring beans")
		}
		for i, it := range items {
			m, ok := it.(map[string]any)
			prefix := fmt.Sprintf("ringBeans[%d].", i)
			if !ok {
				errs.Add(strings.TrimSuffix(prefix, "."), "must be an object")
				continue
			}
			rf := fields{m: m, prefix: prefix, errs: errs}
			ring := apiRing{enabled: true, expiration: models.DefaultRingExpiration}
			if !rf.strTrim("userName", &ring.userName) || ring.userName == "" {
				rf.fail("userName", "is required")
			}
			rf.boolean("enabled", &ring.enabled)
			if rf.integer("expiration", &ring.expiration) && (ring.expiration < 1 || ring.expiration > 300) {
				rf.fail("expiration", "must be 1-300 seconds")
			}
			if rf.strTrim("typeStr", &ring.typ) && ring.typ != ringAfter && ring.typ != ringTogether {
				rf.fail("typeStr", `must be "If no response" or "At the same time"`)
			}
			in.rings = append(in.rings, ring)
		}
	}
	if in.extension != nil && *in.extension != "" && !reDigitsOnly.MatchString(*in.extension) {
		errs.Add("extension", "must contain only digits")
	}
	if in.fallback != nil && *in.fallback != "" && !reFallbackNumber.MatchString(*in.fallback) && !reFallbackURI.MatchString(*in.fallback) {
		errs.Add("fallbackDestination", "must be a number or a SIP URI (user@host)")
	}
	return in, errs.OrNil()
}

var reDigitsOnly = regexp.MustCompile(`^[0-9]+$`)

// apply writes the body onto c (a stored group, or a new one). rings are resolved to users.
func (in *callGroupInput) apply(c *models.GroupComposite, users func(string) (int, bool, error)) error {
	g := &c.Group
	if in.name != nil {
		if *in.name == "" {
			return models.Invalid("name", "is required")
		}
		g.Name = *in.name
	}
	if in.extension != nil {
		if *in.extension == "" {
			return models.Invalid("extension", "is required")
		}
		g.Number = *in.extension
	}
	if in.description != nil {
		g.Description = *in.description
	}
	if in.did != nil {
		g.DID = *in.did
	}
	if in.enabled != nil {
		g.Commented = !*in.enabled
	}
	for dst, v := range map[*bool]*bool{&g.VoicemailFallback: in.voicemailFallback, &g.UserForward: in.userForward, &g.UseFwdTimers: in.useFwdTimers} {
		if v != nil {
			*dst = *v
		}
	}
	if in.fallback != nil {
		// A number is XiVO's noanswer to that extension; anything else is sipX's alone.
		das := slices.DeleteFunc(slices.Clone(c.DialActions), func(d models.DialAction) bool {
			return d.Event == "noanswer" && (d.ActionType == "extension" || *in.fallback != "")
		})
		g.FallbackURI = ""
		switch fb := *in.fallback; {
		case fb == "":
		case reFallbackNumber.MatchString(fb):
			das = append(das, models.DialAction{Event: "noanswer", ActionType: "extension", Action: "extension",
				ActionArg1: &fb, ActionArg2: &g.Context})
		default:
			g.FallbackURI = fb
		}
		c.DialActions = das
	}
	if in.hasRings {
		errs := &models.ValidationError{}
		rings := make([]models.GroupRing, len(in.rings))
		together := len(in.rings) > 1
		for i, r := range in.rings {
			id, ok, err := users(r.userName)
			if err != nil {
				return err
			}
			if !ok {
				errs.Add(fmt.Sprintf("ringBeans[%d].userName", i), "User not found: "+r.userName)
			}
			rings[i] = models.GroupRing{UserID: id, Expiration: r.expiration, Enabled: r.enabled, Together: r.typ == ringTogether}
			if i > 0 && r.typ != ringTogether {
				together = false
			}
		}
		if err := errs.OrNil(); err != nil {
			return err
		}
		if len(rings) > 0 && in.rings[0].typ == "" {
			rings[0].Together = together // the first rings with nobody: it takes the group's way
		}
		c.Rings = rings
		if len(rings) > 1 {
			g.Strategy = "linear"
			if together {
				g.Strategy = "ringall"
			}
		}
		g.Timeout = ringTime(rings)
	}
	return nil
}

// ringTime is how long the rings last: each step (a ring and those at the same time as it)
// lasts as long as its longest enabled ring.
func ringTime(rings []models.GroupRing) int {
	total, step := 0, 0
	for i, r := range rings {
		if i > 0 && !r.Together {
			total, step = total+step, 0
		}
		if r.Enabled {
			step = max(step, r.Expiration)
		}
	}
	return total + step
}

// rotateAfter turns the ring order k+1…n, 1…k around the ring at k; the new first rings
// with nobody.
func rotateAfter(rings []models.GroupRing, k int) []models.GroupRing {
	return append(slices.Clone(rings[k+1:]), rings[:k+1]...)
}

// rotateGroup sets c's rings to stored's rotated around the ring at k; a group ringing as
// long as its rings (sipX's) then rings as long as the new order does.
func rotateGroup(c, stored *models.GroupComposite, k int) {
	c.Rings = rotateAfter(stored.Rings, k)
	if stored.Group.Timeout == ringTime(stored.Rings) {
		c.Group.Timeout = ringTime(c.Rings)
	}
}

// APICallGroups is /api/callgroups and below (§9.2). PathParams: "ext" a group, "prefix"
// a prefix, "newExt" a duplicate's number, "ringExt" a member; act "rotateAll" the job.
func APICallGroups(st *models.Stores) *Resource {
	s := st.Groups
	members := func(ctx context.Context, cs ...*models.GroupComposite) (map[int]callGroupMember, error) {
		out := map[int]callGroupMember{}
		for _, c := range cs {
			for _, r := range c.Rings {
				if _, ok := out[r.UserID]; ok {
					continue
				}
				u, err := st.Users.View(ctx, r.UserID)
				if errors.Is(err, models.ErrNotFound) {
					continue
				}
				if err != nil {
					return nil, err
				}
				m := callGroupMember{name: sipxUserName(u)}
				for _, l := range u.Lines {
					if l.Number != "" {
						m.numbers = append(m.numbers, l.Number)
					}
				}
				out[r.UserID] = m
			}
		}
		return out, nil
	}
	users := func(ctx context.Context) func(string) (int, bool, error) {
		return func(name string) (int, bool, error) {
			id, err := st.Users.UserIDByName(ctx, name)
			if errors.Is(err, models.ErrNotFound) {
				return 0, false, nil
			}
			return id, err == nil, err
		}
	}
	find := func(ctx context.Context, r *Request, exact bool) (int, error) {
		id, err := s.Find(ctx, r.PathParams["ext"], exact)
		if errors.Is(err, models.ErrNotFound) {
			return 0, &APIError{Status: http.StatusNotFound, Msg: "Call group not found"}
		}
		return id, err
	}
	// fromStored is a group to edit: its parts as stored, members and dial actions only
	// rewritten when the body changes them.
	fromStored := func(c *models.GroupComposite) *models.GroupComposite {
		return &models.GroupComposite{Group: c.Group, DialActions: c.DialActions, NameIsAlias: true, AnyNumber: true}
	}
	edit := func(ctx context.Context, id int, change func(c, stored *models.GroupComposite) error) error {
		return apiCallGroupErr(s.Edit(ctx, id, func(stored *models.GroupComposite) (*models.GroupComposite, error) {
			c := fromStored(stored)
			if err := change(c, stored); err != nil {
				return nil, err
			}
			if c.Rings != nil && slices.Equal(c.Rings, stored.Rings) {
				c.Rings = nil
			}
			if fallbackNumber(c.DialActions) == fallbackNumber(stored.DialActions) && len(c.DialActions) == len(stored.DialActions) {
				c.DialActions = nil
			}
			return c, nil
		}))
	}
	idText := func(c *models.GroupComposite) Result {
		return Result{JSON: idDoc(c.Group.ID), Header: http.Header{"Location": {"/sipxconfig/api/callgroups/" + c.Group.Number}}}
	}
	created := func(ctx context.Context, id int) (Result, error) {
		c, err := s.Get(ctx, id)
		if err != nil {
			return Result{}, err
		}
		return idText(c), nil
	}
	list := func(ctx context.Context, prefix string) (Result, error) {
		ids, err := s.IDsByNumber(ctx, prefix)
		if err != nil {
			return Result{}, err
		}
		var cs []*models.GroupComposite
		for _, id := range ids {
			c, err := s.Get(ctx, id)
			if errors.Is(err, models.ErrNotFound) {
				continue // deleted meanwhile
			}
			if err != nil {
				return Result{}, err
			}
			cs = append(cs, c)
		}
		ms, err := members(ctx, cs...)
		if err != nil {
			return Result{}, err
		}
		items := make([]any, len(cs))
		for i, c := range cs {
			items[i] = callGroupBean(c, ms)
		}
		return Result{JSON: APIDoc{Root: "CallGroups", Key: "callGroups", Value: APIList{Item: "CallGroup", Items: items}}}, nil
	}
	return &Resource{DefaultAct: "view", Acts: map[string]Act{
		"view": func(ctx context.Context, r *Request) (Result, error) {
			ext, one := r.PathParams["ext"]
			if !one {
				return list(ctx, r.PathParams["prefix"])
			}
			id, err := s.Find(ctx, ext, false)
			if errors.Is(err, models.ErrNotFound) {
				return Result{Status: http.StatusNoContent}, nil // sipX: 204, empty
			}
			if err != nil {
				return Result{}, err
			}
			c, err := s.Get(ctx, id)
			if errors.Is(err, models.ErrNotFound) {
				return Result{Status: http.StatusNoContent}, nil
			}
			if err != nil {
				return Result{}, err
			}
			ms, err := members(ctx, c)
			if err != nil {
				return Result{}, err
			}
			return Result{JSON: APIDoc{Root: "CallGroup", Value: callGroupBean(c, ms)}}, nil
		},
		"add": func(ctx context.Context, r *Request) (Result, error) {
			in, err := decodeCallGroupBody(r)
			if err != nil {
				return Result{}, err
			}
			if in.name == nil || *in.name == "" {
				return Result{}, models.Invalid("name", "is required")
			}
			if in.extension == nil || *in.extension == "" {
				return Result{}, models.Invalid("extension", "is required")
			}
			cx, err := st.Contexts.DefaultInternalContext(ctx)
			if errors.Is(err, models.ErrNotFound) {
				return Result{}, models.Invalid("extension", "has no internal context to be dialled in (create one through json.php)")
			}
			if err != nil {
				return Result{}, err
			}
			// sipX's defaults: disabled, voicemail fallback and user forward on.
			c := &models.GroupComposite{Group: models.Group{Context: cx, Strategy: "ringall", IgnoreForward: true,
				Commented: true, VoicemailFallback: true, UserForward: true}, DialActions: []models.DialAction{},
				Rings: []models.GroupRing{}, NameIsAlias: true, AnyNumber: true}
			if err := in.apply(c, users(ctx)); err != nil {
				return Result{}, apiCallGroupErr(err)
			}
			if len(c.DialActions) == 0 {
				c.DialActions = nil
			}
			if err := s.Create(ctx, c); err != nil {
				return Result{}, apiCallGroupErr(err)
			}
			return idText(c), nil
		},
		"edit": func(ctx context.Context, r *Request) (Result, error) {
			id, err := find(ctx, r, true)
			if err != nil {
				return Result{}, err
			}
			in, err := decodeCallGroupBody(r)
			if err != nil {
				return Result{}, err
			}
			if err := edit(ctx, id, func(c, _ *models.GroupComposite) error { return in.apply(c, users(ctx)) }); err != nil {
				return Result{}, err
			}
			return created(ctx, id)
		},
		"delete": func(ctx context.Context, r *Request) (Result, error) {
			id, err := find(ctx, r, false)
			if err != nil {
				return Result{}, err
			}
			return Result{}, apiCallGroupErr(s.Delete(ctx, id))
		},
		"duplicate": func(ctx context.Context, r *Request) (Result, error) {
			id, err := find(ctx, r, false)
			if err != nil {
				return Result{}, err
			}
			src, err := s.Get(ctx, id)
			if err != nil {
				return Result{}, err
			}
			newExt := r.PathParams["newExt"]
			if !reDigitsOnly.MatchString(newExt) {
				return Result{}, models.Invalid("newExt", "must contain only digits")
			}
			name, err := s.FreeName(ctx, "CopyOf"+src.Group.Name)
			if err != nil {
				return Result{}, apiCallGroupErr(err)
			}
			c := &models.GroupComposite{Group: src.Group, Rings: src.Rings, DialActions: src.DialActions, NameIsAlias: true, AnyNumber: true}
			c.Group.ID, c.Group.Name, c.Group.Number, c.Group.DID, c.Group.Commented = 0, name, newExt, "", true
			if len(c.DialActions) == 0 {
				c.DialActions = nil
			}
			if err := s.Create(ctx, c); err != nil {
				return Result{}, apiCallGroupErr(err)
			}
			return idText(c), nil
		},
		"rotate": func(ctx context.Context, r *Request) (Result, error) {
			id, err := find(ctx, r, false)
			if err != nil {
				return Result{}, err
			}
			ringExt := r.PathParams["ringExt"]
			err = edit(ctx, id, func(c, stored *models.GroupComposite) error {
				ms, err := members(ctx, stored)
				if err != nil {
					return err
				}
				k := slices.IndexFunc(stored.Rings, func(g models.GroupRing) bool {
					m := ms[g.UserID]
					return m.name == ringExt || slices.Contains(m.numbers, ringExt)
				})
				if k < 0 {
					return &APIError{Status: http.StatusNotFound, Msg: "Ring not found"}
				}
				rotateGroup(c, stored, k)
				return nil
			})
			if err != nil {
				return Result{}, err
			}
			return created(ctx, id)
		},
		"rotateAll": func(ctx context.Context, r *Request) (Result, error) {
			body, err := r.decoded()
			if err != nil {
				return Result{}, err
			}
			body = unwrap(body, "Strings", "strings")
			errs := &models.ValidationError{}
			var exts []string
			f := fields{m: body, errs: errs}
			if v, ok := body["strings"]; ok {
				items, _ := v.([]any)
				if s, one := v.(string); one {
					items = []any{s}
				}
				for i, it := range items {
					s, ok := scalarText(it)
					if !ok {
						errs.Add(fmt.Sprintf("strings[%d]", i), "must be an extension")
						continue
					}
					exts = append(exts, strings.TrimSpace(s))
				}
				if items == nil {
					f.fail("strings", "must be a list of extensions")
				}
			} else {
				f.fail("strings", "is required: the extensions of the groups to rotate")
			}
			if err := errs.OrNil(); err != nil {
				return Result{}, err
			}
			// A background job: the answer does not wait (sipX), the job outlives the request.
			go rotateAnswered(context.WithoutCancel(ctx), st, exts)
			return Result{}, nil
		},
	}}
}

// rotateAnswered moves, in each group named by its number, the member who answered the
// group's latest call to the end of the ring order; groups without such a call are skipped.
func rotateAnswered(ctx context.Context, st *models.Stores, exts []string) {
	for _, ext := range exts {
		id, err := st.Groups.Find(ctx, ext, true)
		if err != nil {
			slog.Info("callgroups rotate: skipped", "extension", ext, "reason", "no such call group")
			continue
		}
		err = st.Groups.Edit(ctx, id, func(stored *models.GroupComposite) (*models.GroupComposite, error) {
			uid, ok, err := st.CEL.GroupAnswerer(ctx, stored.Group.Context, stored.Group.Number)
			if err != nil {
				return nil, err
			}
			k := slices.IndexFunc(stored.Rings, func(g models.GroupRing) bool { return g.UserID == uid })
			if !ok || k < 0 {
				return nil, errNoAnswer
			}
			c := &models.GroupComposite{Group: stored.Group}
			rotateGroup(c, stored, k)
			return c, nil
		})
		switch {
		case errors.Is(err, errNoAnswer):
			slog.Info("callgroups rotate: skipped", "extension", ext, "reason", "no answered call of a member on record")
		case err != nil:
			slog.Warn("callgroups rotate: failed", "extension", ext, "err", err)
		}
	}
}

var errNoAnswer = errors.New("no answered call")
