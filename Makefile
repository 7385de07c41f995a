# Postern: a Postfix-compatible mail transfer agent in Go.
#
#   make build    every program (daemons and commands) into ./bin
#   make run      a self-contained instance under ./run on 127.0.0.1:2525 (foreground)
#   make test     gofmt, go vet and the whole test suite
#   make bench    benchmarks side by side with the real Postfix
#   make fuzz     every fuzz target for FUZZTIME each (FUZZ=regexp picks some)
#   make soak     the long fault-injection and hostile-input runs (docs/reliability.md)
#   make race     the programs and the whole test suite under the race detector
#                 (RACEFLAGS='-run X' picks tests; docs/architecture.md)
#   make install  into $(DESTDIR)$(PREFIX) (see docs/install.md)

GO        ?= go
PREFIX    ?= /usr
DESTDIR   ?=
DAEMON_DIRECTORY  ?= $(PREFIX)/libexec/postfix
COMMAND_DIRECTORY ?= $(PREFIX)/sbin
CONFIG_DIRECTORY  ?= /etc/postfix
FUZZTIME  ?= 20s
TESTFLAGS ?= -timeout 20m
RACEFLAGS ?=
RACEDIR   := $(CURDIR)/bin-race

PKG       := github.com/postern/postern/pkg/config
LDFLAGS   := -X $(PKG).DefaultDaemonDirectory=$(DAEMON_DIRECTORY) \
             -X $(PKG).DefaultCommandDirectory=$(COMMAND_DIRECTORY) \
             -X $(PKG).DefaultConfigDirectory=$(CONFIG_DIRECTORY)

.PHONY: all build test vet fmt-check run install uninstall bench fuzz soak race clean

all: build

build:
	@mkdir -p bin
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/ ./cmd/...
	@scripts/link-aliases bin

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

test: build fmt-check vet
	POSTERN_BIN=$(CURDIR)/bin $(GO) test $(TESTFLAGS) ./...

run: build
	scripts/make-run-instance $(CURDIR)
	@echo "Postern on 127.0.0.1:2525, logs in ./run/maillog; Ctrl-C stops it."
	bin/postfix -c $(CURDIR)/run/etc start-fg

install: build
	scripts/install "$(DESTDIR)" "$(PREFIX)" "$(DAEMON_DIRECTORY)" "$(COMMAND_DIRECTORY)" "$(CONFIG_DIRECTORY)"

uninstall:
	scripts/uninstall "$(DESTDIR)" "$(PREFIX)" "$(DAEMON_DIRECTORY)" "$(COMMAND_DIRECTORY)"

bench: build
	scripts/bench $(CURDIR)

fuzz:
	scripts/fuzz-all $(FUZZTIME) '$(or $(FUZZ),.)'

soak: build
	POSTERN_BIN=$(CURDIR)/bin POSTERN_SOAK=1 $(GO) test -timeout 90m -count=1 -v -run '^Test(Reliability|Hostile|E2ECrashUnderLoad|AnvilMemory)' ./tests/

# race: every program race-built into ./bin-race (no -trimpath, so that
# the harness's own -race build of testd reuses the compiled packages),
# then the library and cmd tests and the process-level tests with -race.
# The harness copies the race-built programs from $POSTERN_BIN and fails
# a test whose instance wrote a race report; GORACE sends every other report (test
# binaries, commands the tests run) to bin-race/reports, and any file
# there fails the target even when every test passed.
race:
	@rm -rf bin-race && mkdir -p bin-race/reports
	$(GO) build -race -ldflags '$(LDFLAGS)' -o bin-race/ ./cmd/...
	@scripts/link-aliases bin-race
	@st=0; export GORACE="log_path=$(RACEDIR)/reports/report halt_on_error=0"; \
	$(GO) test -race -count=1 -timeout 30m $(RACEFLAGS) ./pkg/... ./cmd/... || st=1; \
	POSTERN_BIN=$(RACEDIR) $(GO) test -race -count=1 -timeout 60m $(RACEFLAGS) ./tests/... || st=1; \
	if ls bin-race/reports/report.* >/dev/null 2>&1; then \
		echo "race reports in bin-race/reports:"; cat bin-race/reports/report.*; st=1; \
	fi; exit $$st

clean:
	rm -rf bin bin-race run
