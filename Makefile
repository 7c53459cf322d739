# The two commands that matter: `make run` and `make test`. See README.md.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
PG_URL ?= postgresql://postgres@127.0.0.1:5432/postgres

IMAGE  ?= salon-platform:dev

.PHONY: run test test-postgres fuzz lint bench chaos chaos-postgres migrate seed clean k8s-validate images

# Python packages from requirements.txt; the operators' CRD schemas (npm) for k8s-validate.
$(STAMP): requirements.txt deploy/crds/package-lock.json
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	npm ci --prefix deploy/crds --silent --no-audit --no-fund
	touch $(STAMP)

# Consumers partition their events by stream through RabbitMQ's consistent hash exchange.
BROKER_PLUGINS := rabbitmq_consistent_hash_exchange

run: $(STAMP)
	-@command -v rabbitmq-plugins >/dev/null && rabbitmq-plugins enable --quiet $(BROKER_PLUGINS) >/dev/null
	$(PY) -m shared.launcher

test: $(STAMP)
	-@command -v rabbitmq-plugins >/dev/null && rabbitmq-plugins enable --quiet rabbitmq_management $(BROKER_PLUGINS) >/dev/null
	$(PY) -m pytest

test-postgres: $(STAMP)
	TEST_POSTGRES_URL=$(PG_URL) $(PY) -m pytest

# A longer schemathesis run than the one in `make test`, with a fresh seed each time.
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-200} FUZZ_SEED=$${FUZZ_SEED:-random} $(PY) -m pytest tests/e2e/test_fuzz.py

# The whole system under booking load while the broker, the network, processes and (with
# -postgres) the database fail; CHAOS_ARGS=--short is the version CI runs.
chaos: $(STAMP)
	-@command -v rabbitmq-plugins >/dev/null && rabbitmq-plugins enable --quiet rabbitmq_management $(BROKER_PLUGINS) >/dev/null
	$(PY) -m chaos $(CHAOS_ARGS)

chaos-postgres: $(STAMP)
	-@command -v rabbitmq-plugins >/dev/null && rabbitmq-plugins enable --quiet rabbitmq_management $(BROKER_PLUGINS) >/dev/null
	BENCH_POSTGRES_URL=$(PG_URL) $(PY) -m chaos --postgres $(CHAOS_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check shared services tests bench chaos deploy
	$(VENV)/bin/hadolint Dockerfile

# Every overlay rendered by kubectl's kustomize and validated offline (schemas and rules).
k8s-validate: $(STAMP)
	$(PY) -m deploy.validate

# The one image (Dockerfile); only where a Docker engine answers.
images:
	@docker info >/dev/null 2>&1 || { echo "make images: no Docker engine answers here; CI lints the Dockerfile (make lint) instead" >&2; exit 1; }
	docker build --pull -t $(IMAGE) .

bench: $(STAMP)
	$(PY) -m bench

migrate: $(STAMP)
	$(PY) -m shared.manage migrate all

seed: $(STAMP)
	$(PY) -m shared.manage seed all

clean:
	rm -rf var
