"""The documentation site builds strictly, its command reference is generated from the click
commands, and what the editor's guide shows is what the publisher does (issue 24)."""

from __future__ import annotations

import re
import subprocess
import sys

import click
import pytest

from conftest import REPO
from publisher.building.inbox import corrections_path
from publisher.cli import cli
from publisher.read import read_article
from publisher.serve import INTERNAL

DOCS = REPO / "docs"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    return out


def _walk(group: click.Group, prefix=()):
    for name, cmd in group.commands.items():
        yield prefix + (name,), cmd
        if isinstance(cmd, click.Group):
            yield from _walk(cmd, prefix + (name,))


def test_the_command_reference_is_generated_from_every_command_and_option(site):
    page = (site / "reference" / "index.html").read_text(encoding="utf-8")
    assert "mkdocs-click" not in page  # the directive was expanded, not printed
    for path, cmd in _walk(cli):
        assert f'id="{path[-1]}"' in page, f"publisher {' '.join(path)} is missing from the reference"
        for p in cmd.params:
            if isinstance(p, click.Option) and not p.hidden:
                assert p.opts[-1] in page, f"publisher {' '.join(path)} {p.opts[-1]} is missing from the reference"
    assert "Old spelling of --output" not in page  # hidden aliases stay hidden


def test_the_pages_other_engineers_write_are_in_the_nav(site):
    for name in ("configuration", "templates", "service"):
        assert (site / name / "index.html").is_file()


def _examples() -> dict[str, str]:
    text = (DOCS / "guide" / "articles.md").read_text(encoding="utf-8")
    return dict(re.findall(r"<!-- example: (\S+) -->\n```\w*\n(.*?)```", text, re.S))


def test_the_article_format_examples_read_as_documented(tmp_path):
    examples = _examples()
    assert set(examples) == {"bus.ko.txt", "quote.txt", "notitle.txt", "port.md"}
    read = {}
    for name, body in examples.items():
        (tmp_path / name).write_text(body, encoding="utf-8")
        read[name] = read_article(tmp_path / name)

    bus = read["bus.ko.txt"]
    assert (bus.slug, bus.title, bus.title_source, bus.date) == ("bus", "새벽 첫차보다 먼저 달리는 버스", "front-matter", "2026-11-20")
    assert (bus.byline.author, bus.byline.role, bus.byline.email) == ("김하늘", "기자", "haneul.kim@example.com")
    assert bus.noise == ("이미지 확대하기",)
    kinds = [(b.kind, b.text) for b in bus.blocks]
    assert ("pullquote", "기사님 자리는 당분간 비워 둘 수 없습니다") in kinds
    caption = next(b for b in bus.blocks if b.kind == "caption")
    assert (caption.text, caption.credit) == ("운전석이 비어 있는 심야 자율주행 버스 내부", "서울교통연구원")
    footnote = next(b for b in bus.blocks if b.kind == "footnote")
    assert footnote.number == 1 and "[1]" in next(b for b in bus.blocks if b.kind == "body").text

    quote = read["quote.txt"]
    assert (quote.title, quote.title_source) == ("기사님 자리는 비워 둘 수 없습니다", "pull-quote")
    notitle = read["notitle.txt"]
    assert (notitle.title, notitle.title_source, notitle.date) == ("서울 심야버스 노선 확대", "front-matter", "2026-11-20")

    port = read["port.md"]
    assert (port.title, port.title_source, port.date, port.outlet) == ("부산항 신항, AI가 컨테이너 길을 정한다", "heading", "2026-10-05", "한빛경제신문")
    assert (port.byline.author, port.byline.role, port.url) == ("정유진", "기자", "https://news.example.com/2026/10/busan-port-ai")
    assert [b.kind for b in port.blocks] == ["title", "caption", "body", "pullquote", "body", "footnote"]
    assert port.blocks[2].text == "부산항 신항이 컨테이너 배치를 인공지능에 맡기는 실험을 시작했다고 밝혔다."  # lines joined


def test_the_front_matter_table_names_every_key_the_reader_takes():
    from publisher.read.frontmatter import FRONT_KEYS

    text = (DOCS / "guide" / "articles.md").read_text(encoding="utf-8")
    table = text.split("### Front matter", 1)[1].split("## Markdown", 1)[0]
    for key in FRONT_KEYS:
        assert f"`{key}`" in table, key


def test_the_corrections_file_names_in_the_docs_are_the_code_s():
    text = (DOCS / "guide" / "corrections.md").read_text(encoding="utf-8")
    for article, corrections in re.findall(r"\| `articles/(\S+)` \| `articles/(\S+)` \|", text):
        assert corrections_path(REPO / "articles" / article).name == corrections
    assert "x.ko.corrections.csv" in text


def test_the_documented_upload_excludes_are_what_serve_refuses():
    for page in (DOCS / "guide" / "publishing.md", REPO / "README.md"):
        text = page.read_text(encoding="utf-8")
        line = re.search(r"rsync [^`\n]*", text).group(0)
        assert tuple(re.findall(r"--exclude='([^']+)'", line)) == INTERNAL, page


def test_the_readme_is_short_and_says_what_the_command_is():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) < 80
    assert "make brief" in text and "make test" in text and "make docs" in text
    assert ".venv/bin/publisher" in text and "source .venv/bin/activate" in text
