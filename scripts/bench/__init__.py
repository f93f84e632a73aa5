"""The parts of ``make bench`` (scripts/bench.py): the ceiling project, wrk's summary, sessions, the table."""
