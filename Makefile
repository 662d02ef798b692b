# publisher: `make brief` builds every article in articles/ into out/; `make test` runs the tests.
# Both create the project's virtual environment (.venv) on first use.

PYTHON   ?= python3
VENV     := .venv
PY       := $(VENV)/bin/python
PUB      := $(VENV)/bin/publisher
ARTICLES ?= articles
OUT      ?= out
MODEL    ?=
# Extra options for `publisher brief`, e.g. BRIEF_FLAGS="--beam 4 --layout interleaved"
BRIEF_FLAGS ?=
FIXTURE  := tests/fixture/ko_en_test.argosmodel
ARGOS    := argostranslate==1.11.0
# Debian packages the tests drive for real (PDF inspection, a headless browser).
TEST_DEBS := poppler-utils chromium chromium-driver qpdf

.PHONY: help brief test test-fast models fixture bench bench-shapes golden serve desk docs service clean distclean venv test-deps parity

help:
	@echo "make brief [MODEL=file.argosmodel] [BRIEF_FLAGS=...]  build bilingual briefs for $(ARTICLES)/ into $(OUT)/"
	@echo "make test                            run every test (on all CPUs), then the GENERIC pass"
	@echo "make test-fast                       the edit-test loop: no browser, Ray, wheel, load, stress or service-process test"
	@echo "make models [MODEL=file.argosmodel]  install the ko->en model (download, or from a file)"
	@echo "make bench                           run the benchmarks"
	@echo "make golden                          regenerate the golden HTML files"
	@echo "make fixture                         rebuild the tiny test-fixture models (needs torch; test use only)"
	@echo "make parity                          compare our English with Argos Translate's own, sentence by sentence"
	@echo "make serve                           preview $(OUT)/ on http://127.0.0.1:8000/"
	@echo "make desk [MODEL=file.argosmodel]    the editor's desk on http://127.0.0.1:8765/ (review, correct, republish)"
	@echo "make service [MODEL=file.argosmodel] the publishing service on http://127.0.0.1:8780/ (docs/service.md)"
	@echo "make docs                            build the documentation site into site/ (open site/index.html)"
	@echo "make clean | distclean               remove $(OUT)/ and site/ | also the virtual environments"

# The runtime environment. argostranslate is installed without its declared dependencies:
# they pull in stanza, spaCy and a multi-GB torch, none of which this design uses.
# The extras [search] (Pagefind: the site's search index, on by default) and [share]
# (pypdfium2: the brief pages' share image) come with it, so `make brief` builds both.
RUNTIME_EXTRAS := search,share
TEST_EXTRAS    := $(RUNTIME_EXTRAS),test,desk,ray,docs,service

# $(call venv_with,EXTRAS): the venv with publisher (editable) and those extras, argostranslate
# without its dependencies, and the check that no torch, stanza or spaCy came with them.
define venv_with
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[$(1)]'
	$(VENV)/bin/pip install --quiet --no-deps $(ARGOS)
	@! $(PY) -c "import importlib.util as u, sys; sys.exit(not any(u.find_spec(m) for m in ('torch','stanza','spacy')))" \
		|| (echo "Error: torch, stanza or spaCy found in $(VENV); the runtime must not contain them" >&2; exit 1)
endef

$(VENV)/.installed: pyproject.toml
	$(call venv_with,$(RUNTIME_EXTRAS))
	touch $@

# The test environment is the runtime one plus the test extras, installed in one pass (one
# editable build, one resolution) rather than on top of it: it serves `make brief` as well.
$(VENV)/.installed-test: pyproject.toml
	$(call venv_with,$(TEST_EXTRAS))
	touch $(VENV)/.installed $@

venv: $(VENV)/.installed

brief: $(VENV)/.installed
ifeq ($(strip $(MODEL)),)
	@$(PUB) models status >/dev/null 2>&1 || $(PUB) models install
	$(PUB) brief $(ARTICLES) -o $(OUT) $(BRIEF_FLAGS)
else
	$(PUB) brief $(ARTICLES) -o $(OUT) --model "$(MODEL)" $(BRIEF_FLAGS)
endif

models: $(VENV)/.installed
	$(PUB) models install $(if $(strip $(MODEL)),--file "$(MODEL)",)

# Debian packages for the tests: installed when running as root (CI), otherwise named.
test-deps:
	@missing=""; for t in pdftotext:poppler-utils chromium:chromium chromedriver:chromium-driver qpdf:qpdf; do \
		command -v $${t%%:*} >/dev/null 2>&1 || missing="$$missing $${t##*:}"; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing Debian packages:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else \
			echo "Error: the tests need the Debian packages:$$missing (sudo apt-get install$$missing)" >&2; exit 1; \
		fi; \
	fi

# pytest-xdist: WORKERS processes (auto: one per CPU); tests marked xdist_group(name) share
# a worker (one Ray at a time, one wheel build). WORKERS=0 runs in this process.
WORKERS  ?= auto
XDIST    := -n $(WORKERS) --dist loadgroup
# Python's bytecode cache is on for the tests: where PYTHONDONTWRITEBYTECODE is set (this
# machine and CI set it), every test process compiled the package again and each worker
# rewrote every test module (test-fast: 112 s -> 98 s).
PYTEST   := PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -q $(XDIST)
# What `make test-fast` leaves out (see the markers in pyproject.toml).
FAST     := not browser and not ray and not wheel and not load and not stress and not service

