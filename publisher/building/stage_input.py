"""The schema of the stage commands' JSON input (``translate``, ``summarize``, ``render``).

An intermediate file is untrusted: an editor may have edited it, a script written it. It is
read in three steps, each refusing with one :class:`InputError` line:

1. its nesting depth is measured by a linear scan before it is parsed (``MAX_DEPTH``), so a
   deeply nested file is refused by name instead of overflowing the parser's stack;
2. it is parsed;
3. it is validated against the pydantic models below, which mirror the frozen dataclasses of
   :mod:`publisher.document`; the first bad field is named by its path
   (``data.article.blocks[2].segments[0].refs[1]: …``).

Only then are the dataclasses built from it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal

from ..document import (
    BODY,
    CAPTION,
    FOOTNOTE,
    PULLQUOTE,
    TITLE,
    Article,
    Brief,
    InputError,
    ModelInfo,
    article_from_dict,
    brief_from_dict,
    model_info_from_dict,
    undocument,
)

MAX_DEPTH = 64  # a brief is 6 levels deep; anything far deeper is not one
MAX_BYTES = 64 * 1024 * 1024

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_BRACKET = re.compile(r"[\[\]{}]")


def nesting_depth(text: str) -> int:
    """The deepest nesting of ``[``/``{`` in a JSON text (strings skipped), in one linear pass."""
    depth = deepest = 0
    for m in _BRACKET.finditer(_STRING.sub("", text)):
        if m.group() in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
        else:
            depth -= 1
    return deepest


def read_stage_json(path: Path) -> Any:
    """The JSON value in ``path``: InputError for an unreadable, too deep or invalid file."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise InputError(f"{path}: larger than {MAX_BYTES // (1024 * 1024)} MB; not a publisher file")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    depth = nesting_depth(text)
    if depth > MAX_DEPTH:
        raise InputError(f"{path}: JSON nested {depth} levels deep (at most {MAX_DEPTH}); not a publisher file")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None


def _models():
    """The pydantic models (pydantic is imported only when a stage file is read)."""
    global _MODELS
    if _MODELS is not None:
        return _MODELS
    from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

    class _M(BaseModel):
        model_config = ConfigDict(extra="ignore", strict=True)

    class SegmentIn(_M):
        id: StrictStr
        text: StrictStr
        refs: list[StrictInt] = Field(default_factory=list)
        en: StrictStr | None = None
        flags: list[StrictStr] = Field(default_factory=list)
        origin: StrictStr | None = None

    class BlockIn(_M):
        id: StrictStr
        kind: Literal[TITLE, BODY, CAPTION, PULLQUOTE, FOOTNOTE]  # type: ignore[valid-type]
        text: StrictStr
        segments: list[SegmentIn] = Field(default_factory=list)
        number: StrictInt | None = None
        credit: StrictStr | None = None

    class BylineIn(_M):
        author: StrictStr | None = None
        role: StrictStr | None = None
        email: StrictStr | None = None
        raw: StrictStr | None = None

    class ArticleIn(_M):
        slug: StrictStr
        source: StrictStr
        title: StrictStr | None = None
        title_source: StrictStr = "none"
        date: StrictStr | None = None
        byline: BylineIn | None = None
        outlet: StrictStr | None = None
        url: StrictStr | None = None
        language: StrictStr = "ko"
        blocks: list[BlockIn] = Field(default_factory=list)
        noise: list[StrictStr] = Field(default_factory=list)
        notes: list[StrictStr] = Field(default_factory=list)

    class ModelIn(_M):
        name: StrictStr
        version: StrictStr
        sha256: StrictStr
        from_code: StrictStr = "ko"
        to_code: StrictStr = "en"
        test_fixture: StrictBool = False
        path: StrictStr | None = None
        kind: StrictStr = "argos"

    class BriefIn(_M):
        article: ArticleIn
        summary: list[StrictStr] = Field(default_factory=list)
        summary_note: StrictStr | None = None
        model: ModelIn | None = None
        generated: StrictStr | None = None
        publisher_version: StrictStr | None = None
        edited: StrictBool = False
        notices: list[StrictStr] = Field(default_factory=list)
        inputs: StrictStr | None = None

    _MODELS = {"article": ArticleIn, "brief": BriefIn, "model": ModelIn}
    return _MODELS


_MODELS: dict | None = None


def _where(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not str(part).startswith(("literal[", "str", "int", "bool", "list[", "function-")):
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _validated(value: Any, kind: str, path: Path, prefix: str) -> dict:
    """``value`` checked against the ``kind`` model: its normalised dict, or InputError naming the field."""
    from pydantic import ValidationError

    try:
        return _models()[kind].model_validate(value).model_dump()
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        where = _where((prefix, *err["loc"])) if prefix else _where(tuple(err["loc"]))
        raise InputError(f"{path}: {where}: {err['msg']}{more}") from None
    except RecursionError:  # unreachable after the depth check; kept as a refusal, never a crash
        raise InputError(f"{path}: nested too deeply") from None


def _undocument(doc: Any, kind: str, path: Path) -> Any:
    try:
        return undocument(doc, kind)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None


def load_article_or_brief(path: Path) -> tuple[Article, ModelInfo | None]:
    """``(article, model info or None)`` from the JSON of ``segment --json``, ``translate`` or
    ``summarize``, validated."""
    doc = read_stage_json(path)
    data = _undocument(doc, "article", path)
    if isinstance(data, dict) and "article" in data and "summary" in data:
        brief = brief_from_dict(_validated(data, "brief", path, "data"))
        return brief.article, brief.model
    article = article_from_dict(_validated(data, "article", path, "data"))
    model = doc.get("model")
    return article, (None if model is None else model_info_from_dict(_validated(model, "model", path, "model")))


def load_brief(path: Path) -> Brief:
    """The brief of a brief JSON file (``summarize`` or a published ``brief.json``), validated."""
    data = _undocument(read_stage_json(path), "brief", path)
    return brief_from_dict(_validated(data, "brief", path, "data"))
