"""Stage inputs (``translate``, ``summarize``, ``render`` on JSON) are validated: a bad field is
refused by its path, deep nesting by a clear line, and no input ever ends in an internal
error (exit 70). The commands run in-process through CliRunner, for speed."""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURE_MODEL
from publisher.cli import cli

pytestmark = [pytest.mark.timeout(300)]

ARTICLE = (
    "부산 항만 계획 발표\n\n"
    "부산시가 새 항만 계획을 발표했습니다. 계획에는 7억 원이 들어갑니다.[1]\n\n"
    "시민들은 대체로 환영했습니다. 공사는 내년에 시작됩니다.\n\n"
    "[1] 시 예산 기준입니다.\n"
)
BASES: dict = {}
MODEL = {"name": "fixture", "version": "1", "sha256": "0" * 64, "test_fixture": True}


def _invoke(args):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code != 70, (args, result.output, result.stderr)
    assert "Traceback" not in result.output + result.stderr
    if result.exit_code != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert lines and lines[-1].startswith("Error: "), result.stderr
    return result


@pytest.fixture(scope="module", autouse=True)
def bases(tmp_path_factory):
    """A segmented article, the same article 'translated' (en filled by hand), and its brief."""
    d = tmp_path_factory.mktemp("stages")
    BASES["dir"] = d
    src = d / "busan.txt"
    src.write_text(ARTICLE, encoding="utf-8")
    segmented = json.loads(_invoke(["segment", "--json", str(src)]).output)
    translated = copy.deepcopy(segmented)
    for block in translated["data"]["blocks"]:
        for seg in block["segments"]:
            seg["en"] = "English."
    translated["model"] = MODEL
    (d / "t.json").write_text(json.dumps(translated), encoding="utf-8")
    _invoke(["summarize", str(d / "t.json"), "-o", str(d / "b.json")])
    brief = json.loads((d / "b.json").read_text(encoding="utf-8"))
    BASES.update(segmented=segmented, translated=translated, brief=brief)
    return BASES


def _write(doc) -> Path:
    fd = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8", dir=BASES["dir"])
    with fd:
        fd.write(doc if isinstance(doc, str) else json.dumps(doc))
    return Path(fd.name)


def _refused(args, *words):
    result = _invoke(args)
    assert result.exit_code != 0
    for w in words:
        assert w in result.stderr, result.stderr
    return result


# ---------------------------------------------------------------- named cases


def test_a_wrong_type_is_refused_with_the_path_of_the_field(bases):
    doc = copy.deepcopy(bases["translated"])
    doc["data"]["blocks"][1]["segments"][1]["refs"] = ["one"]
    _refused(["summarize", str(_write(doc))], "data.blocks[1].segments[1].refs[0]")
    doc = copy.deepcopy(bases["brief"])
    doc["data"]["article"]["blocks"][0]["segments"] = {"not": "a list"}
    _refused(["render", str(_write(doc)), "-o", tempfile.mkdtemp(dir=BASES["dir"])], "data.article.blocks[0].segments")


def test_a_missing_field_is_refused_by_name(bases):
    doc = copy.deepcopy(bases["segmented"])
    del doc["data"]["blocks"][0]["segments"][0]["text"]
    _refused(["translate", str(_write(doc)), "--model", str(FIXTURE_MODEL)], "data.blocks[0].segments[0].text", "Field required")


@pytest.mark.parametrize("command", ["translate", "summarize", "render"])
def test_deep_nesting_is_refused_in_one_line(command, tmp_path):
    n = 200_000
    path = _write("[" * n + "]" * n)
    extra = {"translate": ["--model", str(FIXTURE_MODEL)], "render": ["-o", str(tmp_path / "out")]}.get(command, [])
    _refused([command, str(path), *extra], "nested", "levels deep")
    _refused([command, str(_write(_nested_dict(2000))), *extra], "levels deep")


def _nested_dict(n: int) -> str:
    return '{"data":' * n + "1" + "}" * n


# ---------------------------------------------------------------- property

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*prefix, i))


@st.composite
def hostile(draw, base_key):
    """A document: a valid one with fields replaced or deleted, random JSON, or deep nesting."""
    kind = draw(st.sampled_from(["mutate", "mutate", "mutate", "random", "deep"]))
    if kind == "random":
        return json.dumps(draw(JSON))
    if kind == "deep":
        n = draw(st.integers(65, 20_000))
        opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
        return opener * n + ("1" if opener != "[" else "") + closer * n
    doc = copy.deepcopy(BASES[base_key])
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        if draw(st.booleans()) or isinstance(parent, list):
            parent[path[-1]] = draw(JSON)
        else:
            del parent[path[-1]]
    return json.dumps(doc)


FAST = settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


@pytest.mark.slow
@FAST
@given(hostile("translated"))
def test_summarize_never_ends_in_an_internal_error(text):
    _invoke(["summarize", str(_write(text))])


@pytest.mark.slow
@settings(FAST, max_examples=20)
@given(hostile("segmented"))
def test_translate_never_ends_in_an_internal_error(text):
    _invoke(["translate", str(_write(text)), "--model", str(FIXTURE_MODEL)])


@pytest.mark.slow
@settings(FAST, max_examples=20)
@given(hostile("brief"))
def test_render_never_ends_in_an_internal_error(text):
    _invoke(["render", str(_write(text)), "-o", tempfile.mkdtemp(dir=BASES["dir"])])
