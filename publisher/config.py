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

The file's values are checked strictly against their TOML types (``feed_entries = "5"`` is a
wrong type); an environment variable's text is converted. An empty string means unset.

Four settings are read deep inside the build, the desk and Ray's workers, where no Config is
at hand: the cache and models folders, the site's address and the feed's size. Their readers
(``fsutil.cache_dir``, ``models.store.models_dir``, ``site.site_url``,
``feed.feed_entries_setting``) keep reading the environment variables of :data:`ENVIRONMENT`,
and :func:`applied` is the one place where the file's values reach them: for the duration of a
command it sets those the environment does not already hold. A local Ray cluster's workers,
started inside that block, inherit them as they inherit a variable exported by hand.

Relative paths in the file are relative to the file's folder, so a newsroom folder builds the
same from anywhere. pydantic is imported here, never by ``publisher --help``.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .document import InputError
from .urls import BadURL, check_http_url

CONFIG_NAME = "publisher.toml"
CONFIG_ENV = "PUBLISHER_CONFIG"


class ConfigError(InputError):
    """A bad setting: one line naming the key and where it was set."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    @model_validator(mode="before")
    @classmethod
    def _empty_is_unset(cls, data: Any) -> Any:
        """An empty string for a key whose default is unset means unset (``model = ""``)."""
        if isinstance(data, dict):
            fields = cls.model_fields
            return {k: None if v == "" and k in fields and fields[k].default is None else v for k, v in data.items()}
        return data


HexColour = Annotated[str, Field(pattern=r"^#[0-9A-Fa-f]{6}$")]


def _check_base_url(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        check_http_url(value, base=True)
    except BadURL as exc:
        raise ValueError(f"{exc}; set it like https://news.example.com/briefs/") from None
    return value if value.endswith("/") else value + "/"


class SiteConfig(_Section):
    """What readers see."""

    name: str = Field("publisher", min_length=1, max_length=120, description="The publication's name: the masthead, the page titles and the feed's title.")
    base_url: str | None = Field(None, description="The public address of the output folder (https://news.example.com/briefs/); when set, every link in the feed, sitemap and share tags is absolute.")
    source_label: str = Field("한국어", min_length=1, max_length=40, description="The label of the Korean side.")
    target_label: str = Field("English", min_length=1, max_length=40, description="The label of the English side.")
    logo: Path | None = Field(None, description="The masthead's logo: an .svg or .png file.")
    accent: HexColour = Field("#b3261e", description="The accent colour, as #rrggbb.")
    footer: str = Field("", max_length=2000, description="Text at the foot of every page.")
    feed_entries: int = Field(100, ge=1, le=100_000, description="How many briefs feed.xml lists, newest first.")
    page_size: int = Field(50, ge=1, le=10_000, description="Briefs per index page.")
    pdf_variant: Literal["none", "pdf/a-3u", "pdf/ua-1"] = Field("none", description="An archival PDF variant (WeasyPrint's own), or none.")
    search: bool = Field(True, description="Build the static search index (Pagefind) after the site.")

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
    """How briefs are made (the options of publisher brief)."""

    model: str | None = Field(None, description="The translation model: a .argosmodel file, an Argos package folder or a CTranslate2 folder; unset: the installed ko->en model.")
    glossary: Path | None = Field(None, description="The glossary CSV (ko,en[,note]); unset: glossary.csv beside the articles.")
    layout: Literal["columns", "interleaved"] = Field("columns", description="The PDF's full-text layout.")
    summary_count: int | None = Field(None, ge=1, le=20, description="Summary sentences per brief; unset: 3-5 by article length.")
    beam: int | None = Field(None, ge=1, le=16, description="Beam size; unset: 4, as Argos Translate decodes (1 is greedy: faster, slightly worse English).")
    threads: int | None = Field(None, ge=1, le=64, description="CPU threads for translation; unset: up to 4.")
    compute_type: Literal["int8", "int8_float32", "float32", "default"] | None = Field(None, description="CTranslate2 compute type; unset: int8.")
    batch_tokens: int | None = Field(None, ge=1, le=1_000_000, description="Source tokens per translation batch; unset: 4096 divided by the beam size.")
    strict: bool = Field(False, description="A file in the inbox that is not an article is an error, not a note.")


class PathsConfig(_Section):
    """Where things are; relative paths are relative to publisher.toml's folder."""

    inbox: Path = Field(Path("articles"), description="The articles: what brief, check and desk read when no ARTICLES are named.")
    out: Path = Field(Path("out"), description="The output folder: the published site.")
    cache: Path | None = Field(None, description="The cache (translation memory, site index, unpacked models); unset: $XDG_CACHE_HOME/publisher.")
    models: Path | None = Field(None, description="Where CTranslate2 models are installed; unset: $XDG_DATA_HOME/publisher/models.")
    templates: Path = Field(Path("templates"), description="The newsroom's theme: its templates override the packaged ones by name; templates/static/ is copied into the output.")


