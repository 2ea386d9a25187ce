# domain-verifier: build, test and install.
#   make demo   the main job end to end: Knot, the daemon, a domain going pending -> verified
#   make test   install what is missing, build once, run every test
#   make build  build the daemon, the CLI and the tests (debug)
#   make test-long  the long tests (crash campaign, schemathesis with 10 times the cases); .ci/run runs them too
#   make bench  release build of the benchmark, then every figure next to its goal
#   make fuzz   libFuzzer on every parser for FUZZ_SECONDS each; fails on a crash (FUZZ_MERGE=1 keeps new inputs)

SWIFT ?= swift
export SWIFT_BACKTRACE = enable=no

PREFIX ?= /usr
BINDIR ?= $(PREFIX)/bin
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
CATALOGDIR ?= $(PREFIX)/lib/systemd/catalog
SYSCONFDIR ?= /etc
BUILD ?= release
# The scale bench: a million domains (about 8 GB and 3 to 5 minutes of seeding), and a soak of
# SOAK_SECONDS at 1,000 checks/s; the issue's 10-minute soak is SOAK_SECONDS=600 (7 minutes more).
SCALE_DOMAINS ?= 1000000
SOAK_SECONDS ?= 120
# Fuzzing: seconds per parser, which parsers (all by default), and whether inputs that add coverage
# are merged into Fuzz/corpus. The fuzz build has its own folder: its flags differ from every other build.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= taglist dkim spf dmarc judge domain duration zonefile dns toml json http
FUZZ_MERGE ?= 0
FUZZ_BUILD ?= .build/fuzz

.PHONY: all deps build test test-long bench fuzz demo install check-units clean

all: build

deps:
	scripts/install-deps.sh

build:
	$(SWIFT) build --build-tests

test: deps
	$(SWIFT) build --build-tests
	BIN=.build/debug scripts/check-units.sh
	timeout 1800 $(SWIFT) test --skip-build --parallel

# The long tests are suites enabled by DV_LONG_TESTS=1 (the crash campaign) and tests that run
# longer with it (schemathesis with 10 times the cases); `make test` runs the short versions.
LONG_TESTS ?= CrashCampaignTests|DNSFaultSoakTests|SchemathesisTests
test-long: deps
	$(SWIFT) build --build-tests
	DV_LONG_TESTS=1 timeout 2400 $(SWIFT) test --skip-build --parallel --filter '$(LONG_TESTS)'

check-units:
	BIN=.build/debug scripts/check-units.sh

demo: deps
	$(SWIFT) build --product domain-verifierd
	$(SWIFT) build --product domainctl
	scripts/demo.sh

bench: deps
	@date +"bench started at %T"
	$(SWIFT) build -c release --product domain-verifier-bench
	$(SWIFT) build -c release --product domain-verifierd
	.build/release/domain-verifier-bench resolver $(BENCH_ARGS)
	.build/release/domain-verifier-bench daemon $(BENCH_ARGS)
	.build/release/domain-verifier-bench store $(BENCH_ARGS)
	.build/release/domain-verifier-bench create $(BENCH_ARGS)
	.build/release/domain-verifier-bench scale --domains $(SCALE_DOMAINS) --soak-seconds $(SOAK_SECONDS) $(BENCH_ARGS)
	python3 scripts/plot-bench.py docs/bench
	@date +"bench finished at %T"

# libFuzzer and AddressSanitizer come with the Swift toolchain. The executable exists only with
# DOMAIN_VERIFIER_FUZZ=1 (see Package.swift); it has a Swift main that starts libFuzzer's driver, so
# it takes libFuzzer without its main and the coverage -sanitize=fuzzer would add, spelled out.
FUZZ_RUNTIME = $(shell $(dir $(realpath $(shell command -v $(SWIFT))))clang --print-file-name=libclang_rt.fuzzer_no_main-x86_64.a)
fuzz: deps
	DOMAIN_VERIFIER_FUZZ=1 $(SWIFT) build -c release --scratch-path $(FUZZ_BUILD) --product domain-verifier-fuzz \
		-Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table \
		-Xlinker $(FUZZ_RUNTIME) -Xlinker -lstdc++
	FUZZ_BIN=$(FUZZ_BUILD)/release/domain-verifier-fuzz FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_MERGE=$(FUZZ_MERGE) \
		scripts/fuzz.sh $(FUZZ_TARGETS)

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
