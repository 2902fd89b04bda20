package wsclient

import (
	"context"
	"strconv"
)

// Typed APIs of the IPBX services xivo-ws wraps in objects: groups, conference rooms,
// voicemail boxes, incalls and schedules. Each embeds its Service (the Raw* calls stay
// available) and sends the bodies of objects_callcenter.go; the search_by_* helpers keep
// the server's matches whose field is exactly the value's text, as xivo-ws does.

// Groups is the typed groups API (the deprecated alias "group" is GroupAlias).
type Groups struct{ *Service }

// Groups is the groups service.
func (c *Client) Groups() *Groups { return &Groups{c.Service("groups")} }

// GroupAlias is the same service under xivo-ws's deprecated name "group".
func (c *Client) GroupAlias() *Groups { return &Groups{c.Service("group")} }

// Add creates g and returns the id the server gave.
func (s *Groups) Add(ctx context.Context, g Group) (string, error) {
	return s.RawAdd(ctx, GroupBody(g))
}

// Edit updates g (by g.ID; without an id when it is 0).
func (s *Groups) Edit(ctx context.Context, g Group) error {
	return s.RawEdit(ctx, idText(g.ID), GroupBody(g))
}

// List returns every group (list items carry no members).
func (s *Groups) List(ctx context.Context) ([]Group, error) {
	return parseEach(parseGroupRow)(s.RawList(ctx))
}

// Search returns the server's matches.
func (s *Groups) Search(ctx context.Context, p string) ([]Group, error) {
	return parseEach(parseGroupRow)(s.RawSearch(ctx, p))
}

// SearchByNumber keeps the matches whose number is exactly number's text.
func (s *Groups) SearchByNumber(ctx context.Context, number any) ([]Group, error) {
	n := str(number)
	all, err := s.Search(ctx, n)
	return filter(all, err, func(g Group) bool { return g.Number == n })
}

// SearchByName keeps the matches whose name is exactly name.
func (s *Groups) SearchByName(ctx context.Context, name string) ([]Group, error) {
	all, err := s.Search(ctx, name)
	return filter(all, err, func(g Group) bool { return g.Name == name })
}

// View returns one group with its member user ids.
func (s *Groups) View(ctx context.Context, id int) (Group, error) {
	m, err := s.RawView(ctx, strconv.Itoa(id))
	if err != nil {
		return Group{}, err
	}
	return ParseGroup(m, true)
}

func parseGroupRow(m map[string]any) (Group, error) { return ParseGroup(m, false) }

// ConfRooms is the typed conference rooms API.
type ConfRooms struct{ *Service }

// ConfRooms is the confrooms service.
func (c *Client) ConfRooms() *ConfRooms { return &ConfRooms{c.Service("confrooms")} }

// Add creates r and returns the id the server gave.
func (s *ConfRooms) Add(ctx context.Context, r ConfRoom) (string, error) {
	return s.RawAdd(ctx, ConfRoomBody(r))
}

// List returns every room.
func (s *ConfRooms) List(ctx context.Context) ([]ConfRoom, error) {
	return parseEach(parseConfRoomRow)(s.RawList(ctx))
}

// Search returns the server's matches.
func (s *ConfRooms) Search(ctx context.Context, p string) ([]ConfRoom, error) {
	return parseEach(parseConfRoomRow)(s.RawSearch(ctx, p))
}

// SearchByNumber keeps the matches whose confno is exactly number's text.
func (s *ConfRooms) SearchByNumber(ctx context.Context, number any) ([]ConfRoom, error) {
	n := str(number)
	all, err := s.Search(ctx, n)
	return filter(all, err, func(r ConfRoom) bool { return r.Number == n })
}

// SearchByName keeps the matches whose name is exactly name.
func (s *ConfRooms) SearchByName(ctx context.Context, name string) ([]ConfRoom, error) {
	all, err := s.Search(ctx, name)
	return filter(all, err, func(r ConfRoom) bool { return r.Name == name })
}

// View returns one room.
func (s *ConfRooms) View(ctx context.Context, id int) (ConfRoom, error) {
	m, err := s.RawView(ctx, strconv.Itoa(id))
	if err != nil {
		return ConfRoom{}, err
	}
	return ParseConfRoom(m, true)
}

