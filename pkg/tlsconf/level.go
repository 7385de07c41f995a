package tlsconf

// Level is a TLS security level (tls_level.c), ordered as Postfix's
// TLS_LEV_* so that comparisons mean "at least".
type Level int

const (
	LevelNotFound Level = iota - 2 // policy lookups: no entry
	LevelInvalid                   // bad value or policy
	LevelNone
	LevelMay
	LevelEncrypt
	LevelFingerprint
	LevelHalfDane
	LevelDane
	LevelDaneOnly
	LevelVerify
	LevelSecure
)

var levelNames = []struct {
	name  string
	level Level
}{
	{"none", LevelNone}, {"may", LevelMay}, {"encrypt", LevelEncrypt},
	{"fingerprint", LevelFingerprint}, {"dane", LevelDane}, {"dane-only", LevelDaneOnly},
	{"verify", LevelVerify}, {"secure", LevelSecure},
}

// LookupLevel maps a level name, case-sensitively as tls_level_lookup();
// unknown names give LevelInvalid.
func LookupLevel(name string) Level {
	for _, l := range levelNames {
		if l.name == name {
			return l.level
		}
	}
	return LevelInvalid
}

// String is the level's name (str_tls_level()).
func (l Level) String() string {
	for _, n := range levelNames {
		if n.level == l {
			return n.name
		}
	}
	if l == LevelHalfDane {
		return "halfdane"
	}
	return "unknown"
}

// Required reports whether the level refuses plaintext (TLS_REQUIRED).
func (l Level) Required() bool { return l > LevelMay }

// MustMatch reports whether the server certificate must match
// (TLS_MUST_MATCH).
func (l Level) MustMatch() bool { return l > LevelEncrypt }
