# Two commands do all the set-up from a fresh clone:
#   make book   builds the HTML book into _build/html (creates .venv on first use)
#   make test   runs every check: ruff, stripped notebooks, unit tests, the book build, nbval
# Two more for the edit-test loop:
#   make check  the quick checks only: ruff, format, stripped notebooks, unit tests
#   make lab    opens the chapters in JupyterLab, with .venv's kernel
# And one for the Chinese edition's translators:
#   make translations  puts the current English messages into locale/zh_CN/LC_MESSAGES/*.po
# `.ci/run` calls `make test`.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
COLAB  := .venv-colab
COLAB_STAMP := $(COLAB)/.installed
BOOK_FLAGS := -W -n --keep-going
export PATH := $(abspath $(BIN)):$(PATH)
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONHASHSEED := 0

.PHONY: book test check lab venv chromium fonts clean translations

# The book build and the tests draw no training progress bars (they would make the
# executed notebooks differ from run to run); `make lab` keeps them for a person.
book test check: export RNNKIT_PROGRESS := 0
# Each figure is drawn a second time with its text in Chinese, for the Chinese edition
# (rnnkit.translation); a person running `make lab` sees the English figure only.
book test check: export RNNKIT_EDITIONS := zh_CN

venv: $(STAMP)

# Reinstalls when the pins change. rnnkit is installed editable and without
# dependencies: requirements.txt already pins everything it needs.
$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# Notebooks execute two at a time into the build's cache; the build then renders them,
# in English (_build/html) and in Chinese (_build/html/zh, from the same cache).
book: $(STAMP) fonts
	$(BIN)/python .ci/execute.py
	$(BIN)/jupyter-book build . $(BOOK_FLAGS)
	$(BIN)/python .ci/i18n.py build
	$(BIN)/python .ci/notebook_times.py

# .ci/test-all installs the Colab stand-in ($(COLAB_STAMP)) itself, in the background.
test: $(STAMP) chromium
	bash .ci/test-all

# The first steps of `make test`, which need neither the book nor a browser.
check: $(STAMP) fonts
	bash .ci/test-all --quick

# The English messages of every page into its catalogue; a changed sentence comes back
# fuzzy (its old translation kept for the translator to revise). CONTRIBUTING.md: Translations.
translations: $(STAMP)
	$(BIN)/python .ci/i18n.py update

# Jupyter refuses to run as root unless told to; containers and cloud VMs often log in
# as root, so there `make lab` passes --allow-root and says so.
ROOT_FLAG = $(if $(filter 0,$(shell id -u)),--allow-root)
lab: $(STAMP)
	@$(if $(ROOT_FLAG),echo "make lab: running as root (as in many containers): passing --allow-root to Jupyter")
	$(BIN)/jupyter lab --ServerApp.root_dir=chapters $(ROOT_FLAG)

# A stand-in for Colab for the first-cell test: torch, TensorFlow and Jupyter
# preinstalled (same pins as requirements.txt), rnnkit absent. No bytecode is compiled
# ahead (--no-compile): the test imports a few modules, and compiling every file of
# torch and TensorFlow took 15 s of CPU away from the unit tests running beside it.
$(COLAB_STAMP): requirements.txt
	$(PYTHON) -m venv $(COLAB)
	$(COLAB)/bin/python -m pip install --quiet --no-compile -c requirements.txt \
		torch tensorflow-cpu keras numpy matplotlib pandas tqdm ipykernel nbclient pyyaml
	touch $@

# The browser tests drive Debian's Chromium (no browser download), with Debian's colour
# emoji font for the exercise results' status glyphs (⏳ ❌ ✅, rnnkit.checks.core), which
# are empty boxes in the screenshots without one. Installed once.
chromium: fonts
	@command -v chromium >/dev/null && fc-list | grep -qi "color emoji" || \
		{ apt-get update -qq && \
		  apt-get install -y -qq chromium fonts-noto-color-emoji >/dev/null; }

# A Debian font with Chinese glyphs, for the Chinese edition's figures (drawn when the
# notebooks execute) and for the browser that shows its pages. Installed once.
fonts:
	@fc-list "WenQuanYi Micro Hei:" | grep -q . || \
		{ apt-get update -qq && apt-get install -y -qq fonts-wqy-microhei >/dev/null; }

clean:
	rm -rf _build
