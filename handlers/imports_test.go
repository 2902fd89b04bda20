package handlers

import (
	"os/exec"
	"strings"
	"testing"
)

// handlers answers through Request and Result: the HTTP framework stays in web, so no
// package handlers depends on, directly or not, may be Fiber or fasthttp.
func TestHandlersDoNotDependOnTheHTTPFramework(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list the dependencies: %v", err)
	}
	out, err := exec.Command(goTool, "list", "-deps", "-f", "{{.ImportPath}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) == 0 || deps[len(deps)-1] != "pbxws/handlers" {
		t.Fatalf("go list -deps did not list pbxws/handlers last: %v", deps)
	}
	for _, dep := range deps {
		if strings.Contains(dep, "gofiber/") || strings.Contains(dep, "valyala/fasthttp") {
			t.Errorf("handlers depends on %s", dep)
		}
	}
}
