# Common Ground — everyday commands. `make run` and `make test` are all a newcomer needs.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCALES := es fr ar zh_Hans vi
POT := locales/messages.pot

.DEFAULT_GOAL := help
.PHONY: help install run test soak lint format catalogs extract update-catalogs bench clean

help:
	@echo "make run       run the bot (offline sandbox demo when BOT_TOKEN is not set)"
	@echo "make test      lint, catalog checks and every test"
	@echo "make soak      the long runs (a minute without Telegram) and the events end-to-end module three times"
	@echo "make format    apply ruff fixes and formatting"
	@echo "make extract   collect translatable strings into $(POT)"
	@echo "make update-catalogs   merge $(POT) into every locale's .po"
	@echo "make catalogs  compile .po into .mo (build output)"
	@echo "make bench     throughput against Telegram's limits, in process and over real HTTP (BENCH_RECIPIENTS=10000)"

# Quiet on purpose: one line before, one after; pip speaks up only when something fails.
$(STAMP): pyproject.toml
	@echo "Installing Common Ground and its dependencies into $(VENV) (once; a minute or two)..."
	@$(PY) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	@$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)
	@echo "Installed into $(VENV)."

install: $(STAMP)

run: install catalogs
	$(BIN)/python -m bot

test: install lint catalogs
	$(BIN)/python -m pytest

soak: install catalogs
	$(BIN)/python -m pytest -m soak
	for run in 1 2 3; do \
		$(BIN)/python -m pytest -m 'soak or not soak' tests/e2e/test_events_e2e.py || exit 1; \
	done

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

catalogs: install
	@$(BIN)/pybabel -q compile -d locales -D messages
	@echo "Translations compiled: $(LOCALES) (make test checks they are complete)."

extract: install
	$(BIN)/pybabel extract -F babel.cfg -k N_ --add-location=file --sort-by-file \
		--project="Common Ground" --copyright-holder="Common Ground contributors" \
		--msgid-bugs-address="" -o $(POT) .

update-catalogs: extract
	$(BIN)/pybabel update -i $(POT) -d locales -D messages --no-fuzzy-matching --ignore-obsolete

bench: install catalogs
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache locales/*/LC_MESSAGES/*.mo