class FeedSource(_Section):
    """One Korean RSS/Atom feed the service follows."""

    url: str = Field(description="The feed's address (http or https).")
    name: str | None = Field(None, description="A name for the feed in logs and reports.")
    interval: float | None = Field(None, ge=10, le=86_400, description="Seconds between two polls of this feed; unset: [service].poll_interval.")

    @field_validator("url")
    @classmethod
    def _feed_url(cls, value: str) -> str:
        try:
            check_http_url(value.strip())
        except BadURL as exc:
            raise ValueError(str(exc)) from None
        return value.strip()


class ServiceConfig(_Section):
    """The publishing service (publisher service)."""

    host: str = Field("127.0.0.1", description="The address the service listens on.")
    port: int = Field(8780, ge=0, le=65_535, description="The port it listens on (0: any free port; the real one is printed).")
    feeds: list[FeedSource] = Field(default_factory=list, description="The Korean RSS/Atom feeds to follow: one [[service.feeds]] table each, with url (and name, interval).")
    poll_interval: float = Field(300.0, ge=10, le=86_400, description="Seconds between two polls of one feed.")
    recheck_interval: float = Field(
        3600.0, ge=10, le=7 * 86_400,
        description="Seconds between two checks of one fetched page for a takedown (404 or 410: its brief is unpublished) or a correction; pages fetched in the last 7 days are checked, at most 10 per poll.",
    )
    host_delay: float = Field(1.0, ge=0, le=600, description="Seconds between two requests to one host.")
    fetch_timeout: float = Field(20.0, gt=0, le=600, description="Seconds before a fetch is given up.")
    user_agent: str = Field("publisher (bilingual briefs)", min_length=1, max_length=200, description="The User-Agent of the service's requests.")
    debounce: float = Field(2.0, ge=0, le=600, description="Seconds of quiet in the inbox before a build starts.")
    tokens_file: Path | None = Field(None, description="The API tokens file; unset: <cache>/service/tokens.json.")
    queue_file: Path | None = Field(None, description="The job queue; unset: <cache>/service/queue.sqlite.")
    max_body_bytes: int = Field(10 * 1024 * 1024, ge=1024, le=1024**3, description="The largest request body accepted, in bytes.")
    rate_limit: int = Field(120, ge=1, le=1_000_000, description="Requests per token per minute.")
    max_attempts: int = Field(5, ge=1, le=100, description="Tries for a transient failure, with backoff.")
    log_json: bool = Field(False, description="Log one JSON object per line instead of text.")


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

_PATH_KEYS = {("site", "logo"), ("build", "model"), ("build", "glossary"), ("paths", "inbox"), ("paths", "out"), ("paths", "cache"),
              ("paths", "models"), ("paths", "templates"), ("service", "tokens_file"), ("service", "queue_file")}


