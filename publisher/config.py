"""The newsroom's ``publisher.toml``: one typed schema and one precedence rule.

A newsroom folder holds ``publisher.toml`` (found in the working directory, or named with
``--config``), its inbox, its theme (``templates/``) and its output. Every setting has one
home here, in a section of the file:

* ``[site]``: what readers see (name, base URL, language labels, logo, accent colour, footer
  text, feed size, PDF variant);
* ``[build]``: how briefs are made (model, decoding, layout, summary length, glossary);
* ``[paths]``: where things are (inbox, output, cache, models, theme);
* ``[service]``: the publishing service (host, port, feeds, tokens, intervals, limits).

Precedence, the one rule: a command-line option, then an environment variable (the names
that existed before the file keep working, see :data:`ENVIRONMENT`), then the file, then the
default. :func:`load_config` applies the file and the environment and validates everything
before any work starts; the command line applies its options with :meth:`Config.with_options`.
A bad value is one :class:`ConfigError` line naming the key, the file and the line (or the
environment variable), with a "did you mean" for a misspelt key. :attr:`Config.origins` says
where each effective value came from (``publisher config`` prints it).

Relative paths in the file are relative to the file's folder, so a newsroom folder builds the
same from anywhere. pydantic is imported here, never by ``publisher --help``.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .document import InputError
from .urls import BadURL, check_http_url

CONFIG_NAME = "publisher.toml"
CONFIG_ENV = "PUBLISHER_CONFIG"


class ConfigError(InputError):
    """A bad setting: one line naming the key and where it was set."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


HexColour = Annotated[str, Field(pattern=r"^#[0-9A-Fa-f]{6}$")]


