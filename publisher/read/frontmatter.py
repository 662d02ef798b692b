"""YAML front matter (``---`` ... ``---``) at the top of a Markdown or text article."""

from __future__ import annotations

import datetime as _dt

import yaml

from ..document import InputError

FRONT_KEYS = {"title", "date", "author", "outlet", "source", "url", "role", "email", "byline", "language", "lang"}


def split_front_matter(text: str) -> tuple[dict, str]:
    """``({key: value}, rest of the text)``; ``({}, text)`` without a front-matter block."""
    if not text.startswith("---"):
        return {}, text
    lines = text.split("\n")
    if lines[0].strip() != "---":
        return {}, text
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            raw = "\n".join(lines[1:i])
            rest = "\n".join(lines[i + 1 :])
            return _parse_yaml(raw), rest
    raise InputError("front matter starts with '---' but has no closing '---' line")


def _parse_yaml(raw: str) -> dict:
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "cannot be parsed"
        problem = " ".join(str(problem).split())
        raise InputError(f"malformed YAML front matter{where} ({problem}); fix the block between the '---' lines") from None
    except Exception as exc:  # yaml can raise odd errors on hostile input
        raise InputError(f"malformed YAML front matter ({type(exc).__name__}); fix the block between the '---' lines") from None
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


