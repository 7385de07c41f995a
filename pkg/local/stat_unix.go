package local

import (
	"os"
	"syscall"
)

// fileUID is the owner of a file.
func fileUID(st os.FileInfo) int {
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return int(s.Uid)
	}
	return -1
}
