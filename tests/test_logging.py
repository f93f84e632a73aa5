"""The console log: a refused or missing page is one line; a server error keeps its traceback."""

import logging

import pytest
from django.test import Client

from core.levels import Level, Role

pytestmark = pytest.mark.django_db

ONE_LINE = logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")


def request_records(caplog):
    return [record for record in caplog.records if record.name == "django.request"]


def handlers_reached(logger_name):
    """The handlers a record of ``logger_name`` passes through, following propagation."""
    logger, handlers = logging.getLogger(logger_name), []
    while logger is not None:
        handlers.extend(logger.handlers)
        logger = logger.parent if logger.propagate else None
    return handlers


def test_a_403_is_logged_as_one_line_without_a_traceback(client, make_user, caplog):
    client.force_login(make_user(Role.FACILITATOR, Level.CONFIDENTIAL))

    with caplog.at_level(logging.INFO):
        assert client.get("/participants/").status_code == 403

    (record,) = request_records(caplog)
    assert record.exc_info is None
    line = ONE_LINE.format(record)
    assert "Traceback" not in line
    assert "\n" not in line
    assert "Forbidden" in line


def test_a_404_is_logged_as_one_line_without_a_traceback(client, staff, caplog):
    client.force_login(staff)

    with caplog.at_level(logging.INFO):
        assert client.get("/participants/999999/").status_code == 404

    (record,) = request_records(caplog)
    assert record.exc_info is None
    assert "\n" not in ONE_LINE.format(record)


def test_a_500_keeps_its_traceback(staff, caplog, monkeypatch):
    def broken(user):
        raise RuntimeError("the dashboard broke")

    monkeypatch.setattr("dashboard.selectors.dashboard_for", broken)
    client = Client(raise_request_exception=False)
    client.force_login(staff)

    with caplog.at_level(logging.INFO):
        assert client.get("/").status_code == 500

    (record,) = request_records(caplog)
    assert record.exc_info is not None
    assert "RuntimeError: the dashboard broke" in ONE_LINE.format(record)


def test_a_request_record_is_printed_by_one_handler_only():
    """Django's own console handler would print each record a second time after the root's."""
    handlers = [handler for handler in handlers_reached("django.request") if type(handler).__module__ == "logging"]

    assert len(handlers) == 1
