# Set-up is idempotent: the venv is (re)installed only when pyproject.toml changes.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
ADAM   := $(VENV)/bin/adam
STAMP  := $(VENV)/.installed
STUDY  ?= camms223
SEED   ?= 2026
SDTM   := sdtm_in/$(STUDY)
OUT    := adam_out/$(STUDY)

.PHONY: all setup simulate build validate export paper test bench qc clean

all: setup simulate build paper

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

simulate: setup
	test -f $(SDTM)/dm.xpt || $(ADAM) simulate --study $(STUDY) --seed $(SEED) --out $(SDTM)

build: setup
	$(ADAM) build --study $(STUDY) --sdtm $(SDTM) --out $(OUT)

validate: setup
	$(ADAM) validate --spec specs/$(STUDY) --adam $(OUT)

export: setup
	$(ADAM) export --spec specs/$(STUDY) --adam $(OUT) --out $(OUT)

paper: setup
	$(ADAM) report paper --adam $(OUT)

qc: setup
	$(PY) -m validation.run_qc --sdtm $(SDTM) --adam $(OUT) --spec specs/$(STUDY)

test: setup
	$(PY) -m pytest

bench: setup
	$(ADAM) bench --subjects 1000 10000 100000

clean:
	rm -rf $(VENV) adam_out/* sdtm_in/* bench/results.json .pytest_cache *.egg-info
	git checkout -- adam_out/README.md sdtm_in/README.md 2>/dev/null || true
