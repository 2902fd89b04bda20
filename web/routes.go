package web

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"pbxws/dnscheck"
	"pbxws/handlers"
	"pbxws/models"
)

// routes is the route table of all three façades: every URL pbxws answers is declared here
// or in the tables it calls (jsonPHPRoutes, sipxREST; ccRoutes for the dedicated
// callcontroller listeners), each with what it needs of the caller beside it.
func routes(s *Server) {
	app := s.app

	// Health, without credentials: they say nothing but ok or fail.
	app.Get("/status", s.status)
	app.Get("/readyz", s.readyz)
	app.Get("/healthz", healthz)

	// XiVO json.php web services: web-service accounts and their sections (jsonPHPRoutes).
	jsonPHP(s, app)

	// Click-to-call (when SIP is on): the callcontroller (trusted hosts, or users with Basic
	// or Digest, each for their own calls) and sipX /my/call (role USER).
	if s.cc != nil {
		app.All("/callcontroller/:caller?/:callee?", s.clickToCall(s.cc.Handle, "caller", "callee"))
		myCall := s.clickToCall(s.cc.MyCall, "to")
		app.All("/sipxconfig/rest/my/call/:to", myCall)
		app.All("/sipxconfig/rest/call/:to", myCall)
	}

	// sipXconfig REST, after /my/call: anything else under /sipxconfig authenticates first.
	sipxREST(s, app)
}

// ccRoutes is the route table of the dedicated callcontroller listeners (sipXecs 6667/6666).
func ccRoutes(s *Server, app *fiber.App) {
	app.Get("/", ccIndexPage)
	app.All("/callcontroller/:caller?/:callee?", s.clickToCall(s.cc.Handle, "caller", "callee"))
}

