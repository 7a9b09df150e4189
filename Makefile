# make test: create .venv if missing, install hymar with its test extras, run the test suite.
# make demo: the main job: `hymar demo` (tiny VLM, SFT, reward model, GRPO per reward preset, report) into out/demo.
# make score-example: `hymar score` on the bundled example rollouts, with a per-component table.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.hymar-installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

# The trainers whose reward path the adapter tests drive (tests/integrations/test_*_package.py). Their
# own pins (verl: transformers<5.11; ms-swift: trl<1.0; openrlhf: flash-attn, vllm) would replace this
# project's torch/transformers/trl, so each goes in with --no-deps, beside the few packages its reward
# path imports (checked: these leave every installed version as it was).
ADAPTER_PKGS := verl==0.9.1 ms-swift==4.6.0 openrlhf==0.11.2
ADAPTER_DEPS := tensordict==0.15.3 omegaconf==2.4.0 ray==2.60.0 aiohttp codetiming pylatexenc \
	orjson modelscope peft json_repair dacite msgspec

.PHONY: test test-fast demo score-example bench install clean

install: $(STAMP)

# torch goes first, pinned through constraints.txt: an unpinned torch would pull a multi-GB CUDA build.
$(STAMP): pyproject.toml constraints.txt
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "hymar needs Python 3.11+")'
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt torch==2.13.0
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[test]"
	$(BIN)/python -m pip install -q -c constraints.txt $(ADAPTER_DEPS)
	$(BIN)/python -m pip install -q --no-deps $(ADAPTER_PKGS)
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -q -ra

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

demo: $(STAMP)
	$(BIN)/hymar demo --out out/demo

score-example: $(STAMP)
	$(BIN)/hymar score examples/rollouts.jsonl -o out/scored.jsonl --preset harmo

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_verifiers.py

clean:
	rm -rf $(VENV) out .pytest_cache
