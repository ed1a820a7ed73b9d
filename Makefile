# Kommune-RPA: two commands for a new user (`make run`, `make test`), and a few more for developers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup setup-mail run demo test lint bench docs clean

setup: $(STAMP)

# Reinstall only when the dependency declarations change.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $(STAMP)

# Debian's dovecot for the IMAP connector's tests (they skip without it; CI installs it).
setup-mail:
	.ci/install-dovecot

run: setup
	$(BIN)/kommunerpa run

demo: setup
	$(BIN)/kommunerpa demo

test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 2 -q

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup
	$(BIN)/kommunerpa bench validate

# Keyword documentation of the robots' libraries (Robot Framework libdoc), in docs/keywords/.
KEYWORD_LIBRARIES := tasks.receipt.keywords.ReceiptKeywords tasks.control.keywords.ControlKeywords \
	tasks.matching.keywords.MatchingKeywords tasks.posting.keywords.PostingKeywords \
	connectors.erp.keywords.ErpKeywords orchestrator.robotlib.Arbeidsoppgaver
docs: setup
	mkdir -p docs/keywords
	for lib in $(KEYWORD_LIBRARIES); do \
		KOMMUNERPA_HOME=$$(mktemp -d) $(BIN)/python -m robot.libdoc $$lib docs/keywords/$${lib##*.}.html; \
	done

clean:
	rm -rf $(VENV) var .pytest_cache
