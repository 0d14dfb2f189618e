# Two commands: `make run` and `make test`. Both install into .venv/ first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_HOME := $(CURDIR)/.prefect
export DO_NOT_TRACK := 1

.PHONY: run test install bench evaluate lock clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/accords run --raw raw --processed processed

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/accords bench

evaluate: $(STAMP)
	$(BIN)/accords evaluate ../shared/gold/seeds --processed processed

# Re-pin every dependency after editing pyproject.toml.
lock:
	rm -rf /tmp/accords-lock && $(PYTHON) -m venv /tmp/accords-lock
	/tmp/accords-lock/bin/pip install --quiet -e ".[test]"
	( echo "# Constraints for every install (pip install -c requirements.lock)."; \
	  echo "# Regenerate with \`make lock\` after changing pyproject.toml."; \
	  /tmp/accords-lock/bin/pip freeze --exclude-editable | sort -f ) > requirements.lock

clean:
	rm -rf $(VENV) .prefect
