"""What ``make bench`` measures and how it reports it: wrk's command line and output, the ratios, the
table. Plain Python, no Django, so that tests/test_bench_harness.py checks it without a server."""

import json
import statistics
from dataclasses import dataclass
from pathlib import Path

WRK_SUMMARY_SCRIPT = Path(__file__).with_name("wrk_summary.lua")
SUMMARY_MARK = "PARLEY-BENCH "

CEILING = "ceiling"
PEER = "peer"
PAGE = "page"

COLUMNS = (
    "data",
    "page",
    "role",
    "req/s",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "queries",
    "ms alone",
    "of the ceiling",
    "× the peer",
    "alone vs 1×",
    "note",
)
NUMERIC_COLUMNS = frozenset(COLUMNS[3:12])


def wrk_command(url, *, cookie="", seconds=5, connections=16, threads=2):
    """wrk's command line: ``connections`` open at once for ``seconds``, the session as a Cookie header."""
    command = [
        "wrk",
        f"--threads={min(threads, connections)}",
        f"--connections={connections}",
        f"--duration={seconds:g}s",
        "--timeout=10s",
        f"--script={WRK_SUMMARY_SCRIPT}",
    ]
    if cookie:
        command.append(f"--header=Cookie: {cookie}")
    return [*command, url]


@dataclass(frozen=True)
class Load:
    """One wrk run: how many requests were answered in how long, and how long they took."""

    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int = 0

    @property
    def per_second(self):
        return self.requests / self.seconds if self.seconds else 0.0