def _check_base_url(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        check_http_url(value, base=True)
    except BadURL as exc:
        raise ValueError(f"{exc}; write it like https://news.example.com/briefs/") from None
    return value if value.endswith("/") else value + "/"


class SiteConfig(_Section):
    """What readers see."""

    name: str = Field("publisher", min_length=1, max_length=120)
    base_url: str | None = None  # the public address of the output folder; absolute links when set
    source_label: str = Field("한국어", min_length=1, max_length=40)  # the Korean side's label
    target_label: str = Field("English", min_length=1, max_length=40)
    logo: Path | None = None  # an SVG or PNG file, relative to publisher.toml
    accent: HexColour = "#b3261e"
    footer: str = Field("", max_length=2000)
    feed_entries: int = Field(100, ge=1, le=100_000)
    page_size: int = Field(50, ge=1, le=10_000)  # briefs per index page
    pdf_variant: Literal["none", "pdf/a-3u", "pdf/ua-1"] = "none"
    search: bool = True  # build the static search index (Pagefind) after the site

    @field_validator("base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        return _check_base_url(value)

    @field_validator("logo")
    @classmethod
    def _logo_kind(cls, value: Path | None) -> Path | None:
        if value is not None and value.suffix.lower() not in (".svg", ".png"):
            raise ValueError("the logo must be an .svg or .png file")
        return value


class BuildConfig(_Section):
    """How briefs are made (the options of ``publisher brief``)."""

    model: str | None = None  # a model file or folder; default: the installed ko->en model
    glossary: Path | None = None  # default: glossary.csv beside the articles
    layout: Literal["columns", "interleaved"] = "columns"
    summary_count: int | None = Field(None, ge=1, le=20)  # default: 3-5 by article length
    beam: int | None = Field(None, ge=1, le=16)
    threads: int | None = Field(None, ge=1, le=64)
    compute_type: Literal["int8", "int8_float32", "float32", "default"] | None = None
    batch_tokens: int | None = Field(None, ge=1, le=1_000_000)
    strict: bool = False  # a file in the inbox that is not an article is an error, not a note


class PathsConfig(_Section):
    """Where things are; relative paths are relative to publisher.toml's folder."""

    inbox: Path = Path("articles")
    out: Path = Path("out")
    cache: Path | None = None  # default: $XDG_CACHE_HOME/publisher
    models: Path | None = None  # default: $XDG_DATA_HOME/publisher/models
    templates: Path = Path("templates")  # the newsroom's theme: overrides the packaged templates by name


class FeedSource(_Section):
    """One Korean RSS/Atom feed the service follows."""

    url: str
    name: str | None = None
    interval: float | None = Field(None, ge=10, le=86_400)  # seconds; default [service].poll_interval

    @field_validator("url")
    @classmethod
    def _feed_url(cls, value: str) -> str:
        try:
            check_http_url(value.strip())
        except BadURL as exc:
            raise ValueError(str(exc)) from None
        return value.strip()


class ServiceConfig(_Section):
    """The publishing service (``publisher service``)."""

    host: str = "127.0.0.1"
    port: int = Field(8780, ge=0, le=65_535)  # 0: any free port (the real one is printed)
    feeds: list[FeedSource] = Field(default_factory=list)
    poll_interval: float = Field(300.0, ge=10, le=86_400)  # seconds between polls of one feed
    host_delay: float = Field(1.0, ge=0, le=600)  # seconds between two requests to one host
    fetch_timeout: float = Field(20.0, gt=0, le=600)
    user_agent: str = Field("publisher (bilingual briefs)", min_length=1, max_length=200)
    debounce: float = Field(2.0, ge=0, le=600)  # seconds of quiet in the inbox before a build
    tokens_file: Path | None = None  # default: <cache>/service/tokens.json
    queue_file: Path | None = None  # default: <cache>/service/queue.sqlite
    max_body_bytes: int = Field(10 * 1024 * 1024, ge=1024, le=1024**3)
    rate_limit: int = Field(120, ge=1, le=1_000_000)  # requests per token per minute
    max_attempts: int = Field(5, ge=1, le=100)  # tries for a transient failure, with backoff
    log_json: bool = False


class Settings(_Section):
    site: SiteConfig = Field(default_factory=SiteConfig)
    build: BuildConfig = Field(default_factory=BuildConfig)
    paths: PathsConfig = Field(default_factory=PathsConfig)
    service: ServiceConfig = Field(default_factory=ServiceConfig)


# The environment variables that existed before publisher.toml, and the key each one sets.
ENVIRONMENT: dict[str, tuple[str, str]] = {
    "PUBLISHER_SITE_URL": ("site", "base_url"),
    "PUBLISHER_FEED_ENTRIES": ("site", "feed_entries"),
    "PUBLISHER_CACHE_DIR": ("paths", "cache"),
    "PUBLISHER_MODELS_DIR": ("paths", "models"),
}

_PATH_KEYS = {("site", "logo"), ("build", "glossary"), ("paths", "inbox"), ("paths", "out"), ("paths", "cache"),
              ("paths", "models"), ("paths", "templates"), ("service", "tokens_file"), ("service", "queue_file")}


@dataclass(frozen=True)
class Config:
    """The effective settings, the file they came from and where each value was set."""

    settings: Settings
    file: Path | None = None
    origins: dict[str, str] = field(default_factory=dict)  # "site.name" -> "publisher.toml:3" | "PUBLISHER_X" | "--opt" | "default"

    @property
    def site(self) -> SiteConfig:
        return self.settings.site

    @property
    def build(self) -> BuildConfig:
        return self.settings.build

    @property
    def paths(self) -> PathsConfig:
        return self.settings.paths

    @property
    def service(self) -> ServiceConfig:
        return self.settings.service

    @property
    def root(self) -> Path:
        """The newsroom folder: publisher.toml's folder, else the working directory."""
        return self.file.parent if self.file is not None else Path.cwd()

    def origin(self, key: str) -> str:
        return self.origins.get(key, "default")

    def with_options(self, options: dict[str, Any]) -> Config:
        """These settings with command-line values on top: ``{"build.beam": 1, ...}``; a None is no option."""
        given = {k: v for k, v in options.items() if v is not None}
        if not given:
            return self
        data = self.settings.model_dump()
        for key, value in given.items():
            section, name = key.split(".", 1)
            data[section][name] = value
        settings = _validate(data, lambda loc: f"the option for {'.'.join(map(str, loc))}")
        origins = dict(self.origins) | {k: "command line" for k in given}
        return Config(settings, self.file, origins)

    def effective(self) -> list[tuple[str, Any, str]]:
        """Every setting as (key, value, where it came from), in schema order (``publisher config``)."""
        rows = []
        for section, model in self.settings:
            for name, value in model:
                key = f"{section}.{name}"
                if isinstance(value, list):
                    value = [v.model_dump(exclude_none=True) if isinstance(v, BaseModel) else v for v in value]
                rows.append((key, value, self.origin(key)))
        return rows


def find_config(explicit: Path | None = None, cwd: Path | None = None) -> Path | None:
    """The config file to read: ``explicit``, else ``$PUBLISHER_CONFIG``, else ./publisher.toml if present."""
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"{path}: no such config file")
        return path
    env = os.environ.get(CONFIG_ENV, "").strip()
    if env:
        path = Path(env).expanduser()
        if not path.is_file():
            raise ConfigError(f"{CONFIG_ENV}={env}: no such config file")
        return path
    here = (cwd or Path.cwd()) / CONFIG_NAME
    return here if here.is_file() else None


def load_config(explicit: Path | None = None, *, environ: dict[str, str] | None = None, cwd: Path | None = None) -> Config:
    """The file (if any) and the environment, validated: :class:`Config` or one ConfigError line."""
    environ = os.environ if environ is None else environ
    path = find_config(explicit, cwd)
    data: dict[str, Any] = {}
    origins: dict[str, str] = {}
    text = ""
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
            data = tomllib.loads(text)
        except UnicodeDecodeError:
            raise ConfigError(f"{path}: not UTF-8 text") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read it: {exc.strerror or exc}") from None
        _check_keys(data, path, text)
        for section, values in data.items():
            for name in values:
                origins[f"{section}.{name}"] = f"{path}:{_key_line(text, (section, name)) or 1}"
        _resolve_paths(data, path.parent)
    file_settings = _validate(data, lambda loc: f"{path}:{_key_line(text, loc) or 1}: {_dotted(loc)}")
    for var, (section, name) in ENVIRONMENT.items():
        raw = environ.get(var, "").strip()
        if raw:
            data.setdefault(section, {})[name] = raw
            origins[f"{section}.{name}"] = var
    settings = _validate(data, lambda loc: _env_place(loc) or f"{path}:{_key_line(text, loc) or 1}: {_dotted(loc)}") if any(
        environ.get(v, "").strip() for v in ENVIRONMENT
    ) else file_settings
    return Config(settings, path, origins)


def _validate(data: dict, place) -> Settings:
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        raise ConfigError(f"{place(loc)}: {_message(err)}") from None


def _env_place(loc: tuple) -> str | None:
    for var, key in ENVIRONMENT.items():
        if tuple(loc[:2]) == key and os.environ.get(var, "").strip():
            return f"{var}={os.environ[var]!r} ({_dotted(key)})"
    return None


def _message(err: dict) -> str:
    msg = err.get("msg", "invalid value")
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if "input" in err and not isinstance(err["input"], (dict, list)):
        msg += f" (got {err['input']!r})"
    return msg


def _dotted(loc) -> str:
    return ".".join(str(p) for p in loc)


def _check_keys(data: dict, path: Path, text: str) -> None:
    """Unknown sections and keys, each named with the line and a "did you mean" (before types)."""
    for section, values in data.items():
        fields = Settings.model_fields
        if section not in fields:
            raise ConfigError(f"{path}:{_key_line(text, (section,)) or 1}: unknown section [{section}]{_did_you_mean(section, fields)}")
        if not isinstance(values, dict):
            raise ConfigError(f"{path}:{_key_line(text, (section,)) or 1}: {section} must be a table ([{section}])")
        known = fields[section].annotation.model_fields
        for name, value in values.items():
            if name not in known:
                raise ConfigError(f"{path}:{_key_line(text, (section, name)) or 1}: unknown key {section}.{name}{_did_you_mean(name, known)}")
            if section == "service" and name == "feeds" and isinstance(value, list):
                feed_keys = FeedSource.model_fields
                for i, feed in enumerate(value):
                    for key in feed if isinstance(feed, dict) else ():
                        if key not in feed_keys:
                            line = _key_line(text, (section, name, i, key)) or 1
                            raise ConfigError(f"{path}:{line}: unknown key service.feeds.{key}{_did_you_mean(key, feed_keys)}")


def _did_you_mean(name: str, known) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(known)}"


