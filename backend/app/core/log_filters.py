"""Keeps personal data out of the logs, the ones the backend does not write itself included."""

import logging

from contract import log_privacy


class DropQueryString(logging.Filter):
    """uvicorn's access log prints each request line, and `GET /api/complaints?q=` carries
    names and phone numbers: keep the path, drop the query string."""

    def filter(self, record: logging.LogRecord) -> bool:
        # uvicorn.access records: (client address, method, path with query, HTTP version, status)
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str) and "?" in args[2]:
            record.args = (*args[:2], args[2].split("?", 1)[0] + "?…", *args[3:])
        return True


DROP_QUERY_STRING = DropQueryString()


def install() -> None:
    """Phone numbers, e-mail addresses and PINs masked in every record of the process
    (contract/log_privacy.py); uvicorn's access log without query strings."""
    log_privacy.install()
    access = logging.getLogger("uvicorn.access")
    if DROP_QUERY_STRING not in access.filters:
        access.addFilter(DROP_QUERY_STRING)
