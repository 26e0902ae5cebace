# Two commands matter: `make demo` and `make test` (see README "Quick start").
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DATA   ?= ../shared/data
OUT    ?= out

.PHONY: demo test install dev model bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml setup.py $(wildcard nlp/*/*.pyx)
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed
dev: $(VENV)/.dev-installed

demo: install
	@mkdir -p $(OUT)
	$(BIN)/nlp annotate corpus -o $(OUT)/demo.jsonl

test: dev
	$(BIN)/ruff check nlp cli.py benchmarks tests
	$(BIN)/python -m pytest

# Re-create the default model in models/default (and the entity models) from the shared evaluation data.
model: install
	$(BIN)/python benchmarks/default_model.py --data $(DATA) -o models/default
	$(BIN)/python benchmarks/entities.py --data $(DATA) --ship models/entities --no-msra-model
	$(BIN)/python benchmarks/entities.py --data $(DATA) --ship-msra models/entities_msra --refit --no-cluener-model

bench: install
	$(BIN)/python benchmarks/classify.py --data $(DATA)

clean:
	rm -rf $(OUT) build *.egg-info .pytest_cache