# The second pass repeats every test that runs the fixture model on CTranslate2's portable
# code path: int8 kernels differ between CPUs, so an assertion that only holds on this
# machine's instruction set fails here instead of on someone else's machine. The Ray tests
# are left out of it: they compare Ray's output with a local build's on the same machine and
# assert no English of the model's, so the instruction set cannot change their outcome. So are
# the stress and load tests and those marked isa_neutral (the service against `publisher brief`,
# search, share tags, PDF variants, themes, hostile inputs, integrity, the desk with its English
# stored beforehand), for the same reason.
test: $(VENV)/.installed-test test-deps
	$(PYTEST)
	CT2_FORCE_CPU_ISA=GENERIC $(PYTEST) -m "fixture_model and not ray and not stress and not load and not isa_neutral"

# The edit-test loop: every test but the browser, Ray, wheel, load, stress and service-process
# ones, without installing Debian packages (the PDF tests still need pdftotext: poppler-utils).
test-fast: $(VENV)/.installed-test
	$(PYTEST) -m "$(FAST)"

# Random-weight models at the real shapes of the T5 and LLM families (MADLAD-400 3B, Qwen2.5
# 0.5B/1.5B), built once into the cache with torch in the fixture environment (bench_kinds.py).
bench-shapes:
	test -x .venv-fixture/bin/python || $(PYTHON) -m venv .venv-fixture
	.venv-fixture/bin/pip install --quiet torch==2.14.1 sentencepiece "ctranslate2>=4.8,<4.9" numpy transformers protobuf tokenizers jinja2 safetensors
	.venv-fixture/bin/python tests/bench/build_shapes.py

bench: $(VENV)/.installed-test bench-shapes
	@for f in tests/bench/bench_*.py; do echo; echo "== $$f"; $(PY) $$f || exit 1; done

golden: $(VENV)/.installed-test
	UPDATE_GOLDEN=1 $(PY) -m pytest -q tests/test_render.py
	UPDATE_GOLDEN=1 $(PY) -m pytest -q tests/test_theme.py -k golden

# The test fixture: a genuine but tiny ko->en Argos package, trained on tests/fixture/corpus.tsv.
# Needs torch, which lives in its own environment and never in the runtime one.
fixture:
	test -x .venv-fixture/bin/python || $(PYTHON) -m venv .venv-fixture
	.venv-fixture/bin/pip install --quiet torch==2.14.1 sentencepiece "ctranslate2>=4.8,<4.9" numpy transformers protobuf tokenizers jinja2
	.venv-fixture/bin/python tests/fixture/build_model.py
	.venv-fixture/bin/python tests/fixture/build_hf_models.py
	.venv-fixture/bin/python tests/fixture/build_llm_models.py

# Parity with Argos Translate itself: a side environment (beside the fixture builder's) with
# the full argostranslate and its dependencies (stanza, spaCy, torch from the local wheel).
# It never touches .venv. Prints the agreement; exits 1 on an unexplained difference.
.venv-parity/.installed:
	test -x .venv-parity/bin/python || $(PYTHON) -m venv .venv-parity
	.venv-parity/bin/pip install --quiet torch==2.14.1
	.venv-parity/bin/pip install --quiet $(ARGOS)
	touch $@

parity: $(VENV)/.installed-test .venv-parity/.installed
	$(PY) tests/parity/run_parity.py --side-python .venv-parity/bin/python $(if $(strip $(MODEL)),--model "$(MODEL)",)

serve: $(VENV)/.installed
	$(PUB) serve -o $(OUT)

# The editor's desk needs the `desk` extra (Starlette + uvicorn).
$(VENV)/.installed-desk: $(VENV)/.installed
	$(VENV)/bin/pip install --quiet -e '.[desk]'
	$(VENV)/bin/pip install --quiet --no-deps $(ARGOS)
	touch $@

desk: $(VENV)/.installed-desk
	$(PUB) desk $(ARTICLES) -o $(OUT) $(if $(strip $(MODEL)),--model "$(MODEL)",)

# The documentation site (MkDocs, mkdocs.yml): docs/ -> site/. The command reference is
# generated from the click commands; tests/test_docs.py builds it with --strict in make test.
$(VENV)/.installed-docs: $(VENV)/.installed
	$(VENV)/bin/pip install --quiet -e '.[docs]'
	$(VENV)/bin/pip install --quiet --no-deps $(ARGOS)
	touch $@

docs: $(VENV)/.installed-docs
	$(VENV)/bin/mkdocs build --strict --site-dir site

# The publishing service needs the `service` extra (FastAPI, uvicorn, watchfiles, prometheus-client).
$(VENV)/.installed-service: $(VENV)/.installed
	$(VENV)/bin/pip install --quiet -e '.[service]'
	$(VENV)/bin/pip install --quiet --no-deps $(ARGOS)
	touch $@

service: $(VENV)/.installed-service
	$(PUB) service --inbox $(ARTICLES) -o $(OUT) $(if $(strip $(MODEL)),--model "$(MODEL)",)

clean:
	rm -rf $(OUT) site .pytest_cache .hypothesis

distclean: clean
	rm -rf $(VENV) .venv-fixture .venv-parity *.egg-info