def _resolve_paths(data: dict, base: Path) -> None:
    """Relative paths (and the default folders) are relative to the file's folder."""
    paths = data.setdefault("paths", {})
    for name in ("inbox", "out", "templates"):
        paths.setdefault(name, str(PathsConfig.model_fields[name].default))
    for section, name in _PATH_KEYS:
        value = data.get(section, {}).get(name)
        if isinstance(value, str) and value.strip():
            p = Path(value).expanduser()
            data[section][name] = str(p if p.is_absolute() else base / p)


_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\- ]+?)\s*\]\]?\s*(#.*)?$")


def _key_line(text: str, loc: tuple) -> int | None:
    """The 1-based line where ``loc`` (section, key[, index, key]) is set in ``text``, if found."""
    if not text or not loc:
        return None
    section = str(loc[0])
    rest = [p for p in loc[1:]]
    table_index = -1
    current = None
    header_line = None
    want_index = rest[1] if len(rest) >= 2 and isinstance(rest[1], int) else None
    for number, line in enumerate(text.splitlines(), start=1):
        m = _HEADER.match(line)
        if m:
            current = m.group(2).replace(" ", "")
            if current == section and header_line is None:
                header_line = number
            if want_index is not None and current == f"{section}.{rest[0]}" and m.group(1) == "[[":
                table_index += 1
                if table_index == want_index and len(rest) == 2:
                    return number
            continue
        key = line.split("=", 1)[0].strip().strip('"') if "=" in line else None
        if key is None:
            continue
        if not rest and current is None and key == section:
            return number
        if current == section and rest and key == str(rest[0]):
            return number
        if current is None and rest and key in (f"{section}.{rest[0]}",):
            return number
        if want_index is not None and current == f"{section}.{rest[0]}" and table_index == want_index and len(rest) > 2 and key == str(rest[2]):
            return number
    return header_line
