package web

import (
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
		"call_management/outcall":      both(handlers.Outcalls(st)),
		"system_management/extensions": {res: handlers.Extensions(st), restricted: true},
		"trunk_management/sip":         both(handlers.Trunks(st, "sip")),
		"trunk_management/iax":         both(handlers.Trunks(st, "iax")),
		"trunk_management/custom":      both(handlers.Trunks(st, "custom")),
		"pbx_services/parkinglot":      both(handlers.ParkingLots(st)),
		"pbx_services/phonebook":       both(handlers.Phonebook(st)),
		"pbx_services/extenfeatures":   both(handlers.ExtenFeatures(st)),
		// Singletons: view (the default act) and edit; SCCP never honoured sum (§5.1).
		"general_settings/sip":       both(handlers.Settings(st, "sip", "")),
		"general_settings/iax":       both(handlers.Settings(st, "iax", "")),
		"general_settings/sccp":      {res: handlers.Settings(st, "sccp", "sccpgeneralsettings"), restricted: true, private: true, noSum: true},
		"general_settings/voicemail": both(handlers.Settings(st, "voicemail", "")),
		"general_settings/phonebook": both(handlers.Settings(st, "phonebook", "")),
		"general_settings/advanced":  both(handlers.Settings(st, "advanced", "")),
		"queuelogger/configuration":  {res: handlers.Settings(st, "queuelogger", ""), private: true},
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
