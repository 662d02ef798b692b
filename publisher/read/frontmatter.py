"""YAML front matter (``---`` ... ``---``) at the top of a Markdown or text article.

Front matter is a small mapping of scalars: it is bounded in size (``MAX_FRONT_CHARS``) and
YAML anchors and aliases are refused (read from the parser's events before anything is
built, so an alias bomb costs nothing whatever the installed PyYAML). In a ``.txt`` file a
first line ``---`` may just be a rule: the block is front matter only when it parses as a
mapping of known keys (:func:`text_front_matter`); otherwise the text is kept and a note
says why.
"""

from __future__ import annotations

import datetime as _dt

import yaml

from ..document import InputError

MAX_FRONT_CHARS = 16 * 1024
MAX_FRONT_LINES = 200
FRONT_KEYS = {"title", "date", "author", "outlet", "source", "url", "role", "email", "byline", "language", "lang"}


def front_matter_block(fields: dict) -> str:
    """``fields`` (empty values left out, in their order) as a ``---`` ... ``---`` block, ending in a
    newline: what :func:`split_front_matter` reads back. The writer of the service's and the
    fetcher's article files."""
    head = yaml.safe_dump({k: v for k, v in fields.items() if v}, allow_unicode=True, sort_keys=False, width=10_000, default_flow_style=False)
    return f"---\n{head}---\n"


def split_front_matter(text: str) -> tuple[dict, str]:
    """``({key: value}, rest of the text)``; ``({}, text)`` without a front-matter block."""
    if not text.startswith("---"):
        return {}, text
    lines = text.split("\n")
    if lines[0].strip() != "---":
        return {}, text
    for i in range(1, min(len(lines), MAX_FRONT_LINES + 2)):
        if lines[i].strip() in ("---", "..."):
            raw = "\n".join(lines[1:i])
            rest = "\n".join(lines[i + 1 :])
            return _parse_yaml(raw), rest
    if len(lines) > MAX_FRONT_LINES + 2:
        raise InputError(f"front matter starts with '---' but has no closing '---' line within {MAX_FRONT_LINES} lines")
    raise InputError("front matter starts with '---' but has no closing '---' line")


def text_front_matter(text: str) -> tuple[dict, str, str | None]:
    """``(front matter, rest, None)`` of a text file, or ``({}, text, why)`` when its ``---``
    block is not front matter (not YAML, not a mapping, or keys other than :data:`FRONT_KEYS`):
    then the whole text is kept as the article's."""
    lines = text.split("\n")
    if lines[0].strip() != "---":
        return {}, text, None
    end = next((i for i in range(1, min(len(lines), MAX_FRONT_LINES + 2)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        return {}, text, "the first line is '---' but no closing '---' follows it: read as text, not front matter"
    raw = "\n".join(lines[1:end])
    try:
        data = _load(raw)
    except InputError as exc:
        return {}, text, f"the lines between the first two '---' are not front matter ({exc}): kept as text"
    unknown = sorted(str(k) for k in data if str(k).strip().lower() not in FRONT_KEYS) if isinstance(data, dict) else []
    if not isinstance(data, dict) or not data or unknown:
        why = f"unknown keys {', '.join(unknown[:3])}" if unknown else "not 'key: value' lines"
        return {}, text, f"the lines between the first two '---' are not front matter ({why}): kept as text"
    return _parse_yaml(raw), "\n".join(lines[end + 1 :]), None


def _load(raw: str):
    """The YAML value of ``raw``: InputError when too large, malformed, or using anchors/aliases."""
    if len(raw) > MAX_FRONT_CHARS:
        raise InputError(f"front matter longer than {MAX_FRONT_CHARS // 1024} KB; it holds a few 'key: value' lines")
    try:
        for event in yaml.parse(raw, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise InputError("front matter uses YAML anchors or aliases ('&' or '*'); write plain 'key: value' lines")
        return yaml.load(raw, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "cannot be parsed"
        problem = " ".join(str(problem).split())
        raise InputError(f"malformed YAML front matter{where} ({problem}); fix the block between the '---' lines") from None
    except InputError:
        raise
    except Exception as exc:  # yaml can raise odd errors on hostile input
        raise InputError(f"malformed YAML front matter ({type(exc).__name__}); fix the block between the '---' lines") from None


def _parse_yaml(raw: str) -> dict:
    data = _load(raw)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError("YAML front matter must be 'key: value' lines (title, date, author, outlet, url)")
    out = {}
    for key, value in data.items():
        k = str(key).strip().lower()
        if k not in FRONT_KEYS or value is None:
            continue
        if isinstance(value, (_dt.date, _dt.datetime)):
            value = value.isoformat()[:10]
        elif isinstance(value, (dict, list)):
            raise InputError(f"front matter field '{k}' must be a single value")
        out[k] = " ".join(str(value).split())
    return out


