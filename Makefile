# Portfolio SIO — the two commands a newcomer needs are `make run` and `make test`.
GO ?= go
DATA ?= ./data
ADDR ?= 127.0.0.1:8080

.PHONY: run test test-go browser-deps generate check lint fmt bench build

## run: start the app with demo data on an embedded SQLite file ($(DATA))
run:
	$(GO) run ./cmd/portfolio serve --demo --data $(DATA) --addr $(ADDR)

## build: build the binary into ./bin/portfolio
build:
	$(GO) build -o bin/portfolio ./cmd/portfolio

## test: every check and every test (unit, HTTP, browser)
test: browser-deps check test-go

test-go:
	$(GO) test -count=1 ./...

## browser-deps: the browser tests drive Debian's chromium; install it when
## missing and we may (root with apt-get), else say how.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "chromium missing: installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "The browser tests need chromium: sudo apt-get install chromium" >&2; exit 1; \
	  fi; }

## generate: regenerate the templ views
generate:
	$(GO) tool templ generate

## check: formatting, generated files current, vet, staticcheck, tidy go.mod
check:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' | grep -v '_templ.go$$'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go' | grep -v '_templ.go$$'); exit 1; }
	$(GO) tool templ generate >/dev/null
	@git diff --exit-code --stat -- '*_templ.go' || { echo "templ files were stale: commit the regenerated *_templ.go"; exit 1; }
	$(GO) tool templ fmt -fail . >/dev/null
	$(GO) vet ./...
	$(GO) tool staticcheck ./...
	$(GO) mod tidy -diff

## bench: Go benchmarks of the pages (medians: run with -count)
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./internal/server/