// sipxREST declares the sipX REST resources, each with the role it needs (sipx-rest.md §2.3).
func sipxREST(s *Server, app *fiber.App) {
	s.sipxUsers = s.newSipxAuth()

	// sipXconfig /api (sipx-api.md): JSON first, a .json/.xml suffix chooses, ADMIN only.
	app.Use(sipxAPISuffix)
	api := func(r sipxAPI) fiber.Handler { return func(c *fiber.Ctx) error { return r.serve(s, c) } }
	server := s.apiServer()
	registrations := handlers.Registrations(s.stores, server)
	app.All("/sipxconfig/api/registrations", api(sipxAPI{res: registrations, methods: map[string]string{"GET": "view"}}))
	app.All("/sipxconfig/api/registrations/group/:x", api(sipxAPI{res: registrations, methods: map[string]string{"GET": "view"},
		fixed: map[string]string{"by": "group"}}))
	app.All("/sipxconfig/api/registrations/:by/:x", api(sipxAPI{res: registrations, methods: map[string]string{"GET": "view", "DELETE": "delete"}}))
	apiSchedules := handlers.APISchedules(s.stores)
	sched := func(methods map[string]string, fixed map[string]string) fiber.Handler {
		return api(sipxAPI{res: apiSchedules, methods: methods, fixed: fixed})
	}
	get := map[string]string{"GET": "view"}
	app.All("/sipxconfig/api/schedules", sched(map[string]string{"POST": "add"}, nil))
	app.All("/sipxconfig/api/schedules/general", sched(get, map[string]string{"list": "general"}))
	app.All("/sipxconfig/api/schedules/group", sched(get, map[string]string{"list": "group"}))
	app.All("/sipxconfig/api/schedules/group/:groupId", sched(get, map[string]string{"list": "group"}))
	app.All("/sipxconfig/api/schedules/user/:userId/all", sched(get, map[string]string{"list": "all"}))
	app.All("/sipxconfig/api/schedules/user/:userId/personal", sched(map[string]string{"GET": "view", "POST": "add"}, map[string]string{"list": "personal"}))
	app.All("/sipxconfig/api/schedules/:id", sched(map[string]string{"GET": "view", "PUT": "edit", "DELETE": "delete"}, nil))
	app.All("/sipxconfig/api/schedules/:id/period", sched(map[string]string{"POST": "period"}, nil))
	app.All("/sipxconfig/api/schedules/:id/period/:index", sched(map[string]string{"POST": "period", "DELETE": "unperiod"}, nil))
	// Phones and phone groups (§7) over the XiVO devices and lines; sendProfile tells the
	// phones through the SIP agent (501 without one). Literal segments before parameters.
	var notifier handlers.ProfileNotifier
	if s.sip != nil {
		notifier = s.sip
	}
	apiPhones := handlers.APIPhones(s.stores, s.provisioningServer, notifier)
	phones := func(methods map[string]string, fixed map[string]string) fiber.Handler {
		return api(sipxAPI{res: apiPhones, methods: methods, fixed: fixed})
	}
	send := map[string]string{"PUT": "sendProfile"}
	restart := map[string]string{"restart": "true"}
	app.All("/sipxconfig/api/phones", phones(map[string]string{"GET": "view", "POST": "add"}, nil))
	app.All("/sipxconfig/api/phones/line", phones(get, map[string]string{"list": "line"}))
	app.All("/sipxconfig/api/phones/models", phones(get, map[string]string{"list": "models"}))
	app.All("/sipxconfig/api/phones/sendProfile", phones(send, map[string]string{"batch": "ids"}))
	app.All("/sipxconfig/api/phones/sendProfile/restart", phones(send, map[string]string{"batch": "ids", "restart": "true"}))
	app.All("/sipxconfig/api/phones/sendProfile/all", phones(send, map[string]string{"batch": "all"}))
	app.All("/sipxconfig/api/phones/sendProfile/all/restart", phones(send, map[string]string{"batch": "all", "restart": "true"}))
	for _, by := range []string{"user", "phoneGroup"} {
		for _, key := range []string{"id", "name"} {
			base := "/sipxconfig/api/phones/" + by + "/" + key + "/:x/sendProfile"
			app.All(base, phones(send, map[string]string{"batch": by}))
			app.All(base+"/restart", phones(send, map[string]string{"batch": by, "restart": "true"}))
		}
	}
	trees := s.stores.SettingTrees
	s.apiSettings(app, "/phones/:phone", handlers.SettingsResource(trees, func(r *handlers.Request) (*models.SettingsOwner, string) {
		return s.stores.Phones.PhoneSettings, r.PathParams["phone"]
	}, "Phone not found"), false)
	s.apiSettings(app, "/phones/:phone/lines/:lineId", handlers.SettingsResource(trees, func(r *handlers.Request) (*models.SettingsOwner, string) {
		return s.stores.Phones.LineSettings, models.PhoneLineSettingsRef(r.PathParams["phone"], r.PathParams["lineId"])
	}, "Line not found."), false)
	s.apiSettings(app, "/phoneGroups/:group/model/:modelId", handlers.SettingsResource(trees, func(r *handlers.Request) (*models.SettingsOwner, string) {
		return s.stores.Phones.GroupSettings, models.PhoneGroupModelRef(r.PathParams["group"], r.PathParams["modelId"])
	}, "Phone group or model not found"), true)
	app.All("/sipxconfig/api/phones/:phone", phones(map[string]string{"GET": "view", "PUT": "edit", "DELETE": "delete"}, nil))
	app.All("/sipxconfig/api/phones/:phone/sendProfile", phones(send, nil))
	app.All("/sipxconfig/api/phones/:phone/sendProfile/restart", phones(send, restart))
	app.All("/sipxconfig/api/phones/:phone/groups", phones(map[string]string{"GET": "groups", "DELETE": "leaveAll"}, nil))
	app.All("/sipxconfig/api/phones/:phone/groups/:groupName", phones(map[string]string{"POST": "join", "DELETE": "leave"}, nil))
	app.All("/sipxconfig/api/phones/:phone/lines", phones(map[string]string{"GET": "lines", "POST": "addLine", "DELETE": "removeLines"}, nil))
	app.All("/sipxconfig/api/phones/:phone/lines/:lineId", phones(map[string]string{"GET": "lines", "DELETE": "removeLines"}, nil))
	app.All("/sipxconfig/api/phones/:phone/profile/:name", api(sipxAPI{res: handlers.APIPhoneProfile(s.stores, s.provisioningServer), methods: get}))
	apiPhoneGroups := handlers.APIPhoneGroups(s.stores)
	phoneGroups := func(methods map[string]string, fixed map[string]string) fiber.Handler {
		return api(sipxAPI{res: apiPhoneGroups, methods: methods, fixed: fixed})
	}
	app.All("/sipxconfig/api/phoneGroups", phoneGroups(map[string]string{"GET": "view", "POST": "add"}, nil))
	app.All("/sipxconfig/api/phoneGroups/:group", phoneGroups(map[string]string{"GET": "view", "PUT": "edit", "DELETE": "delete"}, nil))
	app.All("/sipxconfig/api/phoneGroups/:group/up", phoneGroups(map[string]string{"PUT": "move"}, map[string]string{"move": "up"}))
	app.All("/sipxconfig/api/phoneGroups/:group/down", phoneGroups(map[string]string{"PUT": "move"}, map[string]string{"move": "down"}))
	app.All("/sipxconfig/api/phoneGroups/:group/models", phoneGroups(get, map[string]string{"list": "models"}))
	app.All("/sipxconfig/api/phoneGroups/:group/model/:modelId/firmware/:version", phoneGroups(map[string]string{"PUT": "firmware"}, nil))
	// The DNS advisor: text/plain only, looked up afresh on every GET (§14).
	app.All("/sipxconfig/api/dns/advisor/server/:server", api(sipxAPI{res: handlers.DNSAdvisor(s.apiServer(), s.sipPresence, dnscheck.New(s.cfg.DNSResolver)),
		methods: get, media: []string{"text/plain"}}))
	// The settings of the services pbxws runs (§13): the registrar's and the REST server's;
	// their ports read-only, the rest read live.
	serviceTree := func(kind *models.SettingsOwner) *handlers.Resource {
		return handlers.SettingsResource(s.stores.SettingTrees, func(*handlers.Request) (*models.SettingsOwner, string) { return kind, "1" }, "Service not found")
	}
	s.apiSettings(app, "/registrar", serviceTree(s.services.Registrar), false)
	s.apiSettings(app, "/restserver", serviceTree(s.services.RestServer), false)
	// The settings of the services pbxws configures but does not run (§15): stored, and
	// announced on the configuration channel for each service's agent.
	for name, kind := range models.ServiceTreeKinds() {
		s.apiSettings(app, "/"+name, serviceTree(kind), false)
	}
	// The license: its information stored, its UID written (§15).
	license := handlers.APILicense(s.stores, s.sipDomain)
	app.All("/sipxconfig/api/license", api(sipxAPI{res: license, methods: map[string]string{"GET": "view", "POST": "edit"}}))
	app.All("/sipxconfig/api/license/:uid", api(sipxAPI{res: license, methods: map[string]string{"POST": "edit"}}))
	// Stored audio files (§4): uploads stream their multipart body (not through sipxAPI,
	// which reads a whole body of at most 1 MiB); downloads serve ranges.
	for _, family := range models.AudioFamilies {
		prompts := handlers.APIPrompts(s.stores, family)
		base := "/sipxconfig/api/" + family + "/prompts"
		app.Post(base, s.promptUpload(family))
		// POST is listed for Allow; promptUpload above answers it.
		app.All(base, api(sipxAPI{res: prompts, methods: map[string]string{"GET": "list", "POST": "upload"}}))
		app.Get(base+"/:name", s.promptDownload(prompts, true))
		app.All(base+"/:name", api(sipxAPI{res: prompts, methods: map[string]string{"GET": "download", "DELETE": "delete"}}))
		app.Get(base+"/:name/stream", s.promptDownload(prompts, false))
		app.All(base+"/:name/stream", api(sipxAPI{res: prompts, methods: map[string]string{"GET": "download"}}))
	}
	// Park orbits (§11), after their prompts: the XiVO parking lots; /orbits/settings is
	// no resource (404).
	orbits := handlers.APIOrbits(s.stores, server)
	orbit := func(methods map[string]string) fiber.Handler { return api(sipxAPI{res: orbits, methods: methods}) }
	app.All("/sipxconfig/api/orbits", orbit(map[string]string{"GET": "list", "POST": "add"}))
	app.All("/sipxconfig/api/orbits/servers/:server", orbit(map[string]string{"GET": "list", "POST": "add", "DELETE": "deleteServer"}))
	app.All("/sipxconfig/api/orbits/:id", orbit(map[string]string{"GET": "view", "PUT": "edit", "DELETE": "delete"}))
	orbitOwner := func(r *handlers.Request) (*models.SettingsOwner, string) {
		return models.OrbitSettings, r.PathParams["id"]
	}
	s.apiSettings(app, "/orbits/:id", handlers.SettingsResource(s.stores.SettingTrees, orbitOwner, "Orbit not found"), false)
	// Music on hold (§12): one service's settings.
	s.apiSettings(app, "/moh", handlers.SettingsResource(s.stores.SettingTrees,
		func(*handlers.Request) (*models.SettingsOwner, string) { return models.MOHSettings, "" }, "Setting not found"), false)
	apiGateways := handlers.APIGateways(s.stores)
	gw := func(methods map[string]string) fiber.Handler { return api(sipxAPI{res: apiGateways, methods: methods}) }
	app.All("/sipxconfig/api/gateways", gw(map[string]string{"GET": "view", "POST": "add"}))
	app.All("/sipxconfig/api/gateways/models", gw(map[string]string{"GET": "models"}))
	app.All("/sipxconfig/api/gateways/:gw", gw(map[string]string{"GET": "view", "PUT": "edit", "DELETE": "delete"}))
	app.All("/sipxconfig/api/gateways/:gw/availablerules", gw(map[string]string{"GET": "availablerules"}))
	app.All("/sipxconfig/api/gateways/:gw/rules/:ruleId", gw(map[string]string{"PUT": "linkrule", "DELETE": "unlinkrule"}))
	app.All("/sipxconfig/api/gateways/:gw/ports", gw(map[string]string{"GET": "ports", "POST": "addport"}))
	for _, ports := range []string{"ports", "port"} { // the document's port, the code's ports (§16.1)
		app.All("/sipxconfig/api/gateways/:gw/"+ports+"/:portId", gw(map[string]string{"DELETE": "port"}))
		app.All("/sipxconfig/api/gateways/:gw/"+ports+"/:portId/settings", gw(map[string]string{"GET": "port"}))
		app.All("/sipxconfig/api/gateways/:gw/"+ports+"/:portId/settings/*", gw(map[string]string{"GET": "port", "PUT": "port", "DELETE": "port"}))
	}
	gatewaySettings := s.stores.Gateways.GatewaySettings()
	s.apiSettings(app, "/gateways/:gw", handlers.SettingsResource(s.stores.SettingTrees,
		func(r *handlers.Request) (*models.SettingsOwner, string) { return gatewaySettings, r.PathParams["gw"] }, "Gateway not found"), false)
	apiRules := handlers.APIRules(s.stores)
	app.All("/sipxconfig/api/rules", api(sipxAPI{res: apiRules, methods: map[string]string{"GET": "view", "POST": "add"}}))
	app.All("/sipxconfig/api/rules/raw", api(sipxAPI{res: apiRules, methods: map[string]string{"GET": "raw"}}))
	app.All("/sipxconfig/api/rules/:ruleId", api(sipxAPI{res: apiRules, methods: map[string]string{"GET": "view", "PUT": "edit", "DELETE": "delete"}}))
	apiCallGroups := handlers.APICallGroups(s.stores)
	callGroups := func(methods map[string]string) fiber.Handler {
		return api(sipxAPI{res: apiCallGroups, methods: methods})
	}
	app.All("/sipxconfig/api/callgroups", callGroups(map[string]string{"GET": "view", "POST": "add"}))
	app.All("/sipxconfig/api/callgroups/rotate", callGroups(map[string]string{"POST": "rotateAll"}))
	app.All("/sipxconfig/api/callgroups/prefix/:prefix", callGroups(get))
	app.All("/sipxconfig/api/callgroups/:ext", callGroups(map[string]string{"GET": "view", "PUT": "edit", "DELETE": "delete"}))
	app.All("/sipxconfig/api/callgroups/:ext/duplicate/:newExt", callGroups(map[string]string{"POST": "duplicate"}))
	app.All("/sipxconfig/api/callgroups/:ext/rotate/:ringExt", callGroups(map[string]string{"POST": "rotate"}))
	// /pagegroups/prompts (above) and /pagegroups/settings come before /pagegroups/:id.
	s.apiSettings(app, "/pagegroups", handlers.APIPagingSettings(s.stores), false)
	apiPageGroups := handlers.APIPageGroups(s.stores)
	app.All("/sipxconfig/api/pagegroups", api(sipxAPI{res: apiPageGroups, methods: map[string]string{"GET": "view", "POST": "add"}}))
	app.All("/sipxconfig/api/pagegroups/:id", api(sipxAPI{res: apiPageGroups, methods: map[string]string{"GET": "view", "PUT": "edit", "DELETE": "delete"}}))
	crud := func(r sipxCRUD, hasID bool) fiber.Handler {
		return func(c *fiber.Ctx) error { return r.serve(s, c, hasID) }
	}
	users := sipxCRUD{res: handlers.SipxUsers(s.stores), role: roleAdmin}
	app.All("/sipxconfig/rest/user", crud(users, false))
	app.All("/sipxconfig/rest/user/:id", crud(users, true))
	groups := sipxCRUD{res: handlers.SipxUserGroups(s.stores), role: roleAdmin}
	app.All("/sipxconfig/rest/user-group", crud(groups, false))
	app.All("/sipxconfig/rest/user-group/:id", crud(groups, true))
	permissions := sipxCRUD{res: handlers.SipxPermissions(s.stores), role: roleAdmin, named: true}
	app.All("/sipxconfig/rest/permission", crud(permissions, false))
	app.All("/sipxconfig/rest/permission/:id", crud(permissions, true))
	userPermissions := sipxCRUD{res: handlers.SipxUserPermissions(s.stores), role: roleAdmin}
	app.All("/sipxconfig/rest/user-permission", crud(userPermissions, false))
	app.All("/sipxconfig/rest/user-permission/:id", crud(userPermissions, true))
	groupPermissions := sipxCRUD{res: handlers.SipxGroupPermissions(s.stores), role: roleAdmin}
	app.All("/sipxconfig/rest/user-group-permission", crud(groupPermissions, false))
	app.All("/sipxconfig/rest/user-group-permission/:id", crud(groupPermissions, true))
	branches := sipxCRUD{res: handlers.SipxBranches(s.stores), role: roleAdmin}
	app.All("/sipxconfig/rest/branch", crud(branches, false))
	app.All("/sipxconfig/rest/branch/:id", crud(branches, true))

	my := func(r sipxMy) fiber.Handler { return func(c *fiber.Ctx) error { return r.serve(s, c) } }
	// mine declares a "my" resource and its twin under /private/{key}/, which authenticates
	// the user by their private key alone (§1: feed readers cannot send credentials).
	mine := func(path string, h fiber.Handler) {
		app.All(path, h)
		app.All(strings.Replace(path, "/sipxconfig/rest/my/", "/sipxconfig/rest/private/:"+privateKeyParam+"/", 1), h)
	}
	// The shared phonebook (the XiVO one): the list is XML only; a book is CSV first, and
	// imports CSV or vCard (POST adds, PUT replaces).
	app.All("/sipxconfig/rest/phonebook", my(sipxMy{res: handlers.SipxPhonebooks(s.cfg.SipxPhonebook), method: "GET", role: roleAdmin,
		media: []string{"text/xml"}}))
	app.All("/sipxconfig/rest/phonebook/:name", my(sipxMy{res: handlers.SipxPhonebook(s.stores, s.cfg.SipxPhonebook), method: "GET POST PUT", param: "name",
		role: roleAdmin, media: []string{"text/comma-separated-values", "text/xml", "application/json"}, raw: true}))

	// "my" resources: the authenticated user's own (role USER).
	mine("/sipxconfig/rest/my/logindetails", my(sipxMy{res: handlers.MyLoginDetails(s.stores), method: fiber.MethodGet}))
	mine("/sipxconfig/rest/my/time", my(sipxMy{res: handlers.MyTime(time.Now), method: fiber.MethodGet}))
	mine("/sipxconfig/rest/my/portal/password/:password", my(sipxMy{res: handlers.MyPortalPassword(s.stores), method: fiber.MethodPut, param: "password"}))
	mine("/sipxconfig/rest/my/forward", my(sipxMy{res: handlers.MyForward(s.stores), method: "GET PUT", body: true}))
	mine("/sipxconfig/rest/my/callfwd", my(sipxMy{res: handlers.MyCallForwarding(s.stores), method: "GET PUT", body: true,
		media: []string{"application/json"}}))
	mine("/sipxconfig/rest/my/contact-information", my(sipxMy{res: handlers.MyContactInformation(s.stores), method: "GET PUT", body: true}))
	mine("/sipxconfig/rest/my/voicemail/pin/:pin", my(sipxMy{res: handlers.MyVoicemailPin(s.stores), method: fiber.MethodPut, param: "pin"}))

	mine("/sipxconfig/rest/my/conferences", my(sipxMy{res: handlers.MyConferences(s.stores), method: "GET"}))
	mine("/sipxconfig/rest/my/conferences/:name", my(sipxMy{res: handlers.MyConference(s.stores), method: "GET PUT", param: "name", body: true}))
	mine("/sipxconfig/rest/my/phonebook", my(sipxMy{res: handlers.MyPhonebook(s.stores), method: "GET",
		media: []string{"text/xml", "application/json", "text/plain", "text/vcard"}}))
	mine("/sipxconfig/rest/my/search/phonebook", my(sipxMy{res: handlers.MySearchPhonebook(s.stores), method: "GET"}))
	mine("/sipxconfig/rest/my/pagedphonebook", my(sipxMy{res: handlers.MyPagedPhonebook(s.stores), method: "GET"}))
	mine("/sipxconfig/rest/my/phonebook/entry/:entry", my(sipxMy{res: handlers.MyPhonebookEntry(s.stores), method: "GET POST PUT DELETE",
		param: "entry", body: true}))
	mine("/sipxconfig/rest/my/phonebookentry/:internal", my(sipxMy{res: handlers.MyPhonebookEntrySync(s.stores), method: "PUT DELETE",
		param: "internal", body: true}))
	mine("/sipxconfig/rest/my/phonebook/showContactsOnPhone/:value", my(sipxMy{res: handlers.MyShowContactsOnPhone(s.stores), method: "PUT", param: "value"}))
	schedules := my(sipxMy{res: handlers.MyCallForwardingSchedules(s.stores), method: "GET POST PUT DELETE", param: "id", body: true,
		media: []string{"application/json"}})
	mine("/sipxconfig/rest/my/callfwdsched", schedules)
	mine("/sipxconfig/rest/my/callfwdsched/:id", schedules)
	mine("/sipxconfig/rest/my/speeddial", my(sipxMy{res: handlers.MySpeedDial(s.stores), method: "GET PUT", body: true,
		media: []string{"application/json"}}))
	mine("/sipxconfig/rest/my/activecdrs", my(sipxMy{res: handlers.MyActiveCDRs(s.stores, s.sipDomain, time.Now), method: "GET"}))
	mine("/sipxconfig/rest/my/keepalive", my(sipxMy{res: handlers.MyKeepAlive(), method: "GET"}))
	mine("/sipxconfig/rest/my/vmprefs", my(sipxMy{res: handlers.MyVoicemailPrefs(s.stores), method: "GET PUT", body: true}))
	mine("/sipxconfig/rest/my/mailbox/:user/preferences/activegreeting/:greeting",
		my(sipxMy{res: handlers.MyActiveGreeting(s.stores), method: "PUT", param: "greeting"}))
	mine("/sipxconfig/rest/my/mailbox/:user/preferences/activegreeting",
		my(sipxMy{res: handlers.MyActiveGreeting(s.stores), method: "GET"}))
	// What needs a service pbxws does not run: 501, saying so.
	for path, why := range map[string]string{
		"/sipxconfig/rest/my/im/prefs":                "pbxws runs no instant-messaging server",
		"/sipxconfig/rest/my/imbot/prefs":             "pbxws runs no instant-messaging server",
		"/sipxconfig/rest/my/phonebook/googleImport":  "pbxws does not import Google contacts",
		"/sipxconfig/rest/my/feed/voicemail/:folder":  "pbxws keeps no voicemail messages (Asterisk does)",
		"/sipxconfig/rest/my/voicemail/attendant":     "pbxws runs no personal auto attendant (no IVR)",
		"/sipxconfig/rest/my/voicemail/operator":      "pbxws runs no personal auto attendant (no IVR)",
		"/sipxconfig/rest/my/voicemail/operator/:op":  "pbxws runs no personal auto attendant (no IVR)",
		"/sipxconfig/rest/my/conferencedetails/:name": "pbxws runs no conference bridge (FreeSWITCH) to ask",
		"/sipxconfig/rest/my/faxprefs":                "pbxws runs no fax service",
	} {
		mine(path, my(sipxMy{res: handlers.NotServed(why), method: "GET PUT POST DELETE"}))
	}

	// Auto attendants: ADMIN or ATTENDANT_ADMIN; live mode ADMIN.
	app.All("/sipxconfig/rest/auto-attendant", my(sipxMy{res: handlers.AutoAttendants(s.stores), method: "GET", role: roleAttendant}))
	app.All("/sipxconfig/rest/auto-attendant/specialmode", my(sipxMy{res: handlers.AttendantSpecialMode(s.stores), method: "GET PUT DELETE", role: roleAttendant}))
	app.All("/sipxconfig/rest/auto-attendant/livemode/:code", my(sipxMy{res: handlers.AttendantLiveMode(s.stores), method: "PUT POST DELETE", param: "code", role: roleAdmin}))
	app.All("/sipxconfig/rest/auto-attendant/:attendant/special", my(sipxMy{res: handlers.AttendantSpecial(s.stores), method: "PUT DELETE", param: "attendant", role: roleAttendant}))

	// Phones (devices): made in bulk, and their provisioning profiles in their own types.
	app.All("/sipxconfig/rest/phone", my(sipxMy{res: handlers.SipxPhones(s.stores), method: "POST", role: roleAdmin, body: true}))
	app.All("/sipxconfig/rest/phone/:serialNumber/profile/:name", my(sipxMy{res: handlers.SipxPhoneProfile(s.stores, s.provisioningServer),
		method: "GET", role: roleAdmin, ownMedia: true}))

	// e911 locations (ERLs) and what is linked to them: ADMIN.
	erl := func(res *handlers.Resource, method, param string, media []string) fiber.Handler {
		return my(sipxMy{res: res, method: method, param: param, role: roleAdmin, body: true, text: true, media: media})
	}
	app.All("/sipxconfig/rest/erls", erl(handlers.SipxERLs(s.stores), "GET PUT DELETE", "", handlers.ERLMedia))
	app.All("/sipxconfig/rest/erl/elin/:elin", erl(handlers.SipxERL(s.stores), "GET PUT DELETE", "elin", handlers.ERLMedia))
	app.All("/sipxconfig/rest/erl/user/:user", erl(handlers.SipxUserERL(s.stores), "GET PUT DELETE", "user", handlers.UserERLMedia))
	app.All("/sipxconfig/rest/erl/group/:group", erl(handlers.SipxGroupERL(s.stores), "GET PUT DELETE", "group", handlers.GroupERLMedia))
	app.All("/sipxconfig/rest/erl/phone/:serial", erl(handlers.SipxPhoneERLs(s.stores), "GET", "serial", handlers.ERLMedia))
	app.All("/sipxconfig/rest/erl/phones", erl(handlers.SipxPhonesERL(s.stores), "PUT", "", handlers.ERLMedia))
	app.All("/sipxconfig/rest/erl/phonegroup/:group", erl(handlers.SipxPhoneGroupERL(s.stores), "GET PUT DELETE", "group", handlers.ERLMedia))

	// Avatars: anyone.
	app.All("/sipxconfig/rest/avatar/:user", my(sipxMy{res: handlers.Avatar(s.stores), method: "GET", param: "user", role: roleAnyone}))

	// Every other path: 401 without credentials, 404 with them.
	app.All("/sipxconfig", s.sipxUnknown)
	app.All("/sipxconfig/*", s.sipxUnknown)
}

