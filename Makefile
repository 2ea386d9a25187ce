# domain-verifier: build, test and install.
#   make test   install what is missing, build once, run every test
#   make build  build the daemon, the CLI and the tests (debug)

SWIFT ?= swift
export SWIFT_BACKTRACE = enable=no

.PHONY: all deps build test clean

all: build

deps:
	scripts/install-deps.sh

build:
	$(SWIFT) build --build-tests

test: deps
	$(SWIFT) build --build-tests
	timeout 1800 $(SWIFT) test --skip-build --parallel

clean:
	rm -rf .build
