# pbxws: `make run` starts the server, `make test` runs every test.
SHELL := /bin/bash
GO ?= go
FUZZTIME ?= 2m
TESTPG := $(GO) run ./tests/testenv/cmd/testpg
# `pbxws version` prints these.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT)

.PHONY: bench-sip run build test bench fuzz lint clean distclean deps

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/pbxws ./cmd/pbxws

run: build
	./bin/pbxws serve

deps:
	tests/install-deps.sh

# One PostgreSQL cluster for every test package, stopped at the end whatever the outcome.
test: deps
	$(GO) vet ./...
	$(TESTPG) start
	status=0; \
	PBXWS_TEST_DATABASE_URL="$$($(TESTPG) url)" $(GO) test -count=1 -p 2 -timeout 30m ./... || status=$$?; \
	$(TESTPG) stop || true; \
	exit $$status

bench: deps build
	$(GO) run ./tests/bench

# Only the click-to-call bench (REFER calls against a sipp phone at increasing rates).
bench-sip: deps build
	PBXWS_BENCH_ONLY=sip $(GO) run ./tests/bench

# Every fuzz target for FUZZTIME, one at a time.
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$f ($(FUZZTIME))"; \
	    $(GO) test $$pkg -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME); \
	  done; \
	done

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	@test -x bin/staticcheck || GOBIN=$(CURDIR)/bin $(GO) install honnef.co/go/tools/cmd/staticcheck@latest
	bin/staticcheck ./...

clean:
	-$(TESTPG) stop
	rm -rf bin

distclean: clean
	rm -rf var
