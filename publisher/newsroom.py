"""A newsroom folder (``publisher init``) and the texts generated from publisher.toml's schema.

* :func:`create_newsroom` makes the folder: ``publisher.toml`` (every key commented out with
  its default), ``articles/`` with one sample article, ``templates/`` with a README and an
  override example, and ``.gitignore``. It never overwrites: a file already there is kept and
  reported, like ``pelican-quickstart`` or ``mkdocs new``.
* :func:`config_template` (that ``publisher.toml``) and :func:`reference_markdown` (the
  page ``docs/configuration.md``) are generated from :class:`publisher.config.Settings`, so
  neither can drift from the schema: a key added there appears in both.
"""

from __future__ import annotations

import json
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import CONFIG_NAME, ENVIRONMENT, Settings
from .document import InputError, OutputError
from .fsutil import write_new_text

_INTRO = """\
# publisher.toml: how this newsroom builds its briefs.
#
# Every key is listed with its default, commented out: uncomment a line to change it.
# Precedence: a command-line option, then an environment variable, then this file, then the default.
# Relative paths are relative to this file's folder. An empty string ("") means unset.
# 'publisher config' prints the effective settings and where each one came from.
"""


def _toml_value(value: Any) -> str:
    if value is None:
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, Path):
        value = str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, list) and not value:
        return "[]"
    raise TypeError(f"no TOML spelling for the default {value!r}")


def _fields():
    """(section, section model, [(name, FieldInfo, default)]) in schema order."""
    for section, info in Settings.model_fields.items():
        model = info.annotation
        yield section, model, [(name, f, f.get_default(call_default_factory=True)) for name, f in model.model_fields.items()]


def config_template() -> str:
    """The commented ``publisher.toml`` that ``publisher init`` writes."""
    lines = [_INTRO]
    for section, model, fields in _fields():
        lines.append(f"[{section}]")
        lines.append(f"# {model.__doc__.strip().splitlines()[0]}")
        for name, f, default in fields:
            env = next((var for var, key in ENVIRONMENT.items() if key == (section, name)), None)
            note = f" (environment: {env})" if env else ""
            lines.append(f"# {f.description}{note}")
            lines.append(f"# {name} = {_toml_value(default)}")
        lines.append("")
    return "\n".join(lines)


def _type_label(f) -> str:
    ann = f.annotation
    optional = False
    if isinstance(ann, types.UnionType) or typing.get_origin(ann) is typing.Union:
        args = [a for a in typing.get_args(ann) if a is not type(None)]
        optional = len(args) < len(typing.get_args(ann))
        ann = args[0] if len(args) == 1 else ann
    if typing.get_origin(ann) is typing.Literal:
        label = " \\| ".join(f"`{json.dumps(a)}`" for a in typing.get_args(ann))
    elif typing.get_origin(ann) is list:
        label = "list of tables"
    else:
        label = {bool: "boolean", int: "integer", float: "number", str: "string", Path: "path"}.get(ann, getattr(ann, "__name__", str(ann)))
    bounds = {type(m).__name__: getattr(m, type(m).__name__.lower(), None) for m in f.metadata}
    low = bounds.get("Ge", bounds.get("Gt"))
    high = bounds.get("Le", bounds.get("Lt"))
    if low is not None and high is not None:
        label += f", {low}–{high}" if "Gt" not in bounds else f", over {low} up to {high}"
    for m in f.metadata:
        if getattr(m, "pattern", None):
            label += f" matching `{m.pattern}`"
    return label + (", optional" if optional else "")


def reference_markdown() -> str:
    """``docs/configuration.md``: every key of every section, with its type, default,
    environment variable and meaning (``publisher config --markdown`` prints it)."""
    out = [
        "# Configuration",
        "",
        "<!-- Generated from publisher/config.py by 'publisher config --markdown'; a test keeps it equal. -->",
        "",
        "A newsroom's settings live in `publisher.toml`, in the working directory or named with",
        "`publisher --config FILE` (or `$PUBLISHER_CONFIG`). `publisher init DIR` writes one with every",
        "key commented out, and `publisher config` prints the effective settings and where each came from.",
        "",
        "Precedence: a command-line option, then an environment variable, then the file, then the default.",
        "Relative paths are relative to the file's folder; an empty string means unset. An unknown key,",
        "a wrong type or a value out of range stops the command before any work, with one `Error:` line",
        "naming the key, the file and the line (or the environment variable).",
        "",
    ]
    for section, model, fields in _fields():
        out += _section_table(f"[{section}]", model, section, fields)
        for name, f, _ in fields:
            if typing.get_origin(f.annotation) is list:  # a list of tables: [[service.feeds]]
                item = typing.get_args(f.annotation)[0]
                sub = [(n, g, g.get_default(call_default_factory=True)) for n, g in item.model_fields.items()]
                out += _section_table(f"[[{section}.{name}]]", item, None, sub)
    return "\n".join(out)


