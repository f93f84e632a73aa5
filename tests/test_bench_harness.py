"""The pure parts of ``make bench`` (scripts/bench/): wrk's output, the ratios, the table, the sessions."""

import pytest
from django.test import Client
from django.urls import reverse

from scripts.bench.measure import (
    CEILING,
    COLUMNS,
    PEER,
    Load,
    Measurement,
    cpu_busy_share,
    cpu_model,
    format_table,
    parse_scales,
    parse_wrk,
    size_label,
    table_rows,
    wrk_command,
)
from scripts.bench.sessions import cookie_header, session_cookie_for

WRK_OUTPUT = """Running 5s test @ http://127.0.0.1:8791/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    18.07ms    3.06ms  30.38ms   77.81%
    Req/Sec   440.73     62.84   520.00     55.00%
  1762 requests in 2.01s, 6.77MB read
Requests/sec:    877.29
Transfer/sec:      3.37MB
PARLEY-BENCH {"requests": 1762, "duration_us": 2008457, "bytes": 7095856, "p50_us": 16987, "p95_us": 23995, \
"p99_us": 27687, "max_us": 30382, "connect_errors": 0, "read_errors": 1, "write_errors": 0, "status_errors": 2, \
"timeouts": 0}
"""


def column(row, name):
    return row[COLUMNS.index(name)]


def test_wrk_output_gives_rate_percentiles_and_errors():
    load = parse_wrk(WRK_OUTPUT)

    assert load.requests == 1762
    assert load.per_second == pytest.approx(877.29, abs=0.01)
    assert (load.p50_ms, load.p95_ms, load.p99_ms) == (16.987, 23.995, 27.687)
    assert load.errors == 3


def test_wrk_output_without_the_summary_line_is_refused():
    with pytest.raises(ValueError, match="PARLEY-BENCH"):
        parse_wrk(WRK_OUTPUT.split("PARLEY-BENCH")[0])


def test_wrk_runs_with_the_summary_script_and_the_session_cookie():
    command = wrk_command("http://127.0.0.1:9/", cookie="sessionid=abc", seconds=5, connections=16, threads=2)

    assert command[0] == "wrk"
    assert "--connections=16" in command
    assert "--duration=5s" in command
    assert any(argument.startswith("--script=") and argument.endswith("wrk_summary.lua") for argument in command)
    assert "--header=Cookie: sessionid=abc" in command
    assert command[-1] == "http://127.0.0.1:9/"


def load_of(per_second, p50_ms=10.0):
    return Load(requests=int(per_second * 10), seconds=10.0, p50_ms=p50_ms, p95_ms=2 * p50_ms, p99_ms=3 * p50_ms)


def test_each_page_is_a_share_of_the_ceiling_runs_around_it_and_a_multiple_of_the_peer_at_its_size():
    measurements = [
        Measurement("1×", "ceiling", "anonymous", load_of(900), queries=1, kind=CEILING),
        Measurement("1×", "changelist", "admin", load_of(20), queries=8, kind=PEER),
        Measurement("1×", "dashboard", "lead", load_of(250), queries=6, in_process_ms=20.04),
        Measurement("1×", "ceiling, again", "anonymous", load_of(1100), queries=1, kind=CEILING),
        Measurement("1×", "workshop list", "lead", load_of(220), queries=6, in_process_ms=10.0),
        Measurement("1×", "ceiling, again", "anonymous", load_of(440), queries=1, kind=CEILING),
        Measurement("10×", "ceiling", "anonymous", load_of(1000), queries=1, kind=CEILING),
        Measurement("10×", "changelist", "admin", load_of(10), queries=8, kind=PEER),
        Measurement("10×", "dashboard", "lead", load_of(100), queries=6, in_process_ms=30.06),
    ]

    rows = table_rows(measurements)

    dashboard, workshop_list, last_ceiling, bigger_dashboard = rows[2], rows[4], rows[5], rows[8]
    assert column(dashboard, "req/s") == "250"
    assert column(dashboard, "of the ceiling") == "25%"  # 250 / mean(900, 1100)
    assert column(workshop_list, "of the ceiling") == "29%"  # 220 / mean(1100, 440): the machine got busier
    assert column(last_ceiling, "of the ceiling") == "54%"  # 440 / mean of the three ceiling runs
    assert column(dashboard, "× the peer") == "12.5"
    assert column(dashboard, "queries") == "6"
    assert column(dashboard, "ms alone") == "20.0"
    assert column(dashboard, "alone vs 1×") == ""
    assert column(bigger_dashboard, "of the ceiling") == "10%"  # only a ceiling run before it
    assert column(bigger_dashboard, "× the peer") == "10.0"
    assert column(bigger_dashboard, "alone vs 1×") == "1.50"


def test_a_skipped_page_and_errors_under_load_show_in_the_note():
    failing = Load(requests=100, seconds=1.0, p50_ms=1.0, p95_ms=1.0, p99_ms=1.0, errors=7)
    rows = table_rows(
        [
            Measurement("1×", "ceiling", "anonymous", failing, kind=CEILING),
            Measurement("1×", "workshop detail", "observer", note="skipped: answers 404"),
        ]
    )

    assert column(rows[0], "note") == "7 errors"
    assert column(rows[1], "note") == "skipped: answers 404"
    assert column(rows[1], "req/s") == column(rows[1], "of the ceiling") == ""


def test_the_table_is_markdown_with_aligned_columns():
    table = format_table([["1×", "dashboard", "lead", "250", "", "", "", "6", "", "25%", "12.5", "", ""]])
    lines = table.splitlines()

    assert len(lines) == 3
    assert lines[0].startswith("| data | page")
    assert len({len(line) for line in lines}) == 1
    assert lines[1].startswith("|------|") and "-:|" in lines[1]


def test_sizes_are_named_after_the_first_scale():
    assert size_label(87, 87) == "1×"
    assert size_label(861, 87) == "9.9×"
    assert size_label(100_001, 1_031) == "97×"
    assert parse_scales("1,10") == [(1, None), (10, None)]
    assert parse_scales(" 500x200, 12 ,") == [(12, None), (500, 200)]
    with pytest.raises(ValueError, match="not a scale"):
        parse_scales("ten")


def test_the_machine_is_described_from_proc():
    assert cpu_model("processor\t: 0\nmodel name\t: AMD EPYC 7B13\n") == "AMD EPYC 7B13"
    assert cpu_model("") == "unknown"
    before = "cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 1 2 3 4\n"
    after = "cpu  150 0 150 900 0 0 0 0 0 0\n"
    assert cpu_busy_share(before, after) == pytest.approx(0.5)


@pytest.mark.parametrize("url_name", ["dashboard:home", "participants:participant-list"])
def test_a_bench_session_is_signed_in_with_the_second_factor_done(admin_user, url_name):
    name, value = session_cookie_for(admin_user)
    client = Client()
    client.cookies[name] = value

    response = client.get(reverse(url_name))

    assert response.status_code == 200
    assert response.wsgi_request.user == admin_user


def test_a_bench_session_opens_the_admin_changelist_the_peer(admin_user):
    name, value = session_cookie_for(admin_user)
    client = Client()
    client.cookies[name] = value

    assert client.get(reverse("admin:participants_participant_changelist")).status_code == 200


def test_the_session_records_the_password_and_the_totp_second_factor(admin_user):
    name, value = session_cookie_for(admin_user)
    client = Client()
    client.cookies[name] = value

    methods = [record["method"] for record in client.session["account_authentication_methods"]]

    assert methods == ["password", "mfa"]
    assert cookie_header(name, value) == f"{name}={value}"
