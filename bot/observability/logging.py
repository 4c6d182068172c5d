"""Logging for the whole process: stdlib `logging`, human or JSON lines, secrets redacted.

`configure_logging` replaces `logging.basicConfig`: it puts one handler (stderr, and a file if
configured) on the root logger, and attaches a `Redactor` to every root handler, so records of
every logger that propagates (ours, PTB, httpx, discord.py, aiohttp) pass through it before
they are written. The redactor rewrites the record itself (message, formatted exception, stack)
so later handlers see the redacted text too. What it removes: every configured secret (the
settings' `SecretStr` values: bot tokens, webhook secrets) and anything shaped like a Telegram
or Discord bot token, which also catches a token that never went through the settings.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

from pydantic import BaseModel, SecretStr

from bot.config import LoggingSettings

REDACTED = "<redacted>"
TOKEN_SHAPES = re.compile(
    r"(?<!\d)\d+:[A-Za-z0-9_-]{30,}"  # Telegram: bot id, colon, 35-character secret
    r"|[A-Za-z0-9_-]{24,}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}"  # Discord: id.time.hmac
)
HUMAN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class Redactor(logging.Filter):
    """Replaces secrets and token-shaped strings in a record, in place; never drops one."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        # longest first, so a secret that contains another is replaced whole
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return TOKEN_SHAPES.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_redacted", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken %-format: log the template, not the arguments
            message = str(record.msg)
        record.msg, record.args = self.redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        record._redacted = True
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, exc."""

    def format(self, record: logging.LogRecord) -> str:
        exc = record.exc_text
        if record.exc_info and not exc:
            exc = self.formatException(record.exc_info)
        if record.stack_info:
            exc = f"{exc}\n{record.stack_info}" if exc else record.stack_info
        data = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "exc": exc or None,
        }
        return json.dumps(data, ensure_ascii=False)


def secrets_of(model: BaseModel) -> list[str]:
    """Every `SecretStr` value in a settings tree, so a new secret setting is covered at once."""
    found: list[str] = []
    for name in type(model).model_fields:
        value: Any = getattr(model, name)
        for item in value.values() if isinstance(value, dict) else (value,):  # settings.tokens
            if isinstance(item, SecretStr):
                found.append(item.get_secret_value())
            elif isinstance(item, BaseModel):
                found += secrets_of(item)
    return found


@dataclass
class LoggingSetup:
    """What `configure_logging` changed, so `restore()` can put it back (tests, embedding)."""

    handlers: list[logging.Handler]
    redactor: Redactor
    previous_level: int
    covered: list[logging.Handler] = field(default_factory=list)

    def restore(self) -> None:
        root = logging.getLogger()
        for handler in self.handlers:
            root.removeHandler(handler)
            handler.close()
        for handler in self.covered:
            handler.removeFilter(self.redactor)
        root.setLevel(self.previous_level)


def configure_logging(
    settings: LoggingSettings, secrets: Iterable[str] = (), stream: IO[str] | None = None
) -> LoggingSetup:
    """Log to `stream` (stderr) and `settings.file`, in `settings.format`, secrets redacted.

    Handlers already on the root logger (e.g. pytest's capture) keep working and get the
    redactor too; nothing else is removed, so calling this twice adds a second handler.
    """
    root = logging.getLogger()
    redactor = Redactor(secrets)
    ours: list[logging.Handler] = [logging.StreamHandler(stream or sys.stderr)]
    if settings.file is not None:
        settings.file.parent.mkdir(parents=True, exist_ok=True)
        ours.append(logging.FileHandler(settings.file, encoding="utf-8"))
    formatter = JsonFormatter() if settings.format == "json" else logging.Formatter(HUMAN_FORMAT)
    for handler in ours:
        handler.setFormatter(formatter)
        root.addHandler(handler)
    setup = LoggingSetup(ours, redactor, root.level)
    for handler in root.handlers:
        handler.addFilter(redactor)
        setup.covered.append(handler)
    root.setLevel(settings.level)
    return setup
