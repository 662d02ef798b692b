"""One real `publisher brief` over an inbox of hostile cases, with a cache folder that cannot
be written. Each test checks one promise of that single build (one build: a PDF each costs).

- a stored correction with control characters is reported and skipped, the article published;
- a .txt whose first line is a '---' rule keeps its text, with a note;
- YAML anchors/aliases in front matter are refused in one line;
- an impossible dateline is noted and kept out of the body;
- footnotes numbered past 999 are footnotes;
- NFC/NFD and zero-width twins are refused with names that can be told apart;
- the card index, memory and model cache cannot be written: warned, built in memory;
- a corrections file or the glossary that is a FIFO (or a link to one) is never opened:
  skipped with a note, the build ends and releases the out/ lock.
"""

from __future__ import annotations

import json
import logging
import os
import unicodedata

import pytest
from click.testing import CliRunner

from conftest import FIXTURE_MODEL
from publisher.cli import cli

pytestmark = [pytest.mark.slow, pytest.mark.fixture_model, pytest.mark.timeout(300), pytest.mark.isa_neutral]

BODY = "부산시가 새 항만 계획을 발표했습니다. 계획에는 7억 원이 들어갑니다.\n"
SEOUL = "서울.txt"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile-build")
    inbox = root / "articles"
    inbox.mkdir()
    # one article for two cases (each built article costs a PDF): a dirty stored correction, footnote 1000
    (inbox / "dirty.txt").write_text(
        "항만 계획\n\n" + BODY + "\n항만 공사는 내년에 시작됩니다.[1000]\n\n[1000] 시 예산 기준입니다.\n", encoding="utf-8"
    )
    (inbox / "dirty.corrections.csv").write_text(
        "id,korean,machine_english,corrected_english\n"
        "p1.1,부산시가 새 항만 계획을 발표했습니다.,,Bad\x01 English\u202e here\uffff.\n",
        encoding="utf-8",
    )
    (inbox / "rule.txt").write_text("---\n부산시 소식: 항만\n---\n" + BODY, encoding="utf-8")
    (inbox / "alias.md").write_text("---\ntitle: &t 제목\nauthor: *t\n---\n" + BODY, encoding="utf-8")
    (inbox / "dateline.txt").write_text("2026.13.45\n\n" + BODY, encoding="utf-8")
    (inbox / SEOUL).write_text(BODY, encoding="utf-8")
    (inbox / unicodedata.normalize("NFD", SEOUL)).write_text(BODY, encoding="utf-8")
    (inbox / "부산.txt").write_text(BODY, encoding="utf-8")
    (inbox / "부산\u200b.txt").write_text(BODY, encoding="utf-8")
    os.mkfifo(inbox / "glossary.csv")
    os.mkfifo(inbox / "rule.corrections.csv")
    os.mkfifo(root / "elsewhere.fifo")
    (inbox / "dateline.corrections.csv").symlink_to(root / "elsewhere.fifo")
    blocker = root / "a-file"
    blocker.write_text("not a folder\n")
    mp = pytest.MonkeyPatch()
    mp.setenv("PUBLISHER_CACHE_DIR", str(blocker / "cache"))  # under a file: unwritable even for root
    handler = _Collect()
    logging.getLogger().addHandler(handler)
    try:
        result = CliRunner().invoke(cli, ["brief", str(inbox), "-o", str(root / "out"), "--model", str(FIXTURE_MODEL)])
    finally:
        logging.getLogger().removeHandler(handler)
        mp.undo()
    assert "Traceback" not in result.output + result.stderr
    return {"result": result, "out": root / "out", "inbox": inbox, "logged": handler.messages}


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def _brief(built, slug):
    return json.loads((built["out"] / slug / "brief.json").read_text(encoding="utf-8"))["data"]


def _segments(brief):
    return [s for b in brief["article"]["blocks"] for s in b["segments"]]


