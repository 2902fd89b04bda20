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
		"pbx_settings/groups":          both(handlers.Groups(st)),
		"pbx_settings/meetme":          both(handlers.ConfRooms(st)),
		"pbx_settings/voicemail":       both(handlers.Voicemails(st)),
		"system_management/context":    both(handlers.Contexts(st)),
		"call_management/cel":          both(handlers.CEL(st)),
		"call_management/incall":       both(handlers.Incalls(st)),
		"call_management/schedule":     both(handlers.Schedules(st)),
		"call_management/pickup":       both(handlers.Pickups(st)),
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
