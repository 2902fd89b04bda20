package wsclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Service is one xivo-ws registry entry: a json.php path and the actions its typed API
// allows. The Raw* calls work on every service whatever it allows, as in xivo-ws.
type Service struct {
	c       *Client
	Name    string
	Path    string
	Actions []string
}

// ErrNotAllowed is returned by typed calls a service does not offer.
var ErrNotAllowed = errors.New("action not offered by this service")

func (s *Service) allows(a string) error {
	for _, x := range s.Actions {
		if x == a {
			return nil
		}
	}
	return fmt.Errorf("%s.%s: %w (it offers %s)", s.Name, a, ErrNotAllowed, strings.Join(s.Actions, ", "))
}

// RawList sends act=list and returns the items (none for 204 or an empty body).
func (s *Service) RawList(ctx context.Context) ([]map[string]any, error) {
	raw, _, err := s.c.do(ctx, http.MethodGet, s.Path, "act=list", nil)
	if err != nil {
		return nil, err
	}
	return decodeList(raw)
}

// RawSearch sends act=search&search=<pattern> (quote_plus-encoded).
func (s *Service) RawSearch(ctx context.Context, pattern string) ([]map[string]any, error) {
	raw, _, err := s.c.do(ctx, http.MethodGet, s.Path, "act=search&search="+quotePlus(pattern), nil)
	if err != nil {
		return nil, err
	}
	return decodeList(raw)
}

// RawView sends act=view&id=<id> (act=view alone when id is "") and returns the object.
func (s *Service) RawView(ctx context.Context, id string) (map[string]any, error) {
	q := "act=view"
	if id != "" {
		q += "&id=" + quotePlus(id)
	}
	raw, _, err := s.c.do(ctx, http.MethodGet, s.Path, q, nil)
	if err != nil {
		return nil, err
	}
	return decodeObject(raw)
}

// RawAdd posts body with act=add and returns the new id as xivo-ws does: the answer with
// trailing white space removed and every '"' deleted.
func (s *Service) RawAdd(ctx context.Context, body any) (string, error) {
	b, err := pyJSON(body)
	if err != nil {
		return "", err
	}
	raw, _, err := s.c.do(ctx, http.MethodPost, s.Path, "act=add", b)
	if err != nil {
		return "", err
	}
	return strings.ReplaceAll(strings.TrimRight(string(raw), " \t\r\n\v\f"), `"`, ""), nil
}

// RawEdit posts body with act=edit&id=<id>, or act=edit alone when id is "".
func (s *Service) RawEdit(ctx context.Context, id string, body any) error {
	b, err := pyJSON(body)
	if err != nil {
		return err
	}
	q := "act=edit"
	if id != "" {
		q += "&id=" + quotePlus(id)
	}
	_, _, err = s.c.do(ctx, http.MethodPost, s.Path, q, b)
	return err
}

// RawDelete sends act=delete&id=<id>.
func (s *Service) RawDelete(ctx context.Context, id string) error {
	_, _, err := s.c.do(ctx, http.MethodGet, s.Path, "act=delete&id="+quotePlus(id), nil)
	return err
}

// RawDeleteAll sends act=deleteall.
func (s *Service) RawDeleteAll(ctx context.Context) error {
	_, _, err := s.c.do(ctx, http.MethodGet, s.Path, "act=deleteall", nil)
	return err
}

// Delete removes an object (typed API; the service must offer delete).
func (s *Service) Delete(ctx context.Context, id string) error {
	if err := s.allows("delete"); err != nil {
		return err
	}
	return s.RawDelete(ctx, id)
}

// DeleteIfExists is Delete that ignores a 404, and only a 404.
func (s *Service) DeleteIfExists(ctx context.Context, id string) error {
	if err := s.Delete(ctx, id); err != nil && !IsNotFound(err) {
		return err
	}
	return nil
}

