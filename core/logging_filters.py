"""Logging filters named in the LOGGING setting."""

import logging


class ClientErrorsWithoutTraceback(logging.Filter):
    """A 4xx response (a 403, a 404, a bad request) is logged as one line, without the traceback of the
    exception that produced it: the cause is the request, not the code. 5xx keep their traceback."""

    def filter(self, record):
        status_code = getattr(record, "status_code", None)
        if status_code is not None and status_code < 500:
            record.exc_info = None
            record.exc_text = None
        return True
