package tests

import (
	"testing"

	"github.com/postern/postern/tests/harness"
)

// TestMain removes the programs that the harness built for this package.
func TestMain(m *testing.M) { harness.Main(m) }