func parseConfRoomRow(m map[string]any) (ConfRoom, error) { return ParseConfRoom(m, false) }

// Voicemails is the typed voicemails API; ids are uniqueid.
type Voicemails struct{ *Service }

// Voicemails is the voicemails service.
func (c *Client) Voicemails() *Voicemails { return &Voicemails{c.Service("voicemails")} }

// Add creates v and returns the id the server gave.
func (s *Voicemails) Add(ctx context.Context, v Voicemail) (string, error) {
	return s.RawAdd(ctx, VoicemailBody(v))
}

// List returns every box.
func (s *Voicemails) List(ctx context.Context) ([]Voicemail, error) {
	return parseEach(parseVoicemailRow)(s.RawList(ctx))
}

// Search returns the server's matches.
func (s *Voicemails) Search(ctx context.Context, p string) ([]Voicemail, error) {
	return parseEach(parseVoicemailRow)(s.RawSearch(ctx, p))
}

// SearchByNumber keeps the matches whose mailbox is exactly number's text.
func (s *Voicemails) SearchByNumber(ctx context.Context, number any) ([]Voicemail, error) {
	n := str(number)
	all, err := s.Search(ctx, n)
	return filter(all, err, func(v Voicemail) bool { return v.Mailbox == n })
}

// View returns one box.
func (s *Voicemails) View(ctx context.Context, id int) (Voicemail, error) {
	m, err := s.RawView(ctx, strconv.Itoa(id))
	if err != nil {
		return Voicemail{}, err
	}
	return ParseVoicemail(m, true)
}

func parseVoicemailRow(m map[string]any) (Voicemail, error) { return ParseVoicemail(m, false) }

// Incalls is the typed incalls API (no view, as in xivo-ws).
type Incalls struct{ *Service }

// Incalls is the incalls service.
func (c *Client) Incalls() *Incalls { return &Incalls{c.Service("incalls")} }

// Add creates i and returns the id the server gave.
func (s *Incalls) Add(ctx context.Context, i Incall) (string, error) {
	return s.RawAdd(ctx, IncallBody(i))
}

// Edit updates i (by i.ID; without an id when it is 0).
func (s *Incalls) Edit(ctx context.Context, i Incall) error {
	return s.RawEdit(ctx, idText(i.ID), IncallBody(i))
}

// List returns every incall.
func (s *Incalls) List(ctx context.Context) ([]Incall, error) {
	return parseEach(ParseIncall)(s.RawList(ctx))
}

// Search returns the server's matches.
func (s *Incalls) Search(ctx context.Context, p string) ([]Incall, error) {
	return parseEach(ParseIncall)(s.RawSearch(ctx, p))
}

// SearchByNumber keeps the matches whose exten is exactly number's text.
func (s *Incalls) SearchByNumber(ctx context.Context, number any) ([]Incall, error) {
	n := str(number)
	all, err := s.Search(ctx, n)
	return filter(all, err, func(i Incall) bool { return i.Number == n })
}

// Schedules is the typed schedules API (no search and no edit, as in xivo-ws).
type Schedules struct{ *Service }

// Schedules is the schedules service.
func (c *Client) Schedules() *Schedules { return &Schedules{c.Service("schedules")} }

// Add creates sc and returns the id the server gave.
func (s *Schedules) Add(ctx context.Context, sc Schedule) (string, error) {
	return s.RawAdd(ctx, ScheduleBody(sc))
}

// List returns every schedule.
func (s *Schedules) List(ctx context.Context) ([]Schedule, error) {
	return parseEach(parseScheduleRow)(s.RawList(ctx))
}

// View returns one schedule with its periods.
func (s *Schedules) View(ctx context.Context, id int) (Schedule, error) {
	m, err := s.RawView(ctx, strconv.Itoa(id))
	if err != nil {
		return Schedule{}, err
	}
	return ParseSchedule(m, true)
}

func parseScheduleRow(m map[string]any) (Schedule, error) { return ParseSchedule(m, false) }
