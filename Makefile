# Portfolio SIO — the two commands a newcomer needs are `make run` and `make test`.
GO ?= go
DATA ?= ./data
ADDR ?= 127.0.0.1:8080

.PHONY: run test test-go test-scale test-deps fuzz vulncheck crashtest generate check bench gobench build

## run: start the app with demo data on an embedded SQLite file ($(DATA))
run:
	@echo "Compilation de Portfolio SIO (la première fois, une à deux minutes : Go télécharge et compile les dépendances)…"
	@$(GO) build -o bin/portfolio ./cmd/portfolio
	@echo "Démarrage sur http://$(ADDR)/ (données : $(DATA) ; autre adresse : make run ADDR=127.0.0.1:8081)"
	@./bin/portfolio serve --demo --data $(DATA) --addr $(ADDR)

## build: build the binary into ./bin/portfolio
build:
	$(GO) build -o bin/portfolio ./cmd/portfolio

## test: every check and every test (unit, HTTP, browser)
test: test-deps check vulncheck test-go test-scale fuzz crashtest

## test-go: every test, with the race detector when a C compiler is there
test-go:
	@if CGO_ENABLED=1 $(GO) env CC >/dev/null 2>&1 && command -v "$$($(GO) env CC)" >/dev/null 2>&1; then \
	  echo "$(GO) test -race -count=1 ./..."; CGO_ENABLED=1 $(GO) test -race -count=1 ./...; \
	else \
	  echo "race detector skipped: no C compiler (install gcc)"; $(GO) test -count=1 ./...; \
	fi

## test-scale: the pages' costs at 200 and 20,000 students
## (TestPagesCostTheSameWhateverTheSchoolSize), without the race detector,
## under which it would take six minutes (test-go skips it then)
test-scale:
	$(GO) test -count=1 -run '^TestPagesCostTheSameWhateverTheSchoolSize$$' ./internal/server/

## vulncheck: known vulnerabilities in the code and its dependencies; says
## so when the vulnerability database cannot be reached
vulncheck:
	@out=$$($(GO) tool govulncheck ./... 2>&1); status=$$?; \
	if echo "$$out" | grep -q "fetching vulnerabilities"; then \
	  echo "govulncheck skipped: database unreachable"; \
	else \
	  echo "$$out"; exit $$status; \
	fi

## test-deps: the browser tests drive Debian's chromium, check each page
## with axe-core and the Nu HTML checker (npm packages, Java), the PDF
## tests read PDFs with poppler-utils, and the XLSX tests print the
## spreadsheets with LibreOffice (libreoffice-calc-nogui, about 50 s to
## install), which must draw Arial in Liberation Sans (fonts-liberation2)
## as our PDF does; install what is missing when we may (root with
## apt-get), else say how.
TEST_PKGS = chromium:chromium pdftotext:poppler-utils java:openjdk-17-jre-headless npm:npm soffice:libreoffice-calc-nogui
A11Y = internal/server/testdata/a11y
test-deps:
	@missing=""; for p in $(TEST_PKGS); do command -v $${p%%:*} >/dev/null 2>&1 || missing="$$missing $${p#*:}"; done; \
	test -f /usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf || missing="$$missing fonts-liberation2"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian packages for the tests:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "The tests need:$$missing (sudo apt-get install$$missing)" >&2; exit 1; \
	  fi; \
	fi
	@test -f $(A11Y)/node_modules/vnu-jar/build/dist/vnu.jar -a -f $(A11Y)/node_modules/axe-core/axe.min.js || \
	  { echo "installing axe-core and vnu-jar (npm) into $(A11Y)"; npm ci --prefix $(A11Y) --no-audit --no-fund --ignore-scripts >/dev/null; }

## fuzz: every fuzz target for a short fixed time (FUZZTIME each); an
## input that finds new code is minimised in at most FUZZMINIMIZE runs
## (FuzzOutputs takes about 0.3 s a run: the default 60 s of minimising
## would leave no time to fuzz)
FUZZTIME ?= 10s
FUZZMINIMIZE ?= 20x
FUZZ_TARGETS = FuzzParse:./internal/roster FuzzParseMonth:./internal/portfolio FuzzParse:./internal/referentiel \
	FuzzRealisationForm:./internal/server FuzzHandlers:./internal/server FuzzOutputs:./internal/server FuzzDrawable:./internal/export FuzzCheckPart:./internal/export
# Go 1.26's fuzz coordinator can fail a target with a bare "context
# deadline exceeded" when -fuzztime ends while a worker is busy
# (go.dev/issue/75804, fixed in Go 1.27): a target that fails without
# writing a failing input to testdata/fuzz is run once more; one that
# writes an input fails at once.
fuzz:
	@for t in $(FUZZ_TARGETS); do \
	  name=$${t%%:*}; pkg=$${t#*:}; \
	  echo "fuzz $$name ($(FUZZTIME))"; \
	  before=$$(ls $$pkg/testdata/fuzz/$$name 2>/dev/null | wc -l); \
	  if ! $(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) $$pkg; then \
	    after=$$(ls $$pkg/testdata/fuzz/$$name 2>/dev/null | wc -l); \
	    if [ "$$after" != "$$before" ]; then echo "fuzz $$name found a failing input: see $$pkg/testdata/fuzz/$$name"; exit 1; fi; \
	    echo "fuzz $$name failed without a failing input (go.dev/issue/75804): once more"; \
	    $(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZE) $$pkg || exit 1; \
	  fi; \
	done

## crashtest: kill the server with SIGKILL during concurrent writes (20
## rounds) and check that no acknowledged write is lost
crashtest:
	$(GO) run ./cmd/crashtest -rounds 20

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

## bench: load test over loopback, each figure beside its target with
## PASS/FAIL: 2,000 students × 30 réalisations in classes of 35, 64
## connections, DURATION per page (30 s) — the pages with the page cache
## on, an exam week (35 students writing, 2 teachers reviewing, the jury
## reading), the pages with the cache off, the server's peak memory (about
## 5 minutes). SCALE=national generates 40,000 students (all BTS SIO
## students in France) and also reports the database's size and the time
## to generate it.
SCALE ?=
DURATION ?= 30s
bench:
	$(GO) run ./cmd/loadbench -duration $(DURATION) $(if $(SCALE),-scale $(SCALE))

## gobench: Go benchmarks of the pages and the PDF (medians, queries per page)
gobench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./internal/server/ ./internal/export/
