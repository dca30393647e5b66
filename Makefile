# The README's two commands, and the everyday ones.
.PHONY: demo test lint fix test-browser bench

demo:
	bash scripts/demo.sh

test:
	bash scripts/test.sh

lint:
	.venv/bin/ruff check joinedup benchmarks
	.venv/bin/lint-imports --no-cache

fix:
	.venv/bin/ruff check --fix joinedup benchmarks
	.venv/bin/ruff format joinedup benchmarks

test-browser:
	JOINEDUP_MODE=test .venv/bin/python -m pytest -m browser

bench:
	.venv/bin/python benchmarks/synth.py --children 250000