def _section_table(title: str, model, section: str | None, fields) -> list[str]:
    out = [f"## {title}", "", model.__doc__.strip().splitlines()[0], ""]
    out += ["| Key | Type | Default | Environment | Meaning |", "|---|---|---|---|---|"]
    for name, f, default in fields:
        env = next((f"`{var}`" for var, key in ENVIRONMENT.items() if key == (section, name)), "")
        if f.is_required():
            shown = "required"
        else:
            shown = "unset" if default is None else f"`{_toml_value(default)}`"
        meaning = (f.description or "").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
        out.append(f"| `{name}` | {_type_label(f)} | {shown} | {env} | {meaning} |")
    out.append("")
    return out


SAMPLE_NAME = "sample.ko.md"

# Written for this project (not taken from any outlet): a short local story with front matter.
SAMPLE_ARTICLE = """\
---
title: 동네 도서관, 다음 달부터 밤 10시까지 문 연다
date: 2026-03-02
author: 한지민
role: 기자
outlet: 우리동네신문
---

시립 중앙도서관이 다음 달 1일부터 평일 운영 시간을 밤 10시까지 늘린다고 2일 밝혔다.

지금까지 도서관은 오후 6시에 문을 닫아 직장인과 학생들이 이용하기 어려웠다.

도서관은 지난해 주민 1200명을 대상으로 설문 조사를 했고, 응답자의 70%가 저녁 운영을 원했다.

늘어난 시간에는 열람실과 어린이 자료실, 디지털 자료실이 모두 문을 연다.

이를 위해 시는 사서 여섯 명을 새로 뽑고 올해 예산 3억 원을 편성했다.

도서관장은 "퇴근한 뒤에도 책을 빌리고 공부할 수 있는 공간이 되겠다"고 말했다.

주말 운영 시간은 지금처럼 오후 6시까지 유지된다.

시는 이용 현황을 살펴본 뒤 다른 분관으로도 확대할지 결정할 계획이다.
"""

TEMPLATES_README = """\
# templates/: this newsroom's theme

Templates here override the ones that ship with publisher, by name: a file
`templates/brief.html.j2` is used instead of the packaged `brief.html.j2`, and every template
you do not override keeps coming from the package. Nothing is copied into the installed package.

The packaged templates (brief.html.j2, brief_pdf.html.j2, index.html.j2, _parts.html.j2, ...)
are in publisher/templates/ of the installed package; copy one here and edit the copy.
`brief.html.j2.example` is such a copy: rename it to `brief.html.j2` to use it.

Files under `templates/static/` (a logo, extra CSS) are copied into the output folder as they are.

The folder is `[paths].templates` in publisher.toml (default: `templates` beside it). Changing a
theme file rebuilds every brief on the next run.
"""

EXAMPLE_NAME = "brief.html.j2.example"

_EXAMPLE_HEAD = """\
{#- An override example: rename this file to brief.html.j2 to use it instead of the packaged
    brief page, then edit it. Below is the packaged brief.html.j2 as it was when 'publisher init'
    ran; a template you leave out of templates/ keeps coming from the package. -#}
"""

GITIGNORE = "# The built site: rebuilt by 'publisher brief'.\nout/\n"


@dataclass
class NewsroomReport:
    """What :func:`create_newsroom` did: the files it wrote and the files it left as they were."""

    created: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)


def _example_override() -> str:
    from importlib.resources import files

    packaged = files("publisher").joinpath("templates", "brief.html.j2").read_text(encoding="utf-8")
    return _EXAMPLE_HEAD + packaged


def newsroom_files() -> dict[str, str]:
    """Every file of a new newsroom folder, by its path inside the folder."""
    return {
        CONFIG_NAME: config_template(),
        f"articles/{SAMPLE_NAME}": SAMPLE_ARTICLE,
        "templates/README.md": TEMPLATES_README,
        f"templates/{EXAMPLE_NAME}": _example_override(),
        ".gitignore": GITIGNORE,
    }


def create_newsroom(folder: Path) -> NewsroomReport:
    """Make ``folder`` a newsroom folder; a file already there is never overwritten (it is kept
    and listed in the report). A ``folder`` (or a subfolder it needs) that is a file is an InputError."""
    folder = Path(folder)
    files = newsroom_files()
    for rel in files:  # checked before anything is written
        for parent in reversed((folder / rel).parents):
            if parent.exists() and not parent.is_dir():
                raise InputError(f"{parent} is a file, not a folder; give 'publisher init' a new or existing folder")
    report = NewsroomReport()
    for rel, text in files.items():
        target = folder / rel
        if target.exists() or target.is_symlink():
            report.kept.append(target)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            write_new_text(target, text)  # atomic, and never over a file that appeared meanwhile
        except OutputError:
            if not target.exists():
                raise
            report.kept.append(target)
            continue
        report.created.append(target)
    return report