@dataclass(frozen=True)
class Config:
    """The effective settings, the file they came from and where each value was set."""

    settings: Settings
    file: Path | None = None
    origins: dict[str, str] = field(default_factory=dict)  # "site.name" -> "publisher.toml:3" | "PUBLISHER_X" | "command line" | "default"

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

    def value(self, key: str) -> Any:
        """The effective value of ``"section.name"``."""
        section, name = key.split(".", 1)
        return getattr(getattr(self.settings, section), name)

    def with_options(self, options: dict[str, Any], names: dict[str, str] | None = None) -> Config:
        """These settings with command-line values on top: ``{"build.beam": 1, ...}``; a None is no option.

        ``names`` maps a key to its option (``{"build.beam": "--beam"}``) for the error line.
        """
        given = {k: v for k, v in options.items() if v is not None}
        if not given:
            return self
        data = self.settings.model_dump()
        for key, value in given.items():
            section, name = key.split(".", 1)
            data[section][name] = value
        names = names or {}
        settings = _validate(data, lambda loc: names.get(_dotted(loc[:2]), f"the option for {_dotted(loc)}"))
        origins = dict(self.origins) | {k: "command line" for k in given}
        return Config(settings, self.file, origins)

    def effective(self) -> list[tuple[str, Any, str]]:
        """Every setting as (key, value, where it came from), in schema order (``publisher config``)."""
        rows = []
        for section, model in self.settings:
            for name, value in model:
                key = f"{section}.{name}"
                if isinstance(value, list):
                    value = [v.model_dump(exclude_none=True, mode="json") if isinstance(v, BaseModel) else v for v in value]
                rows.append((key, value, self.origin(key)))
        return rows

    def environment(self) -> dict[str, str]:
        """The environment variables of :data:`ENVIRONMENT` that this config sets and the
        environment does not already hold: the file's (or an option's) value of each."""
        env = {}
        for var, (section, name) in ENVIRONMENT.items():
            key = f"{section}.{name}"
            value = self.value(key)
            if value is not None and self.origin(key) not in ("default", var):
                env[var] = str(value)
        return env


@contextmanager
def applied(config: Config, environ: MutableMapping[str, str] | None = None) -> Iterator[Config]:
    """Make ``config``'s process-wide settings take effect for the duration of the block.

    The cache and models folders, the site's address and the feed's size are read where they
    are used (``fsutil.cache_dir``, ``models.store.models_dir``, ``site.site_url``,
    ``feed.feed_entries_setting``), deep inside the build, the desk and in Ray's worker
    processes, from the environment variables named in :data:`ENVIRONMENT`. This function is
    the one place where publisher.toml's values for them reach those readers: it sets each
    variable that the config sets and the environment does not (an environment variable
    already beats the file), and puts the environment back as it was afterwards. A child
    process started inside the block (a local Ray cluster's workers) inherits them, exactly
    as it inherits a variable exported by hand.
    """
    environ = os.environ if environ is None else environ
    changes = config.environment()
    before = {var: environ.get(var) for var in changes}
    environ.update(changes)
    try:
        yield config
    finally:
        for var, old in before.items():
            if old is None:
                environ.pop(var, None)
            else:
                environ[var] = old


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


def load_config(explicit: Path | None = None, *, environ: Mapping[str, str] | None = None, cwd: Path | None = None) -> Config:
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
    # The file's values are typed by TOML, so they are checked strictly: feed_entries = "5" is a wrong type.
    settings = _validate(data, lambda loc: f"{path}:{_key_line(text, loc) or 1}: {_dotted(loc)}", strict=True)
    set_vars = {var: environ[var].strip() for var in ENVIRONMENT if environ.get(var, "").strip()}
    for var, raw in set_vars.items():
        section, name = ENVIRONMENT[var]
        data.setdefault(section, {})[name] = raw
        origins[f"{section}.{name}"] = var
        try:
            settings = Settings.model_validate(data)
        except ValidationError as exc:
            raise ConfigError(f"{var}={raw!r} {_message(exc.errors()[0], with_input=False)}") from None
    return Config(settings, path, origins)


def _validate(data: dict, place, strict: bool = False) -> Settings:
    try:
        return Settings.model_validate(data, strict=strict)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        raise ConfigError(f"{place(loc)}: {_message(err)}") from None


def _message(err: dict, with_input: bool = True) -> str:
    msg = err.get("msg", "invalid value")
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    msg = msg.replace("Input should be an instance of Path", "should be a path, written as a string")
    if msg.startswith("Input should"):
        msg = msg[len("Input "):]
    value = err.get("input")
    if with_input and "input" in err and not isinstance(value, (dict, list)):
        msg += f" (got {str(value)!r})" if isinstance(value, Path) else f" (got {value!r})"
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
    if not isinstance(paths, dict):
        return  # reported by the validation
    for name in ("inbox", "out", "templates"):
        paths.setdefault(name, str(PathsConfig.model_fields[name].default))
    for section, name in _PATH_KEYS:
        value = data.get(section, {}).get(name)
        if isinstance(value, str) and value.strip():
            p = Path(value).expanduser()
            p = p if p.is_absolute() else base / p
            data[section][name] = str(p) if (section, name) == ("build", "model") else p


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
