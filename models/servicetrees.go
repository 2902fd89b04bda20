package models

// The settings of the services pbxws configures but does not run (sipx-api.md §15): the DNS
// server, the IVR (voicemail) engine, the MWI (status) server, the My Buddy IM bot, the SIP
// proxy and the Shared Appearance Agent. As sipXconfig did, pbxws holds their settings and
// each service's own agent applies them: every change is recorded and announced on
// PBXControlChannel (section "settings/<service>") in the write's transaction.
//
// The leaves (names, types, bounds, defaults, enumerations) follow sipXconfig's settings
// models of each service; hidden leaves (internal to sipXconfig) are left out. Labels and
// descriptions are pbxws's own.

// Patterns of the leaves that hold addresses or names.
const (
	patternIPv4     = `((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])`
	patternHostname = `[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?`
)

// serviceLogLevel is a service's log level leaf.
func serviceLogLevel(name string) *TreeSetting {
	return TreeEnum(name, "Log level", sipxLogLevels...).Def("NOTICE")
}

// resourceLimits is the process limits group several services share.
func resourceLimits() *TreeSetting {
	return TreeGroup("resource-limits", "Resource limits",
		TreeInt("fd-soft", "Open files (soft limit)").Def("32768"),
		TreeInt("fd-hard", "Open files (hard limit)").Def("65536"),
		TreeBool("core-enabled", "Core dumps").Literals("true", "false").Def("false"))
}

// port is a service port above the privileged range.
func port(name, label, def string) *TreeSetting {
	return TreeInt(name, label).Range(1025, 65535).Def(def)
}

