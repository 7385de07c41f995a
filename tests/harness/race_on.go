//go:build race

package harness

// Under the race detector (go test -race) the harness builds the programs
// with -race too, and every wait is RaceScale times longer: a race-built
// program runs several times slower.
const (
	raceEnabled = true
	RaceScale   = 5
)