def parse_wrk(output):
    """The ``Load`` of a wrk run from its output (the JSON line ``wrk_summary.lua`` prints at the end).

    Errors are wrk's socket errors, timeouts and answers other than 2xx or 3xx.
    """
    for line in output.splitlines():
        if line.startswith(SUMMARY_MARK):
            summary = json.loads(line[len(SUMMARY_MARK) :])
            break
    else:
        raise ValueError(f"no {SUMMARY_MARK.strip()} line in wrk's output (was it run with {WRK_SUMMARY_SCRIPT.name}?)")
    errors = sum(summary[key] for key in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts"))
    return Load(
        requests=summary["requests"],
        seconds=summary["duration_us"] / 1_000_000,
        p50_ms=summary["p50_us"] / 1000,
        p95_ms=summary["p95_us"] / 1000,
        p99_ms=summary["p99_us"] / 1000,
        errors=errors,
    )


@dataclass(frozen=True)
class Measurement:
    """One line of the table: a page as one role at one data size, under load (or why not)."""

    size: str
    page: str
    role: str
    load: Load | None = None
    queries: int | None = None
    in_process_ms: float | None = None  # one request at a time, through the test client
    kind: str = PAGE  # CEILING, PEER or PAGE
    note: str = ""


def share_of(load, reference_per_second):
    """``load``'s requests per second as a share of the reference's (1.0 is as fast)."""
    if load is None or not reference_per_second:
        return None
    return load.per_second / reference_per_second


def reference_rates(measurements):
    """Per data size: the ceiling's and the peer's requests per second (the mean of their runs)."""
    rates = {}
    for kind in (CEILING, PEER):
        runs = {}
        for measurement in measurements:
            if measurement.kind == kind and measurement.load is not None:
                runs.setdefault(measurement.size, []).append(measurement.load.per_second)
        rates[kind] = {size: statistics.fmean(values) for size, values in runs.items()}
    return rates


def nearest_ceiling(measurements, index):
    """The ceiling's requests per second around the ``index``-th measurement: the mean of the ceiling runs
    just before and just after it at the same size, so that a machine that gets busier or quieter during
    the run moves the reference with the page."""
    size = measurements[index].size

    def ceiling_rate(candidates):
        for measurement in candidates:
            if measurement.size == size and measurement.kind == CEILING and measurement.load is not None:
                return measurement.load.per_second
        return None

    around = [ceiling_rate(reversed(measurements[:index])), ceiling_rate(measurements[index + 1 :])]
    around = [rate for rate in around if rate is not None]
    return statistics.fmean(around) if around else None


def table_rows(measurements):
    """The table's rows, as strings in the order of ``COLUMNS``, one per measurement, in the given order.

    A page's share of the ceiling is taken against the ceiling runs around it (``nearest_ceiling``); a
    ceiling run's own share against the mean of the ceiling runs at its size, which shows their spread.
    Growth compares the time of one request in process with the same page and role at the first size.
    """
    rates = reference_rates(measurements)
    first_size = measurements[0].size if measurements else None
    first_time = {
        (measurement.kind, measurement.page, measurement.role): measurement.in_process_ms
        for measurement in measurements
        if measurement.size == first_size and measurement.in_process_ms
    }
    rows = []
    for index, measurement in enumerate(measurements):
        load = measurement.load
        if measurement.kind == CEILING:
            ceiling = rates[CEILING].get(measurement.size)
        else:
            ceiling = nearest_ceiling(measurements, index)
        of_ceiling = share_of(load, ceiling)
        of_peer = share_of(load, rates[PEER].get(measurement.size))
        before = first_time.get((measurement.kind, measurement.page, measurement.role))
        growth = None
        if before and measurement.in_process_ms is not None and measurement.size != first_size:
            growth = measurement.in_process_ms / before
        note = measurement.note
        if load is not None and load.errors:
            note = "; ".join(filter(None, [note, f"{load.errors} errors"]))
        rows.append(
            [
                measurement.size,
                measurement.page,
                measurement.role,
                f"{load.per_second:.0f}" if load else "",
                f"{load.p50_ms:.1f}" if load else "",
                f"{load.p95_ms:.1f}" if load else "",
                f"{load.p99_ms:.1f}" if load else "",
                "" if measurement.queries is None else str(measurement.queries),
                "" if measurement.in_process_ms is None else f"{measurement.in_process_ms:.1f}",
                "" if of_ceiling is None else f"{of_ceiling:.0%}",
                "" if of_peer is None else f"{of_peer:.1f}",
                "" if growth is None else f"{growth:.2f}",
                note,
            ]
        )
    return rows


def format_table(rows, columns=COLUMNS):
    """A Markdown table whose columns line up in a terminal too; numbers aligned right."""
    widths = [max([len(column), *(len(row[index]) for row in rows)]) for index, column in enumerate(columns)]

    def line(cells):
        padded = (
            cell.rjust(width) if column in NUMERIC_COLUMNS else cell.ljust(width)
            for cell, width, column in zip(cells, widths, columns, strict=True)
        )
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join(
        "-" * (width + 1) + ":" if column in NUMERIC_COLUMNS else "-" * (width + 2)
        for width, column in zip(widths, columns, strict=True)
    )
    return "\n".join([line(columns), rule + "|", *(line(row) for row in rows)])


def parse_scales(text):
    """The data sizes of PARLEY_BENCH_SCALES, smallest first: ``"12,500x200"`` → ``[(12, None), (500, 200)]``,
    each a ``seed_demo --scale`` and, after an ``x``, its ``--participants-per-copy`` (None: the default)."""
    sizes = set()
    for item in text.split(","):
        item = item.strip().lower()
        if not item:
            continue
        scale, _, per_copy = item.partition("x")
        if not scale.isdigit() or (per_copy and not per_copy.isdigit()) or int(scale) < 1:
            raise ValueError(f"PARLEY_BENCH_SCALES: {item!r} is not a scale (N) or a scale and participants (NxP)")
        sizes.add((int(scale), int(per_copy) if per_copy else None))
    return sorted(sizes, key=lambda size: (size[0], size[1] or 0))


def size_label(participants, base_participants):
    """``1×`` for the first size of the run, ``97×`` for 97 times its participants (to two digits)."""
    ratio = participants / base_participants if base_participants else 1
    return f"{float(f'{ratio:.2g}'):g}×"


def cpu_model(cpuinfo):
    """The processor's name from the text of /proc/cpuinfo, or "unknown"."""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("model name", "Model", "Hardware") and value.strip():
            return value.strip()
    return "unknown"


def cpu_busy_share(stat_before, stat_after):
    """The share of CPU time spent busy between two readings of /proc/stat (0.0 to 1.0)."""

    def times(stat):
        for line in stat.splitlines():
            if line.startswith("cpu "):
                values = [int(value) for value in line.split()[1:]]
                idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
                return sum(values[:8]), idle  # guest time is already counted in user time
        raise ValueError("no cpu line in /proc/stat")

    total_before, idle_before = times(stat_before)
    total_after, idle_after = times(stat_after)
    total = total_after - total_before
    return 1 - (idle_after - idle_before) / total if total else 0.0
