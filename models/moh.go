package models

// MOHTree is the music-on-hold service's settings (sipx-api.md §12): where held calls get
// their music from. sipX's sound-card source is not offered (pbxws has no sound card).
var MOHTree = NewSettingTree(
	TreeGroup("moh-config", "Music on hold",
		TreeEnum("MOH_SOURCE", "Music On Hold Source", "FILES_SRC", "System Music Directory", "NONE", "None").Def("FILES_SRC").Require().
			Describe("Source of the music played to held calls."),
	),
)

// MOHSettings is the owner kind of the music-on-hold settings. pbxws has no model of XiVO's
// music-on-hold classes yet: MOH_SOURCE is stored here, NONE meaning the "default" class
// (the moh prompt family) is disabled; changes are announced on the configuration channel.
var MOHSettings = ServiceSettings("moh", MOHTree, true)
