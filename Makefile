# The two commands of the README: `make run` and `make test`. Both install what they need.
VENV   := .venv
PYTHON := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test tex browser bench clean

QGEN    := $(VENV)/bin/qgen
EXAMPLE := output/example-exam

run: $(STAMP) tex
	@echo "== qgen solve examples/network.json (the engine on a worked example)"
	$(QGEN) solve examples/network.json > output/network-solution.json
	@echo "   wrote output/network-solution.json"
	@echo "== a practice set with worked keys"
	$(QGEN) generate --kind mlp --kind graph --kind softmax-ce --kind jacobian --count 2 --seed 1 --format pdf,html --out output/practice
	@echo "== the example exam for the example roster (its secret is made once, in $(EXAMPLE)/exam.secret)"
	mkdir -p $(EXAMPLE)
	cp examples/exam.toml examples/roster.csv $(EXAMPLE)/
	$(QGEN) exam init $(EXAMPLE) > /dev/null
	$(QGEN) exam $(EXAMPLE)/exam.toml --roster $(EXAMPLE)/roster.csv --out $(EXAMPLE)/build --force
	@echo "Done: open output/practice/questions.pdf and answers.pdf, practice.html (answers checked as you type), and $(EXAMPLE)/build/."

test: $(STAMP) tex browser
	$(PYTHON) -m pytest -q

bench: $(STAMP) tex browser
	$(PYTHON) bench/solve_speed.py
	$(PYTHON) bench/generate_speed.py
	$(PYTHON) bench/exam_speed.py
	$(PYTHON) bench/prepare_speed.py
	$(PYTHON) bench/cut_speed.py
	$(PYTHON) bench/latex_costs.py
	$(PYTHON) bench/html_page.py

tex:
	@.ci/install-tex

browser:
	@.ci/install-browser

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install -q --upgrade pip
	$(PYTHON) -m pip install -q -e '.[test]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) build *.egg-info
