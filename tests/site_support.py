"""Small newsroom inboxes and a module-scoped build through the real command, for the search,
share and PDF-variant tests (one build per module: real CTranslate2 with the fixture model,
real WeasyPrint, real Pagefind)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURE_MODEL

from publisher.cli import cli

# Written for these tests; sentences from tests/fixture/corpus.tsv, so the fixture model
# gives readable English. Each article has words the other has not (삼성전자/반도체; OpenAI/서울).
ARTICLES = {
    "chip-factory.md": "---\ntitle: 삼성전자는 새 반도체 공장을 짓는다\ndate: 2026-11-02\n---\n"
    "삼성전자는 새 반도체 공장을 짓는다.\n\n네이버는 자체 AI 모델을 발표했다.\n\n카카오는 AI 비서 서비스를 시작했다.\n",
    "seoul-office.md": "---\ntitle: OpenAI는 서울에 새 사무소를 열었다\ndate: 2026-11-03\n---\n"
    "OpenAI는 서울에 새 사무소를 열었다.\n\nOpenAI는 한국에서 사용자가 빠르게 늘고 있다고 밝혔다.\n\n한국의 유료 구독자는 400만 명에 이른다.\n",
}
WORD = re.compile(r"[A-Za-z]{5,}")


def write_inbox(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in ARTICLES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def isolate(mp: pytest.MonkeyPatch, state: Path) -> None:
    """What conftest's autouse fixture does per test, for a module-scoped build."""
    for var, sub in (
        ("PUBLISHER_CACHE_DIR", "cache"),
        ("ARGOS_PACKAGES_DIR", "packages"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_CACHE_HOME", "xdg-cache"),
        ("XDG_CONFIG_HOME", "config"),
    ):
        mp.setenv(var, str(state / sub))
    mp.delenv("PUBLISHER_SITE_URL", raising=False)
    mp.delenv("PUBLISHER_CONFIG", raising=False)


def run_brief(inbox: Path, out: Path, *options: str) -> str:
    """``publisher brief INBOX -o OUT --model <fixture> OPTIONS``: its output, or the test fails."""
    result = CliRunner().invoke(cli, ["brief", str(inbox), "-o", str(out), "--model", str(FIXTURE_MODEL), *options])
    assert result.exit_code == 0, result.output
    return result.output


def english_words(html: str) -> set[str]:
    """The lower-cased English words (5 letters and more) of a brief page's English segments."""
    from bs4 import BeautifulSoup

    doc = BeautifulSoup(html, "html.parser")
    return {w.lower() for p in doc.select("p.seg.en") for w in WORD.findall(p.get_text())}


BASE = "https://news.example.com/briefs/"


class Newsroom:
    """One built site: the inbox, ``out/`` (built with ``BASE`` as the site's address and
    ``--pdf-variant pdf/a-3u``) and what the command printed."""

    def __init__(self, root: Path, inbox: Path, out: Path, output: str):
        self.root, self.inbox, self.out, self.output = root, inbox, out, output

    def briefs(self) -> list[Path]:
        return sorted(p.parent for p in self.out.glob("*/brief.json"))


@pytest.fixture(scope="session")
def newsroom(tmp_path_factory, fixture_model) -> Newsroom:
    """The site the search, share and PDF-variant tests inspect, built once per session
    through ``publisher brief`` (its modules share an xdist group, so one worker builds it)."""
    root = tmp_path_factory.mktemp("newsroom")
    with pytest.MonkeyPatch.context() as mp:
        isolate(mp, root / "state")
        mp.setenv("PUBLISHER_SITE_URL", BASE)
        # One search bundle per brief (chip-factory: 0, seoul-office: 1), so that the search
        # box's merging of bundles is what the browser test goes through.
        mp.setattr("publisher.search.SHARD_PAGES", 1)
        inbox = write_inbox(root / "articles")
        out = root / "out"
        output = run_brief(inbox, out, "--pdf-variant", "pdf/a-3u")
    return Newsroom(root, inbox, out, output)