def test_the_build_publishes_the_good_articles_and_refuses_the_bad_in_one_line_each(built):
    result = built["result"]
    assert result.exit_code == 1, result.output + result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 4, result.stderr  # alias.md, the two twin pairs, the batch summary
    for slug in ("dirty", "rule", "dateline"):
        assert (built["out"] / slug / "brief.pdf").is_file(), slug
    assert (built["out"] / "index.html").is_file() and (built["out"] / "feed.xml").is_file()


def test_a_stored_correction_with_control_characters_is_reported_and_skipped(built):
    assert "cannot be published (U+0001, U+202E, U+FFFF)" in built["result"].output + built["result"].stderr
    [seg] = [s for s in _segments(_brief(built, "dirty")) if s["text"] == "부산시가 새 항만 계획을 발표했습니다."]
    assert seg["origin"] != "edited"


def test_a_rule_line_is_not_front_matter_and_the_text_is_kept(built):
    brief = _brief(built, "rule")
    assert "부산시 소식: 항만" in [s["text"] for s in _segments(brief)]
    assert any("not front matter" in n for n in brief["article"]["notes"])


def test_yaml_anchors_and_aliases_are_refused(built):
    assert any("alias.md" in line and "anchors or aliases" in line for line in built["result"].stderr.splitlines())
    assert not (built["out"] / "alias").exists()


def test_an_impossible_dateline_is_noted_and_kept_out_of_the_body(built):
    brief = _brief(built, "dateline")
    assert not any("2026.13.45" in s["text"] for s in _segments(brief))
    assert brief["article"]["date"] is None
    assert any("2026.13.45" in n and "not a real date" in n for n in brief["article"]["notes"])


def test_footnotes_past_999_are_footnotes(built):
    brief = _brief(built, "dirty")
    [fn] = [b for b in brief["article"]["blocks"] if b["kind"] == "footnote"]
    assert fn["number"] == 1000 and fn["id"] == "fn1000"
    assert any(1000 in s["refs"] for s in _segments(brief))


def test_look_alike_file_names_are_refused_with_names_told_apart(built):
    lines = [line for line in built["result"].stderr.splitlines() if "would all be published" in line]
    nfd = next(line for line in lines if "서울" in line)
    assert "(NFD" in nfd and nfd.count("서울") == 2
    zw = next(line for line in lines if "부산" in line)
    assert "부산\\u200b.txt" in zw


def test_an_unwritable_cache_is_warned_about_and_the_build_runs_in_memory(built):
    logged = " | ".join(built["logged"])
    assert "card index" in logged and "in memory" in logged
    assert "translation memory" in logged
    assert "model cache" in logged and "for this run only" in logged
    assert sum("card index" in m for m in built["logged"]) == 1  # warned once


def test_fifos_as_corrections_files_or_glossary_are_skipped_with_a_note_and_the_lock_released(built):
    from publisher.building.publish import lock_out_dir

    text = built["result"].output + built["result"].stderr
    assert "rule.corrections.csv is a FIFO" in text and "dateline.corrections.csv is a FIFO" in text
    assert any("glossary" in m and "FIFO" in m for m in built["logged"])
    assert (built["out"] / "rule" / "brief.pdf").is_file() and (built["out"] / "dateline" / "brief.pdf").is_file()
    lock_out_dir(built["out"], 0).release()  # the build let go of out/


def test_a_corrections_file_named_in_the_other_normal_form_belongs_to_its_article(tmp_path):
    """A Mac writes NFD names: the corrections file is found by the one name rule (text.name_key)."""
    from publisher.building.inbox import corrections_path

    article = tmp_path / unicodedata.normalize("NFD", "서울.txt")
    article.write_text(BODY, encoding="utf-8")
    nfc = tmp_path / "서울.corrections.csv"
    nfc.write_text("id,korean,machine_english,corrected_english\n", encoding="utf-8")
    assert corrections_path(article) == nfc
    assert corrections_path(tmp_path / "부산\u200b.txt") == tmp_path / "부산\u200b.corrections.csv"  # no twin: the plain name
