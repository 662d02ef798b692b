"""The whole pipeline, end to end, through its real dependencies.

Real reading and kiwipiepy segmentation, the real CTranslate2 path on the committed test
fixture model, real WeasyPrint PDFs inspected with poppler.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURE_MODEL, REPO, require_tool, write_corrections_csv
from publisher.document import TEST_MODEL_NOTICE, brief_from_dict
from publisher.cli import cli
from publisher.building import BuildSettings, build, corrections_path

pytestmark = pytest.mark.slow

SAMPLES = sorted(p for p in (REPO / "articles").iterdir() if p.suffix in (".txt", ".md", ".html"))


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a network connection fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.fixture
def inbox(tmp_path):
    d = tmp_path / "articles"
    d.mkdir()
    for p in SAMPLES:
        shutil.copy(p, d / p.name)
    glossary = REPO / "articles" / "glossary.csv"
    if glossary.exists():
        shutil.copy(glossary, d / "glossary.csv")
    return d


def _brief(out: Path, slug: str):
    return brief_from_dict(json.loads((out / slug / "brief.json").read_text(encoding="utf-8"))["data"])


def _pdftext(pdf: Path) -> str:
    require_tool("pdftotext")
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _in_order(haystack: str, needles: list[str]) -> list[str]:
    """The needles that are not found in order (whitespace ignored)."""
    hay = _squash(haystack)
    pos, missing = 0, []
    for n in needles:
        i = hay.find(_squash(n), pos)
        if i < 0:
            missing.append(n)
        else:
            pos = i + len(_squash(n))
    return missing


@pytest.mark.fixture_model
def test_make_brief_end_to_end_offline(inbox, shared_article, tmp_path, no_network):
    shutil.copy(shared_article, inbox / shared_article.name)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["brief", str(inbox), "-o", str(out), "--model", str(FIXTURE_MODEL)])
    assert result.exit_code == 0, result.output + result.stderr
    assert "TEST FIXTURE" in result.stderr

    slugs = sorted(p.name for p in out.iterdir() if (p / "brief.json").exists())
    assert "openai-seoul-office" in slugs and len(slugs) == len(SAMPLES) + 1
    index = (out / "index.html").read_text(encoding="utf-8")
    for slug in slugs:
        assert f"{slug}/brief.pdf" in index
        assert (out / slug / "brief.pdf").read_bytes().startswith(b"%PDF-")
        brief = _brief(out, slug)
        assert brief.model is not None and brief.model.test_fixture
        assert TEST_MODEL_NOTICE in brief.notices
        # Every segment went through translation; what the fixture writes for sentences
        # outside its corpus is not asserted (it depends on the CPU's int8 kernels).
        assert all(seg.en is not None and seg.origin for _, seg in brief.article.iter_segments())
    assert (out / "feed.xml").exists()

    # The shared article's PDF: every Korean body sentence and its English, in order.
    brief = _brief(out, "openai-seoul-office")
    text = _pdftext(out / "openai-seoul-office" / "brief.pdf")
    assert "Test model, not a translation" in text
    body = [seg for block, seg in brief.article.iter_segments() if block.kind == "body"]
    assert len(body) > 40
    pairs = []
    for seg in body:
        pairs += [seg.text, seg.en]
    summary_start = _squash(text).find(_squash(body[0].text))
    assert summary_start >= 0
    missing = _in_order(text, pairs)
    assert not missing, f"{len(missing)} of {len(pairs)} segments missing or out of order, first: {missing[:3]}"

    # The summary appears in both languages before the full text.
    assert brief.summary
    by_id = {seg.id: seg for _, seg in brief.article.iter_segments()}
    first = by_id[brief.summary[0]]
    squashed = _squash(text)
    assert squashed.find(_squash(first.text)) < squashed.rfind(_squash(first.text))
    assert _squash(first.en) in squashed

    # The bundled Korean font is embedded.
    require_tool("pdffonts")
    fonts = subprocess.run(["pdffonts", str(out / "openai-seoul-office" / "brief.pdf")], capture_output=True, text=True, check=True).stdout
    rows = [line for line in fonts.splitlines() if "BriefGothic" in line]
    assert rows and all(" yes " in f" {r} " for r in rows), fonts


@pytest.mark.fixture_model
def test_rerun_of_unchanged_articles_translates_nothing(inbox, tmp_path):
    out = tmp_path / "out"
    settings = BuildSettings(out_dir=out, model=str(FIXTURE_MODEL))
    first = build([inbox], settings)
    assert first.built and not first.failed
    assert first.translation["model_calls"] == 1
    pdf_before = {s: (out / s / "brief.pdf").stat().st_mtime_ns for s in first.built}

    second = build([inbox], settings)
    assert sorted(second.skipped) == sorted(first.built)
    assert second.built == []
    assert second.translation.get("model_calls", 0) == 0
    assert {s: (out / s / "brief.pdf").stat().st_mtime_ns for s in first.built} == pdf_before

    forced = build([inbox], BuildSettings(out_dir=out, model=str(FIXTURE_MODEL), force=True))
    assert sorted(forced.built) == sorted(first.built)
    assert forced.translation["model_calls"] == 0  # everything came from the translation memory
    assert forced.translation["from_memory"] == forced.translation["segments_total"]


@pytest.mark.fixture_model
def test_changing_one_sentence_translates_exactly_one_segment(inbox, tmp_path):
    out = tmp_path / "out"
    settings = BuildSettings(out_dir=out, model=str(FIXTURE_MODEL))
    build([inbox], settings)
    target = inbox / "seoul-robot-buses.ko.txt"
    text = target.read_text(encoding="utf-8")
    assert "네 개로 늘립니다." in text
    target.write_text(text.replace("네 개로 늘립니다.", "다섯 개로 늘립니다."), encoding="utf-8")
    again = build([inbox], settings)
    assert again.built == ["seoul-robot-buses"]
    assert again.translation["translated"] == 1


@pytest.mark.fixture_model
def test_one_broken_article_is_reported_and_the_others_published(inbox, tmp_path):
    (inbox / "broken.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["brief", str(inbox), "-o", str(out), "--model", str(FIXTURE_MODEL)])
    assert result.exit_code == 1
    assert "broken.txt" in result.stderr.splitlines()[-1]
    assert "Traceback" not in result.stderr
    for p in SAMPLES:
        assert (out / _brief_slug(p) / "brief.pdf").exists()
    assert not (out / "broken").exists()


def _brief_slug(p: Path) -> str:
    from publisher.read import read_article

    return read_article(p).slug


def _corrections(path: Path, rows: list[tuple[str, str, str]]) -> None:
    write_corrections_csv(path, ([seg_id, ko, "", en] for seg_id, ko, en in rows))


@pytest.mark.fixture_model
def test_corrections_apply_survive_rebuilds_and_carry_to_other_articles(inbox, tmp_path):
    out = tmp_path / "out"
    settings = BuildSettings(out_dir=out, model=str(FIXTURE_MODEL))
    article = inbox / "seoul-robot-buses.ko.txt"
    build([article], settings)
    brief = _brief(out, "seoul-robot-buses")
    seg = next(s for b, s in brief.article.iter_segments() if b.kind == "body")

    cpath = corrections_path(article)
    _corrections(cpath, [(seg.id, seg.text, "The city adds night robot bus routes. (edited)")])
    before = cpath.read_bytes()
    report = build([article], settings)
    assert report.built == ["seoul-robot-buses"]
    edited = _brief(out, "seoul-robot-buses")
    assert edited.edited
    by_id = {s.id: s for _, s in edited.article.iter_segments()}
    assert by_id[seg.id].en == "The city adds night robot bus routes. (edited)"
    assert by_id[seg.id].origin == "edited"
    html = (out / "seoul-robot-buses" / "brief.html").read_text(encoding="utf-8")
    assert "edited" in html.lower()
    assert cpath.read_bytes() == before

    # Another article with the same sentence gets the editor's wording from the memory.
    other = inbox / "other.txt"
    other.write_text(f"다른 기사의 첫 문장입니다.{seg.text}\n", encoding="utf-8")
    build([other], settings)
    carried = _brief(out, "other")
    ens = {s.text: s for _, s in carried.article.iter_segments()}
    assert ens[seg.text].en == "The city adds night robot bus routes. (edited)"
    assert ens[seg.text].origin == "edited"

    # The editor takes the correction back: the machine's wording returns.
    _corrections(cpath, [])
    build([article], settings)
    reverted = {s.id: s for _, s in _brief(out, "seoul-robot-buses").article.iter_segments()}
    assert reverted[seg.id].en == seg.en and reverted[seg.id].origin != "edited"
    assert not _brief(out, "seoul-robot-buses").edited


@pytest.mark.fixture_model
def test_cache_stats_and_clear_keep_corrections(inbox, tmp_path):
    article = inbox / "seoul-robot-buses.ko.txt"
    _corrections(corrections_path(article), [("p1.1", "서울시가 다음 달부터 심야 자율주행 버스 노선을 네 개로 늘립니다.", "Edited.")])
    build([article], BuildSettings(out_dir=tmp_path / "out", model=str(FIXTURE_MODEL)))
    stats = CliRunner().invoke(cli, ["cache", "stats"])
    assert stats.exit_code == 0, stats.stderr
    numbers = dict(re.findall(r"^(\w+): (\d+)$", stats.output, flags=re.M))
    assert int(numbers["translations"]) > 10 and int(numbers["corrections"]) == 1
    cleared = CliRunner().invoke(cli, ["cache", "clear", "--yes"])
    assert cleared.exit_code == 0 and f"cleared {numbers['translations']} stored" in cleared.output
    after = dict(re.findall(r"^(\w+): (\d+)$", CliRunner().invoke(cli, ["cache", "stats"]).output, flags=re.M))
    assert after["translations"] == "0" and after["corrections"] == "1"


@pytest.mark.fixture_model
def test_a_stale_correction_is_reported_and_kept(inbox, tmp_path):
    out = tmp_path / "out"
    article = inbox / "seoul-robot-buses.ko.txt"
    cpath = corrections_path(article)
    _corrections(cpath, [("p1.1", "이 문장은 기사에 없습니다.", "Not in the article.")])
    before = cpath.read_bytes()
    result = CliRunner().invoke(cli, ["brief", str(article), "-o", str(out), "--model", str(FIXTURE_MODEL)])
    assert result.exit_code == 0, result.stderr
    assert "stale correction" in result.stderr and "line 2" in result.stderr
    assert cpath.read_bytes() == before
    brief = _brief(out, "seoul-robot-buses")
    assert all(s.en != "Not in the article." for _, s in brief.article.iter_segments())


@pytest.mark.stress
@pytest.mark.fixture_model
def test_two_builds_at_once_do_not_corrupt_anything(inbox, tmp_path):
    out = tmp_path / "out"
    exe = Path(sys.executable).with_name("publisher")
    cmd = [str(exe), "brief", str(inbox), "-o", str(out), "--model", str(FIXTURE_MODEL), "--force"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [p.communicate(timeout=600) for p in procs]
    for p, (o, e) in zip(procs, results):
        assert p.returncode == 0, e
    for p in SAMPLES:
        slug = _brief_slug(p)
        assert (out / slug / "brief.pdf").read_bytes().rstrip().endswith(b"%%EOF")
        _brief(out, slug)  # parses
    assert not [p for p in out.rglob("*.tmp")]


@pytest.mark.fixture_model
def test_brief_with_a_non_fixture_model_file_installs_it_first(inbox, tmp_path):
    from test_model_store import make_package

    from publisher import models

    package = make_package(FIXTURE_MODEL, tmp_path / "newsroom-ko_en.argosmodel")
    assert models.status() == []
    out = tmp_path / "out"
    article = inbox / "seoul-robot-buses.ko.txt"
    result = CliRunner().invoke(cli, ["brief", str(article), "-o", str(out), "--model", str(package)])
    assert result.exit_code == 0, result.stderr
    assert "TEST FIXTURE" not in result.stderr
    [info] = models.status()
    assert info.name == "publisher-test-copy"
    # the next plain build finds the installed model
    again = CliRunner().invoke(cli, ["brief", str(article), "-o", str(out), "--force"])
    assert again.exit_code == 0, again.stderr
    assert _brief(out, "seoul-robot-buses").model.sha256 == info.sha256


@pytest.mark.fixture_model
def test_the_test_fixture_is_never_installed_by_a_build(inbox, tmp_path):
    from publisher import models

    result = CliRunner().invoke(cli, ["brief", str(inbox / "seoul-robot-buses.ko.txt"), "-o", str(tmp_path / "out"), "--model", str(FIXTURE_MODEL)])
    assert result.exit_code == 0, result.stderr
    assert models.status() == []


def _store_translations(pairs: dict[str, str]) -> None:
    """Put English for these Korean sentences into the memory, as an earlier run would have.

    The checks then see exactly this English on every machine: what the fixture itself
    writes for a sentence outside its corpus depends on the CPU's int8 kernels.
    """
    from publisher.memory import TranslationMemory
    from publisher.models import load_model
    from publisher.engine import CT2Engine
    from publisher.translate import Translator

    key = Translator(CT2Engine(load_model(FIXTURE_MODEL))).model_key
    with TranslationMemory.open_default() as tm:
        assert tm.put_many(key, list(pairs.items())) == len(pairs)


def _flag_count(output: str) -> int:
    m = re.search(r"^(\d+) flagged segment\(s\) in (\d+) article\(s\)$", output, flags=re.M)
    assert m, output
    return int(m[1])


def test_check_lists_flagged_segments_and_strict_gates_on_them(tmp_path):
    inbox = tmp_path / "articles"
    inbox.mkdir()
    wrong = "부산항의 물동량은 2025년에 7억 톤을 넘었습니다."
    right = "교통공학 전문가들은 그 원인을 분석했습니다."
    (inbox / "a.txt").write_text(wrong + right + "\n", encoding="utf-8")
    # Stored English: the year and the amount are wrong in the first, the second is clean.
    _store_translations({wrong: "Busan port handled more than 600 million tons in 2024.",
                         right: "Transport engineering experts analysed the cause."})
    plain = CliRunner().invoke(cli, ["check", str(inbox), "--model", str(FIXTURE_MODEL)])
    assert plain.exit_code == 0, plain.stderr
    assert _flag_count(plain.output) == 1
    assert "a p1.1: The numbers in the English do not match the Korean" in plain.output
    assert f"ko: {wrong}" in plain.output
    assert "en: Busan port handled more than 600 million tons in 2024." in plain.output
    assert "p1.2" not in plain.output
    strict = CliRunner().invoke(cli, ["check", "--strict", str(inbox), "--model", str(FIXTURE_MODEL)])
    assert strict.exit_code == 1


def test_check_strict_passes_a_clean_article(tmp_path):
    inbox = tmp_path / "articles"
    inbox.mkdir()
    ko = "교통공학 전문가들은 그 원인을 분석했습니다."
    (inbox / "a.txt").write_text(ko + "\n", encoding="utf-8")
    _store_translations({ko: "Transport engineering experts analysed the cause."})
    strict = CliRunner().invoke(cli, ["check", "--strict", str(inbox), "--model", str(FIXTURE_MODEL)])
    assert strict.exit_code == 0, strict.output
    assert _flag_count(strict.output) == 0


@pytest.mark.fixture_model
def test_check_through_the_model_gates_strictly_on_what_it_lists(tmp_path):
    """The real CTranslate2 path: whatever the fixture writes, --strict agrees with the list."""
    inbox = tmp_path / "articles"
    inbox.mkdir()
    corpus = (REPO / "tests" / "fixture" / "corpus.tsv").read_text(encoding="utf-8").splitlines()
    pairs = [line.split("\t") for line in corpus if "\t" in line and not line.startswith("#")]
    (inbox / "a.txt").write_text("".join(ko for ko, _ in pairs[40:46]) + "\n", encoding="utf-8")
    plain = CliRunner().invoke(cli, ["check", str(inbox), "--model", str(FIXTURE_MODEL)])
    assert plain.exit_code == 0, plain.stderr
    listed = re.findall(r"^a (p1\.\d+): ", plain.output, flags=re.M)
    assert len(listed) == _flag_count(plain.output) == len(set(listed))
    strict = CliRunner().invoke(cli, ["check", "--strict", str(inbox), "--model", str(FIXTURE_MODEL)])
    assert strict.exit_code == (1 if listed else 0)


@pytest.mark.fixture_model
def test_decoding_settings_are_part_of_what_a_brief_is_built_from(inbox, tmp_path):
    from publisher.decoding import TranslateSettings

    article = inbox / "busan-port-ai.md"
    out = tmp_path / "out"
    first = build([article], BuildSettings(out_dir=out, model=str(FIXTURE_MODEL)))
    assert first.built and first.translation["translated"] > 0
    # other threads: the same output, so nothing is rebuilt or retranslated
    same = build([article], BuildSettings(out_dir=out, model=str(FIXTURE_MODEL), decoding=TranslateSettings(intra_threads=1)))
    assert same.skipped == first.built
    # greedy decoding (--fast) writes different English: rebuilt, and not served from the
    # default (beam 4) memory; and back to the default, a greedy brief is rebuilt too
    fast = build([article], BuildSettings(out_dir=out, model=str(FIXTURE_MODEL), decoding=TranslateSettings(beam_size=1)))
    assert fast.built == first.built
    assert fast.translation["translated"] == first.translation["translated"]
    assert fast.translation["from_memory"] == 0
    again = build([article], BuildSettings(out_dir=out, model=str(FIXTURE_MODEL)))
    assert again.built == first.built and again.translation["translated"] == 0  # beam 4's English is remembered


@pytest.mark.fixture_model
def test_brief_accepts_decoding_options(inbox, tmp_path):
    result = CliRunner().invoke(
        cli,
        ["brief", str(inbox / "busan-port-ai.md"), "-o", str(tmp_path / "out"), "--model", str(FIXTURE_MODEL),
         "--beam", "2", "--threads", "1", "--compute-type", "int8", "--batch-tokens", "512"],
    )
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "out" / "busan-port-ai" / "brief.pdf").exists()


@pytest.mark.fixture_model
def test_brief_fast_is_greedy_and_refuses_a_contradicting_beam(inbox, tmp_path):
    out = tmp_path / "out"
    article = str(inbox / "busan-port-ai.md")
    result = CliRunner().invoke(cli, ["brief", article, "-o", str(out), "--model", str(FIXTURE_MODEL), "--fast"])
    assert result.exit_code == 0, result.stderr
    assert (out / "busan-port-ai" / "brief.pdf").exists()
    clash = CliRunner().invoke(cli, ["brief", article, "-o", str(out), "--model", str(FIXTURE_MODEL), "--fast", "--beam", "4"])
    assert clash.exit_code != 0 and "--fast is greedy decoding" in clash.output


@pytest.mark.fixture_model
def test_with_an_installed_model_a_plain_build_touches_no_network(inbox, tmp_path, no_network):
    """What `make brief` runs once a model is installed: `models status`, then `brief`."""
    from test_model_store import make_package

    from publisher import models

    models.install_from_file(make_package(FIXTURE_MODEL, tmp_path / "newsroom-ko_en.argosmodel"))
    status = CliRunner().invoke(cli, ["models", "status"])
    assert status.exit_code == 0, status.output
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["brief", str(inbox), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert (out / "seoul-robot-buses" / "brief.pdf").exists()
    assert _brief(out, "seoul-robot-buses").model.name == "publisher-test-copy"
