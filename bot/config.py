"""All settings in one model: name, default and help in one place, loaded from TOML + env.

Precedence: environment (`BRIEFBOT_SECTION__KEY`) over the TOML file over defaults. Tokens
come only from the environment (`TELEGRAM_BOT_TOKEN`, `DISCORD_BOT_TOKEN`); a token written in
the file is refused so it cannot end up in a repository. Errors are raised as `ConfigError`
with one line naming the key; only the CLI prints and exits.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

DEFAULT_CONFIG_NAME = "briefbot.toml"
SECRET_KEYS = frozenset({"telegram_bot_token", "discord_bot_token", "token"})


class ConfigError(Exception):
    """Invalid configuration; str() is one line a person can act on."""


def default_db_path() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "briefbot" / "briefbot.sqlite3"


class Section(BaseModel):
    """A [table] of the config file; unknown keys are errors, so typos don't pass silently."""

    model_config = ConfigDict(extra="forbid")


class StoreSettings(Section):
    path: Path = Field(
        default_factory=default_db_path,
        description="SQLite file of the index and the bot's state.",
    )
    bundled_sources: bool = Field(
        default=True, description="Index the bundled sources on first run when the store is empty."
    )
    source_dirs: list[Path] = Field(
        default_factory=list,
        description="Extra folders of .txt/.md sources to ingest at start-up "
        "(unchanged files are skipped).",
    )


class AnswerSettings(Section):
    min_coverage: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="Share of the question's (idf-weighted) ideas the best passage must "
        "contain, or the bot abstains.",
    )
    max_bullets: int = Field(default=5, ge=2, le=5, description="Most quotes in one answer.")


class IngestSettings(Section):
    admins: list[str] = Field(
        default_factory=list,
        description='Chat users who may /ingest and /forget, as "platform:user_id" '
        '(e.g. "telegram:123", "discord:456").',
    )
    feed_poll_minutes: float = Field(
        default=60.0, gt=0, description="How often remembered feeds are polled for new entries."
    )
    connect_timeout: float = Field(
        default=10.0, gt=0, description="Seconds to wait for a web server to accept a connection."
    )
    read_timeout: float = Field(
        default=30.0, gt=0, description="Seconds to wait for the next bytes of a response."
    )
    max_megabytes: float = Field(
        default=10.0,
        gt=0,
        description="Largest page, PDF or feed fetched (MB, checked while reading).",
    )
    max_redirects: int = Field(default=5, ge=0, description="Most redirects followed for one URL.")


class SearchSettings(Section):
    engine: Literal["fts5", "tantivy"] = Field(
        default="fts5",
        description="BM25 engine: SQLite FTS5, or an in-memory tantivy mirror of it (much "
        "faster on large archives; pip install 'briefbot[fast]').",
    )


class LoggingSettings(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="WARNING", description="Log level."
    )


class Settings(BaseSettings):
    """Every setting of the bot; `config.example.toml` documents the same tree."""

    model_config = SettingsConfigDict(
        env_prefix="BRIEFBOT_", env_nested_delimiter="__", extra="forbid"
    )

    store: StoreSettings = Field(default_factory=StoreSettings, description="The index file.")
    answers: AnswerSettings = Field(default_factory=AnswerSettings, description="Answering.")
    logging: LoggingSettings = Field(default_factory=LoggingSettings, description="Logging.")
    search: SearchSettings = Field(default_factory=SearchSettings, description="Retrieval.")
    ingest: IngestSettings = Field(
        default_factory=IngestSettings, description="Adding sources from the web and feeds."
    )
    telegram_bot_token: SecretStr | None = Field(
        default=None, exclude=True, description="From TELEGRAM_BOT_TOKEN only."
    )
    discord_bot_token: SecretStr | None = Field(
        default=None, exclude=True, description="From DISCORD_BOT_TOKEN only."
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = settings_cls.model_config.get("toml_file")
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_file))
        return tuple(sources)


def load_settings(config: Path | None = None, **overrides: Any) -> Settings:
    """Load settings from `config` (or ./briefbot.toml if present) and the environment."""
    path = config or _default_config()
    if path is not None:
        _check_file(path)
    cls: type[Settings] = type(
        "Settings", (Settings,), {"model_config": {**Settings.model_config, "toml_file": path}}
    )
    tokens = {
        "telegram_bot_token": os.environ.get("TELEGRAM_BOT_TOKEN") or None,
        "discord_bot_token": os.environ.get("DISCORD_BOT_TOKEN") or None,
    }
    try:
        return cls(**tokens, **overrides)
    except ValidationError as exc:
        raise ConfigError(_one_line(exc, path)) from None


def _default_config() -> Path | None:
    candidate = Path(os.environ.get("BRIEFBOT_CONFIG", DEFAULT_CONFIG_NAME))
    return candidate if candidate.is_file() else None


def _check_file(path: Path) -> None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    for key in _secret_keys(data):
        raise ConfigError(
            f"{path}: {key}: tokens are read from the environment only "
            "(TELEGRAM_BOT_TOKEN, DISCORD_BOT_TOKEN); remove it from the file"
        )


def _secret_keys(data: dict[str, Any], prefix: str = "") -> list[str]:
    found = []
    for key, value in data.items():
        if isinstance(value, dict):
            found += _secret_keys(value, f"{prefix}{key}.")
        elif key.lower() in SECRET_KEYS:
            found.append(prefix + key)
    return found


def _one_line(exc: ValidationError, path: Path | None) -> str:
    error = exc.errors()[0]
    key = ".".join(str(part) for part in error["loc"]) or "settings"
    where = f"{path}: " if path else ""
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}{key}: {error['msg']}{more}"


def settings_table(model: type[BaseModel] = Settings, prefix: str = "") -> list[tuple[str, str]]:
    """(dotted key, description) for every leaf setting; docs and tests check against it."""
    rows: list[tuple[str, str]] = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            rows += settings_table(annotation, f"{prefix}{name}.")
        elif not field.exclude:
            rows.append((f"{prefix}{name}", field.description or ""))
    return rows
