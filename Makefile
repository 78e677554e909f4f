# Set-up is part of every target: a fresh clone needs only `make demo` or `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench text8 clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,dask,ann]'
	touch $(STAMP)

# Train on the embedded demo corpus, then show some neighbours.
demo: $(STAMP)
	mkdir -p demo-out
	$(BIN)/embedkit train-words corpora/demo.txt -o demo-out/model.ekm --dim 100
	$(BIN)/embedkit neighbors great dog paris monday coffee -k 5 --model demo-out/model.ekm

# CI runs `make test`: the import layers and ruff first, then the suite.
test: lint
	$(BIN)/python -m pytest -q

# The layers contract in pyproject.toml ([tool.importlinter]), then ruff (lint and format).
lint: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/ruff check embedkit tests benchmarks corpora
	$(BIN)/ruff format --check embedkit tests benchmarks corpora

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_words.py
	$(BIN)/python benchmarks/bench_graph.py
	$(BIN)/python benchmarks/bench_sentences.py --modes usif-oov,usif,sif,mean --no-cv

# The standard text8 corpus (100 MB of cleaned Wikipedia, one line): corpora/text8
text8: $(STAMP)
	curl -fL -o corpora/text8.zip http://mattmahoney.net/dc/text8.zip
	$(BIN)/python -c "import sys; from embedkit.corpus import prepare_text8; prepare_text8(*sys.argv[1:])" corpora/text8.zip corpora/text8

clean:
	rm -rf $(VENV) demo-out .pytest_cache
