package models

import (
	"context"
	"strings"

	"github.com/jmoiron/sqlx"
)

// Stores gathers every store over one database.
type Stores struct {
	DB       *sqlx.DB
	Entities *EntityStore
	Contexts *ContextStore
	Users    *UserStore
	Lines    *LineStore
	Devices  *DeviceStore
	// Phones are the devices as sipX /api phones, with their lines and phone groups.
	Phones      *PhoneStore
	CTIProfiles *CTIProfileStore
	Changes     *ChangeLog
	CEL         *CELStore
	// Statistics: their configurations, and the counters computed from queue_log.
	Statconfs  *StatconfStore
	CallStats  *CallStatsStore
	PBXControl *PBXControlStore
	// Registrations are the registrar's bindings (the SIP agent keeps its own handle).
	Registrations *RegistrationStore
	UserGroups    *UserGroupStore
	Permissions   *PermissionStore
	Attendants    *AttendantStore
	Trunks        *TrunkStore
	Outcalls      *OutcallStore
	Settings      *SettingsStore
	// SettingTrees are the sipX settings trees of every owner (settingtree.go).
	SettingTrees *SettingsTreeStore
	ParkingLots  *ParkingLotStore
	Phonebook    *PhonebookStore
	Groups       *GroupStore
	PageGroups   *PageGroupStore
	ConfRooms    *ConfRoomStore
	Voicemails   *VoicemailStore
	Incalls      *IncallStore
	Schedules    *ScheduleStore
	Pickups      *PickupStore
	PrivateBooks *PrivateBookStore
	SpeedDials   *SpeedDialStore
	// Books holds the phonebooks in memory for the sipX reads once the server makes it
	// listen for their changes (PhonebookCache.Listen); until then it reads the database.
	Books *PhonebookCache
	// Campaigns are the call-recording settings, tags and campaigns.
	Campaigns *CampaignStore
	// CallRecords are the click-to-call records (the SIP agent keeps its own handle).
	CallRecords *CallRecordStore
	// ERLs are the e911 locations and their links to users, user groups and phones.
	ERLs *ERLStore
	// The PBX host's configuration (xivo/configuration network/*, provisioning, CTI main).
	HostConfig *HostConfigStore
	NetIfaces  *NetIfaceStore
	IPRoutes   *IPRouteStore
	// The call center: agents, queues, skills and skill rules.
	Agents          *AgentStore
	Queues          *QueueStore
	QueueSkills     *QueueSkillStore
	QueueSkillRules *QueueSkillRuleStore
	// License is the sipX license information (its UID written through /api/license).
	License *LicenseStore
	// AudioFiles are the stored sipX prompts (music on hold, page groups, park orbits).
	AudioFiles *AudioFileStore

	// Gateways are sipX's view of the SIP trunks (sipx-api.md §8).
	Gateways *GatewayStore
}

// NewStores builds the stores; realm is the authentication realm portal-password digests use.
func NewStores(db *sqlx.DB, realm string) *Stores {
	contexts := &ContextStore{db: db}
	lines := &LineStore{db: db, contexts: contexts}
	phonebook, private := &PhonebookStore{db: db}, &PrivateBookStore{db: db}
	return &Stores{
		DB:            db,
		Entities:      &EntityStore{db: db},
		Contexts:      contexts,
		Users:         &UserStore{db: db, realm: realm, lines: lines},
		Lines:         lines,
		Devices:       &DeviceStore{db: db},
		Phones:        newPhoneStore(db, lines),
		CTIProfiles:   &CTIProfileStore{db: db},
		Changes:       &ChangeLog{db: db},
		CEL:           &CELStore{db: db},
		Statconfs:     &StatconfStore{db: db},
		CallStats:     &CallStatsStore{db: db},
		PBXControl:    &PBXControlStore{db: db},
		Registrations: NewRegistrationStore(db),
		UserGroups:    &UserGroupStore{db: db},
		Permissions:   &PermissionStore{db: db},
		Attendants:    &AttendantStore{db: db},
		Trunks:        &TrunkStore{db: db},
		Outcalls:      &OutcallStore{db: db},
		Settings:      &SettingsStore{db: db},
		SettingTrees:  &SettingsTreeStore{db: db},
		ParkingLots:   &ParkingLotStore{db: db},
		Phonebook:     phonebook,
		Books:         newPhonebookCache(phonebook, private),
		Groups:        &GroupStore{db: db},
		PageGroups:    &PageGroupStore{db: db},
		ConfRooms:     &ConfRoomStore{db: db},
		Voicemails:    &VoicemailStore{db: db},
		Incalls:       &IncallStore{db: db},
		Schedules:     &ScheduleStore{db: db},
		Pickups:       &PickupStore{db: db},
		PrivateBooks:  private,
		SpeedDials:    &SpeedDialStore{db: db},
		Campaigns:     &CampaignStore{db: db},
		CallRecords:   NewCallRecordStore(db),
		ERLs:          &ERLStore{db: db},
		HostConfig:    &HostConfigStore{db: db},
		NetIfaces:     &NetIfaceStore{db: db},
		IPRoutes:      &IPRouteStore{db: db},

		Agents:          &AgentStore{db: db},
		Queues:          &QueueStore{db: db},
		QueueSkills:     &QueueSkillStore{db: db},
		QueueSkillRules: &QueueSkillRuleStore{db: db},
		License:         &LicenseStore{db: db},
		AudioFiles:      &AudioFileStore{db: db},

		Gateways: &GatewayStore{db: db, trunks: &TrunkStore{db: db}},
	}
}

// Prepare readies the stores' prepared statements (at start, so a broken query fails early).
func (s *Stores) Prepare(ctx context.Context) error {
	if err := s.Users.prepare(ctx); err != nil {
		return err
	}
	if err := s.Lines.prepare(ctx); err != nil {
		return err
	}
	if err := s.Phones.prepare(ctx); err != nil {
		return err
	}
	return s.Changes.prepare(ctx)
}

// likeTerm turns a search term into an ILIKE substring pattern with % and _ matched literally.
func likeTerm(term string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(term) + "%"
}

// likeExact is an ILIKE pattern matching the term exactly (case-insensitively).
func likeExact(term string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(term)
}
