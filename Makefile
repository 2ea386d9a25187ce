# domain-verifier: build, test and install.
#   make demo   the main job end to end: Knot, the daemon, a domain going pending -> verified
#   make test   install what is missing, build once, run every test
#   make build  build the daemon, the CLI and the tests (debug)
#   make bench  release build of the benchmark, then every figure next to its goal

SWIFT ?= swift
export SWIFT_BACKTRACE = enable=no

.PHONY: all deps build test bench demo clean

all: build

deps:
	scripts/install-deps.sh

build:
	$(SWIFT) build --build-tests

test: deps
	$(SWIFT) build --build-tests
	timeout 1800 $(SWIFT) test --skip-build --parallel

demo: deps
	$(SWIFT) build --product domain-verifierd
	$(SWIFT) build --product domainctl
	scripts/demo.sh

bench: deps
	$(SWIFT) build -c release --product domain-verifier-bench
	.build/release/domain-verifier-bench $(BENCH_ARGS)

clean:
	rm -rf .build
