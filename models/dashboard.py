"""The dashboard's sign-in: one-time links sent in the chat, browser sessions, the LINE ID
tokens used by the LIFF page, and exports built in the background. Tokens are stored only as
SHA-256 hashes, so a copy of the database opens no session."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, Enum, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class DashboardLink(Base):
    """A sign-in link the bot sent in the chat: works once, for a few minutes, for one person."""

    __tablename__ = "dashboard_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    line_user_id: Mapped[str] = mapped_column(String(64))   # who asked; must still be theirs
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DashboardSession(Base):
    """A signed-in browser: the cookie holds the token, this row its hash and its CSRF token."""

    __tablename__ = "dashboard_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    via: Mapped[str] = mapped_column(String(8))              # link / liff
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class UsedIdToken(Base):
    """A LINE ID token that has opened a dashboard session from the LIFF page: each opens one,
    so a token copied from a phone opens nothing more (kept until it expires)."""

    __tablename__ = "used_id_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class ExportJobStatus(str, enum.Enum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ExportJob(Base):
    """An export asked for on the dashboard, built off the request; its file is kept for a day."""

    __tablename__ = "export_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    kind: Mapped[str] = mapped_column(String(20))
    file_format: Mapped[str] = mapped_column(String(8))
    province: Mapped[str] = mapped_column(String(100))
    district: Mapped[str | None] = mapped_column(String(100))
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    status: Mapped[ExportJobStatus] = mapped_column(
        Enum(ExportJobStatus, native_enum=False, length=12,
             values_callable=lambda e: [m.value for m in e]),
        default=ExportJobStatus.PENDING, index=True)
    rows: Mapped[int] = mapped_column(Integer, default=0)     # written so far
    file_name: Mapped[str | None] = mapped_column(String(200))   # the name offered on download
    stored_as: Mapped[str | None] = mapped_column(String(300))   # under EXPORT_DIR
    error: Mapped[str | None] = mapped_column(Text)               # for the operator; no data
    export_record_id: Mapped[int | None] = mapped_column(ForeignKey("export_records.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
