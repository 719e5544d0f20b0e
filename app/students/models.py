from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import utcnow
from ..extensions import db


class Students(db.Model):
    """The notes' model (students.sqlite3 there; any SQLAlchemy URL here)."""

    __tablename__ = "students"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    city: Mapped[str] = mapped_column(String(50))
    addr: Mapped[str] = mapped_column(String(200))
    pin: Mapped[str] = mapped_column(String(10))
    # A callable default: evaluated per row, not once at import.
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