// DeleteAll removes every object (typed API; the service must offer deleteall).
func (s *Service) DeleteAll(ctx context.Context) error {
	if err := s.allows("deleteall"); err != nil {
		return err
	}
	return s.RawDeleteAll(ctx)
}

// Registry paths and typed actions, as xivo-ws registers them.
var registry = []struct {
	name, path string
	actions    []string
}{
	{"agents", "/callcenter/json.php/restricted/settings/agents/", []string{"add", "edit", "delete", "deleteall", "list", "search", "view"}},
	{"cels", "/service/ipbx/json.php/restricted/call_management/cel/", nil},
	{"confrooms", "/service/ipbx/json.php/restricted/pbx_settings/meetme/", []string{"add", "delete", "list", "search", "view"}},
	{"contexts", "/service/ipbx/json.php/restricted/system_management/context/", []string{"add", "edit", "delete", "list", "search", "view"}},
	{"cti_profiles", "/cti/json.php/restricted/profiles", []string{"list"}},
	{"custom_trunks", "/service/ipbx/json.php/restricted/trunk_management/custom/", []string{"add", "delete", "list", "search", "view"}},
	{"devices", "/service/ipbx/json.php/restricted/pbx_settings/devices/", []string{"list", "search", "view"}},
	{"entities", "/xivo/configuration/json.php/restricted/manage/entity/", []string{"add", "edit", "delete", "list", "search", "view"}},
	{"groups", "/service/ipbx/json.php/restricted/pbx_settings/groups/", []string{"add", "edit", "delete", "deleteall", "list", "search", "view"}},
	{"group", "/service/ipbx/json.php/restricted/pbx_settings/groups/", []string{"add", "edit", "delete", "deleteall", "list", "search", "view"}},
	{"iax_trunks", "/service/ipbx/json.php/restricted/trunk_management/iax/", []string{"add", "delete", "list", "search"}},
	{"incalls", "/service/ipbx/json.php/restricted/call_management/incall/", []string{"add", "edit", "delete", "deleteall", "list", "search"}},
	{"lines", "/service/ipbx/json.php/restricted/pbx_settings/lines/", []string{"list", "search"}},
	{"outcalls", "/service/ipbx/json.php/restricted/call_management/outcall/", []string{"add", "delete", "list", "search"}},
	{"queues", "/callcenter/json.php/restricted/settings/queues/", []string{"add", "edit", "delete", "list", "search", "view"}},
	{"queueskillrules", "/callcenter/json.php/restricted/settings/queueskillrules/", []string{"add", "delete", "list", "search", "view"}},
	{"sccp_general_settings", "/service/ipbx/json.php/restricted/general_settings/sccp/", []string{"edit", "view"}},
	{"schedules", "/service/ipbx/json.php/restricted/call_management/schedule/", []string{"add", "delete", "list", "view"}},
	{"sip_trunks", "/service/ipbx/json.php/restricted/trunk_management/sip/", []string{"add", "edit", "delete", "list", "search"}},
	{"statconfs", "/statistics/call_center/json.php/restricted/settings/configuration/", []string{"add", "edit", "delete", "list", "search", "view"}},
	{"users", "/service/ipbx/json.php/restricted/pbx_settings/users/", []string{"add", "edit", "delete", "deleteall", "list", "search"}},
	{"voicemails", "/service/ipbx/json.php/restricted/pbx_settings/voicemail/", []string{"add", "delete", "list", "search", "view"}},
}

// Service returns the registry entry name (xivo-ws's attribute), or nil.
func (c *Client) Service(name string) *Service {
	for _, r := range registry {
		if r.name == name {
			return &Service{c: c, Name: r.name, Path: r.path, Actions: r.actions}
		}
	}
	return nil
}

// ServiceNames lists every registry name.
func ServiceNames() []string {
	out := make([]string, len(registry))
	for i, r := range registry {
		out[i] = r.name
	}
	return out
}