// jsonPHP mounts the json.php route table.
func jsonPHP(s *Server, app *fiber.App) {
	for _, r := range jsonPHPRoutes(s.stores) {
		s.mount(app, r)
	}
}

// jsonPHPRoutes is the XiVO json.php route table: root → "<category>/<subcategory>" →
// resource. Each path answers in restricted mode (web-service account) and, where marked,
// private mode (local processes). The ACL section is "<section prefix>/<path>": every
// section acl grants has its route here (TestEverySectionHasARoute), answering 501 where
// pbxws does not serve it yet.
func jsonPHPRoutes(st *models.Stores) []jsonRoot {
	check := jsonEndpoint{res: handlers.Check(), restricted: true, noSum: true, ignoreAct: true}
	// The statistics never honoured sum (§5.1); a data table has one behaviour whatever act says.
	stats := func(table int) jsonEndpoint {
		return jsonEndpoint{res: handlers.CallStats(st, table), restricted: true, private: true, noSum: true, ignoreAct: true}
	}
	ipbx := notYet("pbxws does not serve this IPBX web service yet")
	return []jsonRoot{
		{root: "/service/ipbx/json.php", section: "service/ipbx", endpoints: map[string]jsonEndpoint{
			"pbx_settings/users":           both(handlers.Users(st)),
			"pbx_settings/lines":           both(handlers.Lines(st)),
			"pbx_settings/devices":         both(handlers.Devices(st)),
			"system_management/context":    both(handlers.Contexts(st)),
			"call_management/cel":          both(handlers.CEL(st)),
			"system_management/extensions": {res: handlers.Extensions(st), restricted: true},
			// No act: each URL is its one command.
			"control_system/reload":  {res: handlers.PBXControl(st, "reload"), restricted: true, private: true, ignoreAct: true},
			"control_system/restart": {res: handlers.PBXControl(st, "restart"), restricted: true, private: true, ignoreAct: true},

			"pbx_settings/groups":        both(handlers.Groups(st)),
			"pbx_settings/meetme":        both(handlers.ConfRooms(st)),
			"pbx_settings/voicemail":     both(handlers.Voicemails(st)),
			"pbx_settings/extension":     ipbx,
			"call_management/incall":     both(handlers.Incalls(st)),
			"call_management/outcall":    both(handlers.Outcalls(st)),
			"call_management/pickup":     both(handlers.Pickups(st)),
			"call_management/schedule":   both(handlers.Schedules(st)),
			"trunk_management/sip":       both(handlers.Trunks(st, "sip")),
			"trunk_management/iax":       both(handlers.Trunks(st, "iax")),
			"trunk_management/custom":    both(handlers.Trunks(st, "custom")),
			"pbx_services/phonebook":     both(handlers.Phonebook(st)),
			"pbx_services/extenfeatures": both(handlers.ExtenFeatures(st)),
			"pbx_services/parkinglot":    both(handlers.ParkingLots(st)),
			// Singletons: view (the default act) and edit; SCCP never honoured sum (§5.1).
			"general_settings/sip":         both(handlers.Settings(st, "sip", "")),
			"general_settings/iax":         both(handlers.Settings(st, "iax", "")),
			"general_settings/sccp":        {res: handlers.Settings(st, "sccp", "sccpgeneralsettings"), restricted: true, private: true, noSum: true},
			"general_settings/voicemail":   both(handlers.Settings(st, "voicemail", "")),
			"general_settings/phonebook":   both(handlers.Settings(st, "phonebook", "")),
			"general_settings/advanced":    both(handlers.Settings(st, "advanced", "")),
			"general_settings/outboundmwi": ipbx,
			"queuelogger/configuration":    {res: handlers.Settings(st, "queuelogger", ""), private: true},
		}},
		{root: "/xivo/configuration/json.php", section: "xivo/configuration", endpoints: map[string]jsonEndpoint{
			"check":         check,
			"manage/entity": both(handlers.Entities(st)),

			// The PBX host's configuration: stored, validated and announced on
			// models.PBXControlChannel for a host agent to apply (models/hostconfig.go).
			"network/interface":    both(handlers.NetIfaces(st)),
			"network/iproute":      both(handlers.IPRoutes(st)),
			"network/resolvconf":   both(handlers.ResolvConf(st)),
			"network/mail":         {res: handlers.Mail(st), restricted: true},
			"network/dhcp":         {res: handlers.DHCP(st), restricted: true},
			"support/monitoring":   {res: handlers.Monitoring(st), restricted: true},
			"provisioning/general": both(handlers.ProvisioningGeneral(st)),
			// Commands: no sum (nothing to hash), 400 for any other act.
			"provisioning/autoprov":        {res: handlers.Autoprov(st), restricted: true, private: true, noSum: true},
			"provisioning/configregistrar": {res: handlers.ConfigRegistrar(st), private: true, noSum: true},
		}},
		{root: "/cti/json.php", section: "cti", endpoints: map[string]jsonEndpoint{
			"profiles": {res: handlers.CTIProfiles(st), restricted: true, private: true, noSum: true},
			// The CTI server's whole configuration, for a local CTI server (private).
			"configuration": {res: handlers.CTIConfiguration(st), private: true, noSum: true, ignoreAct: true},
		}},
		{root: "/callcenter/json.php", section: "service/callcenter", endpoints: map[string]jsonEndpoint{
			"settings/agents":                both(handlers.Agents(st)),
			"settings/queues":                both(handlers.Queues(st)),
			"settings/queueskills":           both(handlers.QueueSkills(st)),
			"settings/queueskillrules":       both(handlers.QueueSkillRules(st)),
			"registrationcampaign/campaigns": both(handlers.RecordingCampaigns(st)),
		}},
		{root: "/statistics/call_center/json.php", section: "statistics/call_center", endpoints: map[string]jsonEndpoint{
			"data/stats1":            stats(1),
			"data/stats2":            stats(2),
			"data/stats3":            stats(3),
			"data/stats4":            stats(4),
			"settings/configuration": {res: handlers.Statconfs(st), restricted: true, private: true, noSum: true},
		}},
	}
}

// notYet is a documented endpoint pbxws does not serve yet: 501 in both modes, saying so.
func notYet(why string) jsonEndpoint {
	return jsonEndpoint{res: handlers.NotServed(why), restricted: true, private: true}
}
