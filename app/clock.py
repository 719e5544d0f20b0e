"""Time, always timezone-aware UTC, as the callable default of timestamp columns."""
from datetime import datetime, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
