# Parley: `make run` serves the demo, `make test` runs the whole suite on PostgreSQL and Redis.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)

.PHONY: run test fuzz lint check-deploy bench bench-fanout bench-screening profile messages clean install

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit("Parley needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

run: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py seed_demo
	@echo ""
	@echo "  Parley is starting at http://$${PARLEY_HOST:-127.0.0.1}:$${PARLEY_PORT:-8000}/  (Ctrl-C stops web, worker and scheduler)"
	@echo ""
	$(VENV)/bin/honcho start -f Procfile

# Style first (ruff stops the run with its own message), then the suite.
test: lint
	@bash scripts/ensure_services.sh
	$(VENV)/bin/pytest -n 2 --dist worksteal --create-db $(PYTEST_ARGS)

# Every form, site and admin, fed 300 hostile submissions each (PARLEY_FUZZ_EXAMPLES to change it).
fuzz: $(STAMP)
	@bash scripts/ensure_services.sh
	$(VENV)/bin/pytest -n 2 --dist worksteal --create-db -m fuzz $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

check-deploy: $(STAMP)
	SECRET_KEY=check-deploy-$$(date +%s)-not-a-real-secret-but-long-enough-for-the-check \
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/parley REDIS_URL=redis://127.0.0.1:6379/0 \
	DJANGO_SETTINGS_MODULE=config.settings.production $(PY) manage.py check --deploy --fail-level WARNING

# Pages under load (wrk, gunicorn) beside a bare Django page and the Django admin, at two data sizes;
# PARLEY_BENCH_SCALES=10,100 for bigger data (see scripts/bench.py for every setting).
bench: $(STAMP)
	@bash scripts/ensure_services.sh
	@command -v wrk >/dev/null 2>&1 || { echo "ERROR: make bench needs wrk, the HTTP load generator: apt-get install wrk" >&2; exit 1; }
	$(PY) scripts/bench.py
	@$(MAKE) --no-print-directory bench-fanout
	@$(MAKE) --no-print-directory bench-screening

# Invitation fan-out: 1,000 invitations from "send" to a local SMTP server, one Celery worker (prefork,
# concurrency 2), messages per second (see scripts/bench/fanout.py; PARLEY_BENCH_FANOUT_PROFILE=1 profiles).
bench-fanout: $(STAMP)
	@bash scripts/ensure_services.sh
	$(PY) scripts/bench/fanout.py

# Sanctions screening: 20,000 participants against a 1,000-entry list, matching alone and a whole run on
# PostgreSQL (see scripts/bench/screening.py); target under 5 s (issue 16).
bench-screening: $(STAMP)
	@bash scripts/ensure_services.sh
	$(PY) scripts/bench/screening.py

# Where each page spends its time (cProfile, in process) on the database of DATABASE_URL as it is;
# PARLEY_PROFILE_PAGES="participant list" for some pages (see scripts/profile_pages.py).
profile: $(STAMP)
	@bash scripts/ensure_services.sh
	$(PY) scripts/profile_pages.py

messages: $(STAMP)
	$(PY) manage.py makemessages -l fr -l es -l ar -l ru --ignore=.venv --ignore=var --ignore=static --no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var
