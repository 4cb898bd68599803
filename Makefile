# The quick start: `make check` runs the policy checks on the example stack, `make test` runs
# the whole test suite. Both create the virtualenv on first use; `make test` also builds the
# Pulumi CLI for the end-to-end tests (scripts/install-pulumi, from the Go module proxy, once).
# `make test-fast` is the contributor's loop: all but the real engine and the packaging tests,
# in parallel (docs/development.md says which tests to run for which change).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Every package of the development environment (all extras) at one exact version, with hashes:
# resolved once by `make lock`, installed as it is by `make setup`.
LOCK := requirements.lock
# Test workers for pytest-xdist (`-n`): auto is one per core. The fast lane runs two per core:
# many of its tests wait on a child process or a clock, and another worker uses the core then.
WORKERS ?= auto
FAST_WORKERS ?= $(shell $(PYTHON) -c 'import os; print(2 * (os.cpu_count() or 1))')

# uv installs the locked environment. The uv on PATH serves when it is UV_VERSION or newer;
# otherwise UV_VERSION is installed into .uv/ (git-ignored) with pip, once (a few seconds).
UV_VERSION := 0.13.9
UV_ON_PATH := $(shell v=$$(uv --version 2>/dev/null | cut -d' ' -f2); \
	[ -n "$$v" ] && printf '%s\n%s\n' $(UV_VERSION) "$$v" | sort -V -C && echo uv)
ifeq ($(UV_ON_PATH),uv)
UV := uv
UV_BOOTSTRAP :=
else
UV := .uv/bin/uv
UV_BOOTSTRAP := .uv/uv-$(UV_VERSION).dist-info
endif
# The lock covers every extra and platform; `make lock` keeps the versions already locked and
# resolves only what pyproject.toml changed (`make lock UPGRADE=--upgrade` takes the newest).
LOCK_COMPILE = $(UV) pip compile pyproject.toml --all-extras --universal --python-version 3.11 \
	--generate-hashes --custom-compile-command 'make lock' --quiet $(UPGRADE)

# Bytecode is compiled once and kept: the tests start hundreds of interpreters, and one that
# compiles pulumi, grpc and pydantic from source starts in 1.4 s instead of 0.55 s here. uv does
# not compile by default (--compile-bytecode, in the setup below), and an environment that sets
# PYTHONDONTWRITEBYTECODE would make every interpreter compile this repository's modules again.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: setup check test test-fast engine lint lock lock-check emulator bench clean

setup: $(STAMP) policies/venv

# The policy pack in policies/ runs in its own virtualenv, ./venv (PulumiPolicy.yaml), as a
# published pack does; in the repository that is the project's .venv (a git-ignored link).
policies/venv:
	ln -sfn ../$(VENV) policies/venv

ifneq ($(UV_BOOTSTRAP),)
$(UV_BOOTSTRAP):
	@echo "setup: uv $(UV_VERSION) into .uv/ (no uv $(UV_VERSION) or newer on PATH)"
	PIP_ROOT_USER_ACTION=ignore $(PYTHON) -m pip install --quiet --disable-pip-version-check \
		--upgrade --target .uv uv==$(UV_VERSION)
endif

# `uv pip sync` makes the installed packages exactly the lock's (hashes checked), pip among them
# (the test extra has it); the project itself goes in editable, its dependencies being locked.
$(STAMP): pyproject.toml $(LOCK) | $(UV_BOOTSTRAP)
	@echo "setup: $(VENV) with the versions of $(LOCK) ($(UV))"
	test -x $(BIN)/python || $(UV) venv --python $(PYTHON) $(VENV)
	$(UV) pip sync --python $(BIN)/python --require-hashes --compile-bytecode $(LOCK)
	$(UV) pip install --python $(BIN)/python --no-deps --editable .
	touch $(STAMP)

lock: | $(UV_BOOTSTRAP)
	$(LOCK_COMPILE) --output-file $(LOCK)

# Fails when pyproject.toml and the lock disagree (a requirement added, dropped or narrowed
# without `make lock`): the lock is resolved again, keeping its versions, and compared.
lock-check: | $(UV_BOOTSTRAP)
	@fresh=$$(mktemp) && cp $(LOCK) $$fresh && $(LOCK_COMPILE) --output-file $$fresh \
		&& diff -u $(LOCK) $$fresh && rm -f $$fresh \
		&& echo "lock-check: $(LOCK) matches pyproject.toml" \
		|| { echo "lock-check: $(LOCK) is stale: run \`make lock\` and commit it"; exit 1; }

check: $(STAMP) policies/venv
	$(BIN)/gotham-inbox check

# The whole suite. Each end-to-end test has its own folders, Pulumi backend and home, and an
# emulator on a port of its own, so they run in parallel too; the tests of the wheel and its
# virtualenvs share one worker (their xdist group), which builds those once.
test: $(STAMP) policies/venv engine
	$(BIN)/python -m pytest -n $(WORKERS) --dist loadgroup

# Everything but the real engine (marker e2e) and the wheel and virtualenv builds (marker
# packaging), in parallel: no Go, no engine build.
test-fast: $(STAMP) policies/venv
	HYPOTHESIS_PROFILE=$${HYPOTHESIS_PROFILE:-fast} \
		$(BIN)/python -m pytest -n $(FAST_WORKERS) --dist loadgroup -m 'not e2e and not packaging'

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
	rm -rf $(VENV) .uv mutants .pytest_cache .mypy_cache .ruff_cache .hypothesis

# Mutation testing of the rule modules (the policies' rules, realms, validation, delivery) with
# mutmut, for contributors, not CI: [tool.mutmut] in pyproject.toml lists the modules and the
# tests run against each mutant (mutmut is in the lock, with the `mutation` extra). It works in
# the git-ignored mutants/ copy and reruns only what changed. A subset:
# `make mutation MODULES="gotham_inbox/realms.py gotham_inbox/_delivery.py"`.
MODULES ?=
MUTANT_NAMES = $(foreach name,$(patsubst %.py,%.*,$(subst /,.,$(MODULES))),'$(name)')

mutation: $(STAMP)
	$(BIN)/mutmut run $(MUTANT_NAMES)
	$(BIN)/python scripts/mutation_score.py

.PHONY: mutation
