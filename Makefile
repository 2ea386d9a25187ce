# domain-verifier: build, test and install.
#   make demo   the main job end to end: Knot, the daemon, a domain going pending -> verified
#   make test   install what is missing, build once, run every test
#   make test-long  the same with DV_LONG_TESTS=1: the long versions (schemathesis with 10 times the cases)
#   make build  build the daemon, the CLI and the tests (debug)
#   make bench  release build of the benchmark, then every figure next to its goal

SWIFT ?= swift
export SWIFT_BACKTRACE = enable=no

PREFIX ?= /usr
BINDIR ?= $(PREFIX)/bin
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
CATALOGDIR ?= $(PREFIX)/lib/systemd/catalog
SYSCONFDIR ?= /etc
BUILD ?= release
# The scale bench's store; its goals are stated for 1000000 (about 5 GB and 5 minutes of seeding).
SCALE_DOMAINS ?= 200000

.PHONY: all deps build test test-long bench demo install check-units clean

all: build

deps:
	scripts/install-deps.sh

build:
	$(SWIFT) build --build-tests

test: deps
	$(SWIFT) build --build-tests
	BIN=.build/debug scripts/check-units.sh
	timeout 1800 $(SWIFT) test --skip-build --parallel

test-long: deps
	$(SWIFT) build --build-tests
	DV_LONG_TESTS=1 timeout 3600 $(SWIFT) test --skip-build --parallel

check-units:
	BIN=.build/debug scripts/check-units.sh

demo: deps
	$(SWIFT) build --product domain-verifierd
	$(SWIFT) build --product domainctl
	scripts/demo.sh

bench: deps
	$(SWIFT) build -c release --product domain-verifier-bench
	$(SWIFT) build -c release --product domain-verifierd
	.build/release/domain-verifier-bench resolver $(BENCH_ARGS)
	.build/release/domain-verifier-bench daemon $(BENCH_ARGS)
	.build/release/domain-verifier-bench store $(BENCH_ARGS)
	.build/release/domain-verifier-bench create $(BENCH_ARGS)
	.build/release/domain-verifier-bench scale --domains $(SCALE_DOMAINS) $(BENCH_ARGS)
	python3 scripts/plot-bench.py docs/bench

# Binaries, units (pointing at BINDIR), sysusers.d, the journal catalog and an example configuration.
install:
	$(SWIFT) build -c $(BUILD) --product domain-verifierd
	$(SWIFT) build -c $(BUILD) --product domainctl
	install -D -m 0755 .build/$(BUILD)/domain-verifierd $(DESTDIR)$(BINDIR)/domain-verifierd
	install -D -m 0755 .build/$(BUILD)/domainctl $(DESTDIR)$(BINDIR)/domainctl
	install -d $(DESTDIR)$(UNITDIR)
	for unit in systemd/domain-verifierd.service systemd/domain-verifierd.socket; do \
		sed 's#/usr/bin/#$(BINDIR)/#g' $$unit > $(DESTDIR)$(UNITDIR)/$$(basename $$unit); \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$(basename $$unit); \
	done
	install -D -m 0644 systemd/domain-verifier.sysusers.conf $(DESTDIR)$(SYSUSERSDIR)/domain-verifier.conf
	install -D -m 0644 systemd/domain-verifier.catalog $(DESTDIR)$(CATALOGDIR)/domain-verifier.catalog
	install -D -m 0644 docs/domain-verifierd.toml.example $(DESTDIR)$(SYSCONFDIR)/domain-verifier/domain-verifierd.toml.example

clean:
	rm -rf .build
