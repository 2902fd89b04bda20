package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"pbxws/handlers"
)

// routes is the route table of all three façades: every URL pbxws answers is declared here.
func routes(s *Server) {
	app := s.app

	// Health, without credentials: /status (each part ok or fail), /readyz, /healthz.
	s.healthRoutes(app)

	// XiVO json.php web services.
	jsonPHP(s, app)

	// Click-to-call: the callcontroller service and the sipX /my/call resource.
	s.callControllerRoutes(app)
	s.sipxCallRoutes(app)

	// sipXconfig REST, after /my/call: anything else under /sipxconfig authenticates first.
	sipxREST(s, app)
}

// sipxREST declares the sipX REST resources, each with the role it needs (sipx-rest.md §2.3).
func sipxREST(s *Server, app *fiber.App) {
	crud := func(r sipxCRUD, hasID bool) fiber.Handler {
		return func(c *fiber.Ctx) error { return r.serve(s, c, hasID) }
	}
	users := sipxCRUD{res: handlers.SipxUsers(s.stores), role: roleAdmin}
	app.All("/sipxconfig/rest/user", crud(users, false))
	app.All("/sipxconfig/rest/user/:id", crud(users, true))
	groups := sipxCRUD{res: handlers.SipxUserGroups(s.stores), role: roleAdmin}
	app.All("/sipxconfig/rest/user-group", crud(groups, false))
	app.All("/sipxconfig/rest/user-group/:id", crud(groups, true))
	branches := sipxCRUD{res: handlers.SipxBranches(s.stores), role: roleAdmin}
	app.All("/sipxconfig/rest/branch", crud(branches, false))
	app.All("/sipxconfig/rest/branch/:id", crud(branches, true))

	// "my" resources: the authenticated user's own (role USER).
	my := func(r sipxMy) fiber.Handler { return func(c *fiber.Ctx) error { return r.serve(s, c) } }
	app.All("/sipxconfig/rest/my/logindetails", my(sipxMy{res: handlers.MyLoginDetails(s.stores), method: fiber.MethodGet}))
	app.All("/sipxconfig/rest/my/time", my(sipxMy{res: handlers.MyTime(time.Now), method: fiber.MethodGet}))
	app.All("/sipxconfig/rest/my/portal/password/:password", my(sipxMy{res: handlers.MyPortalPassword(s.stores), method: fiber.MethodPut, param: "password"}))
	app.All("/sipxconfig/rest/my/voicemail/pin/:pin", my(sipxMy{res: handlers.MyVoicemailPin(s.stores), method: fiber.MethodPut, param: "pin"}))

	// Every other path: 401 without credentials, 404 with them.
	app.All("/sipxconfig", s.sipxUnknown)
	app.All("/sipxconfig/*", s.sipxUnknown)
}

// jsonPHP declares the XiVO json.php web services: root → "<category>/<subcategory>" → resource.
// Each path answers in restricted mode (web-service account) and, where marked, private mode
// (local processes). The ACL section is "<section prefix>/<path>".
func jsonPHP(s *Server, app *fiber.App) {
	st := s.stores
	check := jsonEndpoint{res: handlers.Check(), restricted: true, noSum: true, ignoreAct: true}

	s.mount(app, jsonRoot{root: "/service/ipbx/json.php", section: "service/ipbx", endpoints: map[string]jsonEndpoint{
		"pbx_settings/users":           both(handlers.Users(st)),
		"pbx_settings/lines":           both(handlers.Lines(st)),
		"pbx_settings/devices":         both(handlers.Devices(st)),
		"system_management/context":    both(handlers.Contexts(st)),
		"call_management/cel":          both(handlers.CEL(st)),
		"system_management/extensions": {res: handlers.Extensions(st), restricted: true},
		// No act: each URL is its one command.
		"control_system/reload":  {res: handlers.PBXControl(st, "reload"), restricted: true, private: true, ignoreAct: true},
		"control_system/restart": {res: handlers.PBXControl(st, "restart"), restricted: true, private: true, ignoreAct: true},
	}})
	s.mount(app, jsonRoot{root: "/xivo/configuration/json.php", section: "xivo/configuration", endpoints: map[string]jsonEndpoint{
		"check":         check,
		"manage/entity": both(handlers.Entities(st)),
	}})
	s.mount(app, jsonRoot{root: "/cti/json.php", section: "cti", endpoints: map[string]jsonEndpoint{
		"profiles": {res: handlers.CTIProfiles(st), restricted: true, private: true, noSum: true},
	}})
	s.mount(app, jsonRoot{root: "/callcenter/json.php", section: "service/callcenter", endpoints: map[string]jsonEndpoint{}})
	s.mount(app, jsonRoot{root: "/statistics/call_center/json.php", section: "statistics/call_center", endpoints: map[string]jsonEndpoint{}})
}
