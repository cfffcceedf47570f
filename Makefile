# The two commands of the README: `make run` and `make test`. Both install what they need.
VENV   := .venv
PYTHON := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test tex bench clean

run: $(STAMP) tex
	$(VENV)/bin/qgen solve examples/network.json

test: $(STAMP) tex
	$(PYTHON) -m pytest -q

bench: $(STAMP) tex
	$(PYTHON) bench/solve_speed.py

tex:
	@.ci/install-tex

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install -q --upgrade pip
	$(PYTHON) -m pip install -q -e '.[test]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) build *.egg-info
