//go:build !race

package harness

// Without the race detector the programs are built plainly and the waits
// are as written; see race_on.go.
const (
	raceEnabled = false
	RaceScale   = 1
)
