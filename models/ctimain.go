package models

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// CTIListener is one socket of the CTI server: where it listens and whether it is on.
type CTIListener struct {
	IP     string `json:"ip"`
	Port   int    `json:"port"`
	Active bool   `json:"active"`
}

// CTIStatus is one user presence or phone state a CTI client shows: its label and colour.
type CTIStatus struct {
	Name     string   `json:"name"`
	LongName string   `json:"longname"`
	Color    string   `json:"color"`
	Allowed  []string `json:"allowed,omitempty"`
}

// CTIMainConfig is the CTI server's main configuration (XiVO ctimain, with the presences
// and phone hints of its default profile), which cti/configuration (private) hands to a
// CTI server. json.php has no act that edits it: it is stored in host_settings
// ('cti/main') over these defaults.
type CTIMainConfig struct {
	CTI               CTIListener `json:"cti"`
	CTIS              CTIListener `json:"ctis"`
	WebI              CTIListener `json:"webi"`
	Info              CTIListener `json:"info"`
	Announce          CTIListener `json:"announce"`
	SocketTimeout     float64     `json:"socket_timeout"`
	LoginTimeout      float64     `json:"login_timeout"`
	ContextSeparation bool        `json:"context_separation"`
	LiveReloadConf    bool        `json:"live_reload_conf"`
	TLSCertFile       string      `json:"tlscertfile"`
	TLSPrivKeyFile    string      `json:"tlsprivkeyfile"`
	AMIIP             string      `json:"ami_ip"`
	AMIPort           int         `json:"ami_port"`
	AMILogin          string      `json:"ami_login"`
	AMIPassword       string      `json:"ami_password"`
	// Presences by presence set ("xivo"), phone hints by hint group ("xivo"), in order.
	Presences  map[string][]CTIStatus `json:"presences"`
	PhoneHints map[string][]CTIStatus `json:"phonehints"`
}

// HostSection implements HostDocument.
func (*CTIMainConfig) HostSection() string { return "cti/main" }

func (c *CTIMainConfig) setDefaults() {
	all := []string{"available", "away", "outtolunch", "donotdisturb", "berightback"}
	*c = CTIMainConfig{
		CTI:           CTIListener{"0.0.0.0", 5003, true},
		CTIS:          CTIListener{"0.0.0.0", 5013, true},
		WebI:          CTIListener{"127.0.0.1", 5004, true},
		Info:          CTIListener{"127.0.0.1", 5005, true},
		Announce:      CTIListener{"127.0.0.1", 5006, true},
		SocketTimeout: 10, LoginTimeout: 5, LiveReloadConf: true,
		TLSCertFile: "/usr/share/xivo-certs/server.crt", TLSPrivKeyFile: "/usr/share/xivo-certs/server.key",
		AMIIP: "127.0.0.1", AMIPort: 5038, AMILogin: "xivo_cti_user",
		Presences: map[string][]CTIStatus{"xivo": {
			{Name: "available", LongName: "Available", Color: "#08FD20", Allowed: all},
			{Name: "away", LongName: "Away", Color: "#FDE50A", Allowed: all},
			{Name: "outtolunch", LongName: "Out to lunch", Color: "#001AFF", Allowed: all},
			{Name: "donotdisturb", LongName: "Do not disturb", Color: "#FF032D", Allowed: all},
			{Name: "berightback", LongName: "Be right back", Color: "#FFB545", Allowed: all},
			{Name: "disconnected", LongName: "Disconnected", Color: "#202020"},
		}},
		PhoneHints: map[string][]CTIStatus{"xivo": {
			{Name: "-2", LongName: "Does not exist", Color: "#030303"},
			{Name: "-1", LongName: "Deactivated", Color: "#000000"},
			{Name: "0", LongName: "Available", Color: "#0DFF25"},
			{Name: "1", LongName: "Talking", Color: "#FF032D"},
			{Name: "2", LongName: "Busy", Color: "#FF0008"},
			{Name: "4", LongName: "Unavailable", Color: "#FFFFFF"},
			{Name: "8", LongName: "Ringing", Color: "#1B0AFF"},
			{Name: "9", LongName: "Talking and ringing", Color: "#FF0526"},
			{Name: "16", LongName: "On hold", Color: "#F7FF05"},
		}},
	}
}

func (c *CTIMainConfig) check(context.Context, *sqlx.Tx) (*ValidationError, error) {
	ve := &ValidationError{}
	for name, l := range map[string]CTIListener{"cti": c.CTI, "ctis": c.CTIS, "webi": c.WebI, "info": c.Info, "announce": c.Announce} {
		if _, ok := ParseIPv4(l.IP); !ok {
			ve.Add(name+".ip", ruleIPv4)
		}
		if l.Port < 1 || l.Port > 65535 {
			ve.Add(name+".port", "must be a port number between 1 and 65535")
		}
	}
	if !validHost(c.AMIIP) {
		ve.Add("ami_ip", ruleHost)
	}
	if c.AMIPort < 1 || c.AMIPort > 65535 {
		ve.Add("ami_port", "must be a port number between 1 and 65535")
	}
	if c.SocketTimeout <= 0 || c.LoginTimeout <= 0 {
		ve.Add("socket_timeout", fmt.Sprintf("timeouts must be positive (%g, %g)", c.SocketTimeout, c.LoginTimeout))
	}
	return ve, nil
}
