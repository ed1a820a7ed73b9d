# Kommune-RPA: two commands for a new user (`make run`, `make test`), and a few more for developers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup setup-mail run demo test lint bench docs clean browser

setup: $(STAMP) browser

# The browser tests drive Debian's Chromium (never a downloaded browser build); as root,
# install it when it is missing. Without it those tests skip with a reason.
browser:
	@test -x /usr/bin/chromium || [ "$$(id -u)" != 0 ] || \
		(apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

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

# Three workers on two cores: much of the suite waits on robot processes, daemons and the ERP
# stub, so a third worker fills the idle time: 10.6 min on a quiet machine, where the smaller
# suite of the previous release took 14.9 min in CI with two.
test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 3 -q

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: setup
	$(BIN)/kommunerpa bench validate

# Keyword documentation of the robots' libraries (Robot Framework libdoc), in docs/keywords/.
KEYWORD_LIBRARIES := tasks.receipt.keywords.ReceiptKeywords tasks.control.keywords.ControlKeywords \
	tasks.matching.keywords.MatchingKeywords tasks.posting.keywords.PostingKeywords \
	orchestrator.robotlib.WorkItemKeywords
docs: setup
	mkdir -p docs/keywords
	for lib in $(KEYWORD_LIBRARIES); do \
		KOMMUNERPA_HOME=$$(mktemp -d) RPA_WORKITEMS_ADAPTER=orchestrator.workitems.QueueAdapter \
			$(BIN)/python -m robot.libdoc $$lib docs/keywords/$${lib##*.}.html; \
	done

clean:
	rm -rf $(VENV) var .pytest_cache
