package tests

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLayers keeps the layering of docs/architecture.md: a package of a
// lower layer never imports one of a higher layer.
func TestLayers(t *testing.T) {
	t.Parallel()
	layer := map[string]int{
		"config": 0, "maillog": 0, "server": 0, "master": 0, "attr": 0, "smtperr": 0, "getopt": 0,
		"addr": 1, "dict": 1, "queue": 1, "tlsconf": 1,
	}
	const prefix = "github.com/postern/postern/pkg/"
	for pkg, lvl := range layer {
		out, err := exec.Command("go", "list", "-deps", "./../pkg/"+pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			name, ok := strings.CutPrefix(dep, prefix)
			if !ok {
				continue
			}
			name, _, _ = strings.Cut(name, "/")
			if dl, known := layer[name]; !known || dl > lvl {
				t.Errorf("pkg/%s (layer %d) imports pkg/%s, a higher layer", pkg, lvl, name)
			}
		}
	}
}
