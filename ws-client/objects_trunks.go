package wsclient

import "context"

// Readers of the trunk and outcall list items, reading what xivo-ws's from_list_obj_dict
// reads (xivo-ws-wire.md §4.6, §4.10, §4.13, §4.18): an INT id and the name; custom trunks
// also the interface, outcalls the context.

// ParseSIPTrunk reads a sip_trunks list item.
func ParseSIPTrunk(m map[string]any) (SIPTrunk, error) {
	id, name, err := ParseNamed(m)
	return SIPTrunk{ID: id, Name: name}, err
}

// ParseIAXTrunk reads an iax_trunks list item.
func ParseIAXTrunk(m map[string]any) (IAXTrunk, error) {
	id, name, err := ParseNamed(m)
	return IAXTrunk{ID: id, Name: name}, err
}

// ParseCustomTrunk reads a custom_trunks list item.
func ParseCustomTrunk(m map[string]any) (CustomTrunk, error) {
	id, name, err := ParseNamed(m)
	if err == nil {
		err = row(m, "interface")
	}
	return CustomTrunk{ID: id, Name: name, Interface: str(m["interface"])}, err
}

// ParseOutcall reads an outcalls list item.
func ParseOutcall(m map[string]any) (Outcall, error) {
	id, name, err := ParseNamed(m)
	if err == nil {
		err = row(m, "context")
	}
	return Outcall{ID: id, Name: name, Context: str(m["context"])}, err
}

// SearchByName is xivo-ws's search_by_name of the trunk services (and queueskillrules):
// search for name, then keep the items whose name is exactly name.
func SearchByName[T any](ctx context.Context, s *Service, name string, parse func(map[string]any) (T, error), nameOf func(T) string) ([]T, error) {
	all, err := SearchTyped(ctx, s, name, parse)
	return filter(all, err, func(x T) bool { return nameOf(x) == name })
}

// SIPTrunkName, IAXTrunkName and CustomTrunkName name a trunk for SearchByName.
func SIPTrunkName(t SIPTrunk) string       { return t.Name }
func IAXTrunkName(t IAXTrunk) string       { return t.Name }
func CustomTrunkName(t CustomTrunk) string { return t.Name }
