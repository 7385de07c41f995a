package cleanup

import (
	"fmt"
	"os"
)

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func dirEmpty(dir string) bool {
	ents, err := os.ReadDir(dir)
	return err == nil && len(ents) == 0
}
