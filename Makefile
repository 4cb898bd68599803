# The quick start: `make check` runs the policy checks on the example stack, `make test` runs
# the whole test suite. Both create the virtualenv on first use; `make test` also builds the
# Pulumi CLI for the end-to-end tests (scripts/install-pulumi, from the Go module proxy, once).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup check test engine lint emulator bench clean

setup: $(STAMP) policies/venv

# The policy pack in policies/ runs in its own virtualenv, ./venv (PulumiPolicy.yaml), as a
# published pack does; in the repository that is the project's .venv (a git-ignored link).
policies/venv:
	ln -sfn ../$(VENV) policies/venv

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

check: $(STAMP) policies/venv
	$(BIN)/gotham-inbox check

test: $(STAMP) policies/venv engine
	$(BIN)/python -m pytest

# The Pulumi CLI and its Python language host in .pulumi/, and the YAML language host the
# gotham plugin's end-to-end tests use in .pulumi-hosts/ (both git-ignored): built on first
# use, reused afterwards. Without Go it prints a note and the end-to-end tests (tests/e2e)
# skip; under CI (CI=true) they fail instead.
engine:
	scripts/install-pulumi --if-go
	scripts/install-language-hosts --if-go

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

emulator: $(STAMP)
	$(BIN)/gotham-inbox emulator

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis

# Mutation testing of the rule modules (the policies' rules, realms, validation, delivery) with
# mutmut, for contributors, not CI: [tool.mutmut] in pyproject.toml lists the modules and the
# tests run against each mutant. It works in the git-ignored mutants/ copy and reruns only what
# changed. A subset: `make mutation MODULES="gotham_inbox/realms.py gotham_inbox/_delivery.py"`.
MODULES ?=
MUTANT_NAMES = $(foreach name,$(patsubst %.py,%.*,$(subst /,.,$(MODULES))),'$(name)')

mutation: $(STAMP)
	$(BIN)/python -c 'import mutmut' 2>/dev/null || \
		if command -v uv >/dev/null; then uv pip install --python $(BIN)/python -e '.[mutation]'; \
		else $(BIN)/python -m pip install -e '.[mutation]'; fi
	$(BIN)/mutmut run $(MUTANT_NAMES)
	$(BIN)/python scripts/mutation_score.py

.PHONY: mutation
