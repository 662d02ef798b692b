"""The inbox: every entry that is not an article, a corrections file or the glossary is named
in the build report; --strict makes that an error; an entry that is not a regular file (FIFO,
socket, a symlink to one) is never opened, so it cannot hang the build (issues 24 and 25)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURE_MODEL
from publisher.building.inbox import expand_articles, not_regular, scan_inbox
from publisher.cli import cli
from publisher.cli.output import segment_summary

ARTICLE = "서울시 새 버스\n\n서울시는 새 버스를 도입했다고 밝혔다.\n"


def _inbox(tmp_path: Path) -> Path:
    inbox = tmp_path / "articles"
    inbox.mkdir()
    (inbox / "bus.ko.txt").write_text(ARTICLE, encoding="utf-8")
    (inbox / "notes.docx").write_bytes(b"PK\x03\x04 not an article")
    (inbox / "README").write_text("house notes", encoding="utf-8")
    (inbox / "bus.ko.corrections.csv").write_text("id,korean,machine_english,corrected_english\n", encoding="utf-8")
    (inbox / "glossary.csv").write_text("ko,en\n서울,Seoul\n", encoding="utf-8")
    (inbox / ".DS_Store").write_bytes(b"\0")
    (inbox / "old").mkdir()
    return inbox


def test_the_scan_names_every_entry_that_is_not_read_and_opens_nothing(tmp_path):
    inbox = _inbox(tmp_path)
    os.mkfifo(inbox / "pipe.txt")
    os.symlink(inbox / "pipe.txt", inbox / "link.md")
    os.symlink(tmp_path / "gone.txt", inbox / "dangling.txt")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(inbox / "sock.html"))
    try:
        scan = scan_inbox([inbox])  # a FIFO opened for reading would block here
    finally:
        sock.close()
    assert [p.name for p in scan.articles] == ["bus.ko.txt"]
    why = {p.name: reason for p, reason in scan.ignored}
    assert why == {
        "README": "no file extension: not an article format (.txt, .md, .html)",
        "dangling.txt": f"a symlink to {tmp_path / 'gone.txt'}, which does not exist",
        "link.md": f"a symlink to {inbox / 'pipe.txt'}, which is a FIFO, not a regular file",
        "notes.docx": ".docx: not an article format (.txt, .md, .html)",
        "old": "a folder (folders inside an inbox are not searched)",
        "pipe.txt": "a FIFO, not a regular file",
        "sock.html": "a socket, not a regular file",
    }
    assert expand_articles([inbox]) == list(scan.articles)


def test_an_article_named_directly_that_is_a_fifo_is_refused_and_a_fifo_corrections_file_skipped_unopened(tmp_path):
    inbox = tmp_path / "articles"
    inbox.mkdir()
    (inbox / "a.txt").write_text(ARTICLE, encoding="utf-8")
    os.mkfifo(inbox / "a.corrections.csv")
    os.mkfifo(inbox / "b.txt")
    scan = scan_inbox([inbox / "a.txt", inbox / "b.txt"])
    # the article is built without its corrections (issue 25: skipped with a note, never opened)
    assert [p.name for p in scan.articles] == ["a.txt"]
    assert [(p.name, why) for p, why in scan.refused] == [("b.txt", "a FIFO, not a regular file")]
    assert [(p.name, why) for p, why in scan.ignored] == [("a.corrections.csv", "a FIFO, not a regular file")]
    assert not_regular(inbox / "a.txt") is None


def test_the_summary_of_segments_adds_up_in_words():
    line = segment_summary({"segments_total": 131, "translated_segments": 0, "from_memory": 130, "copied": 0})
    assert line == "131 segments: 0 translated by the model, 130 from the translation memory, 1 empty (nothing to translate)"
    line = segment_summary({"segments_total": 5, "translated_segments": 2, "from_memory": 1, "edited": 1, "copied": 1})
    assert line == "5 segments: 2 translated by the model, 1 from the translation memory, 1 editor's corrections, 1 copied as written (numbers, Latin script)"


@pytest.mark.fixture_model
def test_brief_names_skipped_files_and_strict_refuses_them(tmp_path):
    inbox = _inbox(tmp_path)
    out = tmp_path / "out"
    strict = CliRunner().invoke(cli, ["brief", str(inbox), "-o", str(out), "--model", str(FIXTURE_MODEL), "--strict"])
    assert strict.exit_code != 0
    assert strict.output.startswith("Error: --strict: 3 file(s) in the inbox are not articles: ")
    assert "notes.docx (.docx: not an article format (.txt, .md, .html))" in strict.output
    assert not out.exists()  # nothing built

    result = CliRunner().invoke(cli, ["brief", str(inbox), "-o", str(out), "--model", str(FIXTURE_MODEL)])
    assert result.exit_code == 0, result.output
    assert f"skipped {inbox / 'notes.docx'}: .docx: not an article format (.txt, .md, .html)" in result.output
    assert f"skipped {inbox / 'old'}: a folder (folders inside an inbox are not searched)" in result.output
    assert ".DS_Store" not in result.output  # hidden entries are left out silently (documented)
    assert "corrections" not in result.output.replace("from the translation memory", "")
    assert (out / "bus" / "brief.pdf").is_file()


@pytest.mark.fixture_model
@pytest.mark.isa_neutral  # what is skipped and that nothing hangs, not the English
def test_a_fifo_in_the_inbox_does_not_hang_the_build(tmp_path):
    inbox = tmp_path / "articles"
    inbox.mkdir()
    (inbox / "a.ko.txt").write_text(ARTICLE, encoding="utf-8")
    (inbox / "b.ko.txt").write_text(ARTICLE.replace("버스", "지하철"), encoding="utf-8")
    os.mkfifo(inbox / "pipe.ko.txt")
    os.symlink("pipe.ko.txt", inbox / "link.ko.md")
    out = tmp_path / "out"
    exe = str(Path(sys.executable).with_name("publisher"))
    done = subprocess.run(
        [exe, "brief", str(inbox), "-o", str(out), "--model", str(FIXTURE_MODEL)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert f"skipped {inbox / 'pipe.ko.txt'}: a FIFO, not a regular file" in done.stdout
    assert f"skipped {inbox / 'link.ko.md'}: a symlink to pipe.ko.txt, which is a FIFO, not a regular file" in done.stdout
    assert (out / "a" / "brief.pdf").is_file() and (out / "b" / "brief.pdf").is_file()
    # the lock was released: it can be taken at once
    from publisher.building.publish import lock_out_dir

    lock_out_dir(out, 0).release()


def test_a_glossary_named_on_the_command_line_that_is_a_fifo_is_one_line(tmp_path):
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    os.mkfifo(tmp_path / "terms.csv")
    result = CliRunner().invoke(cli, ["check", str(article), "--glossary", str(tmp_path / "terms.csv"), "--model", str(FIXTURE_MODEL)])
    assert result.exit_code == 2
    assert result.output.strip() == f"Error: {tmp_path / 'terms.csv'}: a FIFO, not a regular file; the glossary must be a regular file"
    named = CliRunner().invoke(cli, ["check", str(tmp_path / "terms.csv"), "--model", str(FIXTURE_MODEL)])
    assert named.output.strip() == f"Error: {tmp_path / 'terms.csv'}: a FIFO, not a regular file"
