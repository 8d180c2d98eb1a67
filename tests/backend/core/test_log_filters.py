import logging

from backend.app.core.log_filters import DROP_QUERY_STRING


def _access_record(path: str) -> logging.LogRecord:
    return logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", path, "1.1", 200),
        None,
    )


def test_access_log_loses_the_query_string() -> None:
    record = _access_record("/api/complaints?q=%2B994501234567&status=registered")
    assert DROP_QUERY_STRING.filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "GET /api/complaints?… HTTP/1.1" 200'


def test_paths_without_query_are_untouched() -> None:
    record = _access_record("/api/complaints/K7QM-4PXR")
    assert DROP_QUERY_STRING.filter(record)
    assert "/api/complaints/K7QM-4PXR " in record.getMessage()
