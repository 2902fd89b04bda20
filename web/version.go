package web

import "runtime/debug"

// Version is pbxws's version as SIP peers see it (User-Agent/Server: pbxws/<version>): set at
// build time with -ldflags "-X pbxws/web.Version=…", else the module version, else the VCS
// revision the binary was built from, else "dev".
var Version = buildVersion()

func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return s.Value[:12]
		}
	}
	return "dev"
}