// ServiceTrees are the definitions of §15, by the service's /api name.
var ServiceTrees = map[string]*SettingTree{
	"dns": NewSettingTree(
		TreeGroup("named-config", "DNS server",
			TreeGroup("forwarders", "Forwarders",
				TreeStr("forwarder_0", "Primary External DNS server").Match(patternIPv4).
					Describe("The name server this DNS server forwards the names it does not hold to (an IPv4 address)."),
				TreeStr("forwarder_1", "Secondary External DNS server").Match(patternIPv4).
					Describe("Asked when the primary forwarder does not answer."),
				TreeStr("forwarder_2", "Additional External DNS server").Match(patternIPv4),
				TreeStr("forwarder_3", "Additional External DNS server").Match(patternIPv4),
				TreeStr("forwarder_4", "Additional External DNS server").Match(patternIPv4))),
		TreeGroup("acl", "Access",
			TreeStr("ips", "Allow Recursion ACL").MaxLength(1000).Match(`[0-9A-Fa-f:./,\s]*`).
				Def("172.16.0.0/12,192.168.0.0/16,10.0.0.0/8,127.0.0.0/8").
				Describe("Addresses and networks (comma-separated) that may ask recursive queries; empty: everyone.")),
		TreeGroup("sys", "System",
			TreeBool("unmanaged", "Unmanaged Service").Def("0").
				Describe("Resolve every name through the unmanaged servers below instead of the local DNS server."),
			TreeGroup("unmanaged_servers", "Unmanaged servers",
				TreeStr("unmanaged_0", "Primary Unmanaged DNS server").Match(patternHostname),
				TreeStr("unmanaged_1", "Secondary Unmanaged DNS server").Match(patternHostname),
				TreeStr("unmanaged_2", "Additional Unmanaged DNS server").Match(patternHostname),
				TreeStr("unmanaged_3", "Additional Unmanaged DNS server").Match(patternHostname)))),

	"ivr": NewSettingTree(TreeGroup("ivr", "Voicemail and IVR",
		serviceLogLevel("log.level"),
		TreeEnum("audio.format", "Audio format", "wav", "WAV", "mp3", "MP3").Def("wav"),
		TreeInt("record.time", "Longest message (seconds)").AtLeast(1).Def("300"),
		TreeStr("path", "Prompts folder").MaxLength(255),
		TreeInt("moh_timeout", "Music on hold time-out (ms)").AtLeast(0).Def("1800000"),
		TreeEnum("fax.format", "Fax format", "pdf", "PDF", "tiff", "TIFF").Def("pdf"),
		TreeEnum("fax.reinvite", "Fax re-INVITE", "true", "Yes", "false", "No").Def("false"),
		TreeInt("ivr.publicHttpPort", "Public HTTP port").Range(1, 65535).Def("8085"),
		TreeInt("ivr.httpPort", "HTTP port").Range(1, 65535).Def("8086"),
		TreeInt("ivr.voiceMailExpiry", "Days deleted messages are kept").AtLeast(0).Def("7"),
		TreeInt("ivr.mwiTimeout", "MWI notification time-out (s)").AtLeast(0).Def("5"),
		TreeInt("ivr.updaterConnectTimeoutMS", "Updater connection time-out (ms)").AtLeast(0).Def("5000"),
		TreeInt("ivr.updaterSocketTimeoutMS", "Updater socket time-out (ms)").AtLeast(0).Def("5000"),
		TreeEnum("ivr.transferByBridge", "Transfer by bridging", "true", "Yes", "false", "No").Def("false"),
		TreeStr("ivr.backup_host", "Backup server").Match(patternHostname),
		TreeInt("security.autoEnterPinExternalDigits", "External digits before the PIN").Range(0, 15).Def("0"),
		TreeInt("security.cleanupVoicemailHour", "Hour of the voicemail clean-up").Range(0, 23).Def("0"))),

	"mwi": NewSettingTree(
		TreeGroup("status-config", "Message waiting (status) server",
			port("SIP_STATUS_TCP_PORT", "SIP TCP port", "5110").Require(),
			port("SIP_STATUS_UDP_PORT", "SIP UDP port", "5110").Require(),
			port("SIP_STATUS_HTTP_PORT", "HTTP port", "8100").Require(),
			serviceLogLevel("SIP_STATUS_LOG_LEVEL"),
			TreeInt("SIP_STATUS_MAX_EXPIRES", "Longest subscription (s)").AtLeast(1),
			TreeInt("SIP_STATUS_MIN_EXPIRES", "Shortest subscription (s)").AtLeast(0)),
		resourceLimits()),

	"imbot": NewSettingTree(TreeGroup("imbot", "My Buddy",
		serviceLogLevel("log.level"),
		TreeStr("_imbot.paUserName", "IM user name").Require().MaxLength(255).Match(`[A-Za-z0-9._-]+`).Def("mybuddy"),
		TreeStr("imbot.paPassword", "IM password").Secret().MaxLength(255))),

	"proxy": NewSettingTree(
		TreeGroup("proxy-configuration", "SIP proxy",
			TreeInt("SIPX_PROXY_DEFAULT_SERIAL_EXPIRES", "Serial fork time-out (s)").Require().AtLeast(1).Def("20"),
			TreeInt("SIPX_PROXY_DEFAULT_EXPIRES", "Transaction time-out (s)").Require().AtLeast(1).Def("300"),
			serviceLogLevel("SIPX_PROXY_LOG_LEVEL"),
			TreeStr("SIPX_PROXY_AUTHENTICATE_ALGORITHM", "Authentication algorithm").MaxLength(32),
			TreeInt("SIPX_PROXY_MAX_FORWARDS", "Max-Forwards").Range(1, 255),
			TreeInt("SIPX_PROXY_STALE_TCP_TIMEOUT", "Idle TCP connection time-out (s)").AtLeast(0),
			TreeBool("SIPX_PROXY_ENSURE_TCP_LIFETIME", "Keep TCP connections for the registration's life").Def("0"),
			TreeBool("SIPX_PROXY_RELAY_ALLOWED", "Relay to other domains").Def("1"),
			TreeBool("SIPX_PROXY_ENABLE_TCP_RESEND", "Resend over TCP").Def("0"),
			TreeBool("SIPX_DISABLE_REGISTRAR_DNS_LOOKUP", "No DNS look-up of the registrar").Def("0"),
			TreeInt("SIPX_PROXY_DEFAULT_RTT", "Round-trip time (ms)").Range(100, 500).Def("100"),
			TreeInt("SIPX_PROXY_RETRANSMIT_TIMES", "Retransmissions").Range(2, 7).Def("4"),
			TreeBool("SIPX_PROXY_HOP_BY_HOP_CANCEL", "Hop-by-hop CANCEL").Def("0"),
			TreeBool("SIPX_TRUST_SBC_REGISTERED_CALLS", "Trust calls from SBC-registered phones").Literals("true", "false").Def("false"),
			TreeBool("SIPX_SEND_TRYING_FOR_NIST", "100 Trying to non-INVITE requests").Literals("true", "false").Def("true"),
			TreeInt("SIPX_PROXY_MAX_CONCURRENT", "Worker threads").Range(5, 1024).Def("10"),
			TreeBool("SIPX_PROXY_REJECT_ON_FILLED_QUEUE", "Refuse when the queue is full").Literals("true", "false").Def("true"),
			TreeInt("SIPX_PROXY_REJECT_ON_FILLED_QUEUE_PERCENT", "Queue fill that refuses (%)").Range(25, 100).Def("75"),
			TreeInt("SIPX_PROXY_MAX_TRANSACTION_COUNT", "Most transactions at once").Range(10000, 100000).Def("20000"),
			TreeEnum("SIPX_PROXY_CONGESTION_POLICY", "When congested", "SERVICE_UNAVAILABLE", "Answer 503", "IGNORE", "Ignore the request").
				Def("SERVICE_UNAVAILABLE"),
			TreeInt("SIPX_PROXY_QUEUE_SIZE", "Queue size").Require().AtLeast(1).Def("1024"),
			TreeBool("SIPX_PROXY_LOG_AUTH_CODES", "Log authorization codes").Def("0"),
			TreeBool("SIPX_SUPPRESS_ALERT_INDICATOR_IN_TRANSFERS", "No Alert-Info in transfers").Literals("true", "false").Def("false"),
			TreeBool("SIPX_CONSULTATIVE_TRANSFER_GATEWAY_INITIAL_INVITE", "Initial INVITE to gateways on consultative transfer").
				Literals("true", "false").Def("true"),
			TreeBool("SIPX_PASS_P_ASSERTED_IDENTITY", "Pass P-Asserted-Identity").Literals("true", "false").Def("false"),
			TreeInt("SIPX_PROXY_RETRY_AFTER", "Retry-After of a 503 (s)").Require().AtLeast(0).Def("60")),
		TreeGroup("proxy-statistics", "Statistics",
			TreeBool("SIPX_PROXY_STATISTICS_MANAGER", "Collect statistics").Def("0"),
			TreeInt("SIPX_PROXY_STATISTICS_PERIOD", "Statistics period (s)").AtLeast(1).Def("5")),
		TreeGroup("subscriptionauth", "Subscription authentication",
			TreeEnum("PACKAGES_REQUIRING_AUTHENTICATION", "Event packages that authenticate", "dialog", "dialog").Def("dialog").
				Describe("An empty value: no package authenticates."),
			TreeStr("TARGETS_EXEMPTED_FROM_AUTHENTICATION", "Targets exempted (regular expression)").MaxLength(255).Def("^~~rl~")),
		TreeGroup("alert-info", "Alert Info",
			TreeBool("INTERNAL_ENABLED", "Alert-Info on internal calls").Def("0"),
			TreeStr("INTERNAL", "Internal Alert-Info").MaxLength(255).Def("<http://internal.call>;info=alert-internal;x-line-id=0"),
			TreeBool("EXTERNAL_ENABLED", "Alert-Info on external calls").Def("1"),
			TreeStr("EXTERNAL", "External Alert-Info").MaxLength(255).Def("<http://external.call>;info=alert-external;x-line-id=0"),
			TreeEnum("ON_EXISTING", "When a call has one", "0", "Keep it", "1", "Replace it").Def("0")),
		TreeGroup("authrules", "Authorization rules",
			TreeInt("IDENTITY_VALIDITY_SECONDS", "Identity validity (s)").Require().AtLeast(10).Def("300")),
		TreeGroup("database", "Database",
			TreeInt("SIPX_PROXY_ENTITY_CACHE_EXPIRE", "Entity cache life (s)").AtLeast(30).Def("30")),
		TreeGroup("msftxchghack", "Microsoft Exchange",
			TreeStr("USERAGENT", "Exchange User-Agent (regular expression)").MaxLength(255).Def("^RTCC/"),
			TreeStr("EXCHANGE_SERVER_FQDN", "Exchange server").Match(patternHostname),
			TreeStr("ADDITIONAL_EXCHANGE_SERVER_FQDN", "Additional Exchange server").Match(patternHostname)),
		resourceLimits()),

	"saa": NewSettingTree(
		TreeGroup("saa-config", "Shared Appearance Agent",
			port("SIP_SAA_UDP_PORT", "SIP UDP port", "5170"),
			port("SIP_SAA_TCP_PORT", "SIP TCP port", "5170"),
			serviceLogLevel("SIP_SAA_LOG_LEVEL")),
		resourceLimits()),
}

// ServiceTreeKinds are the owner kinds of ServiceTrees, each announced as
// "settings/<service>".
func ServiceTreeKinds() map[string]*SettingsOwner {
	out := make(map[string]*SettingsOwner, len(ServiceTrees))
	for name, tree := range ServiceTrees {
		out[name] = ServiceSettings(name, tree, true)
	}
	return out
}
