"""Shared set-up for the desk tests: an inbox, stored translations, a running `publisher desk`.

The English of the "village bus" article is stored in the translation memory before the
desk starts, so what the page shows (and which segment is flagged) does not depend on what
the fixture model writes on this CPU. The model still runs for real on the other inbox
articles (corpus sentences), whose English the tests never assert.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from conftest import FIXTURE_MODEL

VILLAGE_BUS = """---
title: 밤에도 달리는 마을버스
date: 2026-11-21
author: 한결
---
마포구는 밤늦게 퇴근하는 주민을 위해 마을버스 운행 시간을 늘렸다.

주민들은 새 시간표가 생활에 큰 도움이 된다고 말했다[1].

구청은 다음 달에 이용객 의견을 다시 모을 계획이다.

운전기사들은 늦은 시간에도 안전 운행을 약속했다.

[1] 이 조사는 구청이 지난주에 주민 백 명에게 물었다.
"""

# Our own translations, stored as the model's. One is deliberately left with Korean in it:
# the desk flags it ("hangul") whatever the fixture model would have written.
STORED = {
    "밤에도 달리는 마을버스": "The village bus that runs at night",
    "마포구는 밤늦게 퇴근하는 주민을 위해 마을버스 운행 시간을 늘렸다.": "Mapo-gu extended its village bus hours for residents who leave work late at night.",
    "주민들은 새 시간표가 생활에 큰 도움이 된다고 말했다[1].": "Residents said the new timetable helps their daily lives a great deal[1].",
    "구청은 다음 달에 이용객 의견을 다시 모을 계획이다.": "The 구청 plans to gather riders' opinions again next month.",
    "운전기사들은 늦은 시간에도 안전 운행을 약속했다.": "The drivers promised to drive safely even late at night.",
    "이 조사는 구청이 지난주에 주민 백 명에게 물었다.": "The district office asked one hundred residents for this survey last week.",
}
FLAGGED_KO = "구청은 다음 달에 이용객 의견을 다시 모을 계획이다."
FLAGGED_EN = STORED[FLAGGED_KO]

# Two flagged sentences (Korean left in the English) and one clean one: save-all, the filters.
LIBRARY = """---
title: 공원 옆 작은 도서관
date: 2026-11-22
---
시는 공원 옆에 작은 도서관을 열었다.

도서관은 주말에도 문을 연다.

주민들은 책을 빌리러 자주 온다.
"""
LIBRARY_STORED = {
    "공원 옆 작은 도서관": "A small library by the park",
    "시는 공원 옆에 작은 도서관을 열었다.": "The city opened a small 도서관 by the park.",
    "도서관은 주말에도 문을 연다.": "The library opens on 주말 too.",
    "주민들은 책을 빌리러 자주 온다.": "Residents often come to borrow books.",
}

GLOSSARY = "ko,en,note\n마포구,Mapo-gu,district\n"

# Article text with markup in it: the desk must show it as text.
HOSTILE_KO = '주민들은 <script>window.__pwned = 1</script> 문구와 <img src=x onerror="window.__pwned=2"> 표시를 보았다.'
HOSTILE_EN = 'Residents saw <script>window.__pwned = 3</script> and <img src=y onerror="window.__pwned=4"> on the sign.'
HOSTILE = f"""---
title: 이상한 안내문
date: 2026-11-20
---
{HOSTILE_KO}
"""

# Sentences from the fixture's training corpus: translated by the model for real.
CORPUS_ARTICLE = """---
title: 기준금리 동결
date: 2026-11-19
---
한국은행은 기준금리를 동결했다.

기준금리는 연 2.5%로 유지된다.
"""


def make_inbox(root: Path) -> Path:
    inbox = root / "articles"
    inbox.mkdir(parents=True)
    (inbox / "village-bus.md").write_text(VILLAGE_BUS, encoding="utf-8")
    (inbox / "hostile.md").write_text(HOSTILE, encoding="utf-8")
    (inbox / "rates.md").write_text(CORPUS_ARTICLE, encoding="utf-8")
    (inbox / "library.md").write_text(LIBRARY, encoding="utf-8")
    (inbox / "glossary.csv").write_text(GLOSSARY, encoding="utf-8")
    return inbox


def segments(path: Path) -> dict[str, str]:
    """Segment id -> Korean, by the real reader and segmenter."""
    from publisher.building.article import read_segmented as prepare

    return {seg.id: seg.text for _, seg in prepare(path).iter_segments()}


def seed_memory(article: Path, english: dict[str, str], glossary: Path | None) -> dict[str, str]:
    """Store ``english`` (Korean -> English) as the fixture model's translations of the
    article's segments; every segment must have one. Returns segment id -> Korean."""
    from publisher.glossary import load_glossary
    from publisher.memory import TranslationMemory
    from publisher.models import load_model
    from publisher.translate import prepare as prepare_text

    segs = segments(article)
    missing = [ko for ko in segs.values() if ko not in english]
    assert not missing, f"segments without a stored translation (the article's segmentation changed?): {missing}"
    gloss = load_glossary(glossary) if glossary else None
    from publisher.engine import CT2Engine
    from publisher.translate import Translator

    # the key a default translator stores under: the model and the decoding (beam 4)
    key = Translator(CT2Engine(load_model(str(FIXTURE_MODEL)))).model_key
    rows = [(ko, prepare_text(ko, gloss).glossary_key, english[ko]) for ko in segs.values()]
    with TranslationMemory.open_default() as mem:
        assert mem.put_many(key, rows) == len(rows), mem.error
    return segs


def publisher_exe() -> str:
    exe = Path(sys.executable).parent / "publisher"
    assert exe.exists(), f"{exe} missing: install the project into the virtualenv ('make test')"
    return str(exe)


@contextmanager
def running_desk(inbox: Path, out: Path, *extra: str, timeout: float = 120):
    """Run the real `publisher desk ... --port 0` and yield its URL (read from its output)."""
    cmd = [publisher_exe(), "desk", str(inbox), "-o", str(out), "--model", str(FIXTURE_MODEL), "--port", "0", *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    lines: list[str] = []
    found = threading.Event()

    def reader():
        for line in proc.stdout:
            lines.append(line)
            if "http://" in line:
                found.set()

    threading.Thread(target=reader, daemon=True).start()
    try:
        if not found.wait(timeout):
            proc.kill()
            raise AssertionError(f"the desk printed no URL in {timeout}s: {''.join(lines)} {proc.stderr.read()}")
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", "".join(lines))
        assert m, lines
        assert int(m.group(1)) > 0, "the desk printed port 0 instead of the real one"
        yield m.group(0)
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def http(url: str, data: dict | None = None, headers: dict | None = None, timeout: float = 120) -> tuple[int, str]:
    """(status, body) of a GET, or of a form POST when ``data`` is given."""
    from urllib.parse import urlencode

    body = urlencode(data).encode() if data is not None else None
    req = urllib.request.Request(url, data=body, headers=headers or {}, method="POST" if data is not None else "GET")
    if body is not None:
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def page_tokens(html: str) -> tuple[str, str]:
    """(CSRF token, corrections-file version) from a review page."""
    token = re.search(r'"X-CSRF-Token": "([^"]+)"', html).group(1)
    base = re.search(r'id="base" name="base" value="([^"]*)"', html).group(1)
    return token, base


def corrections_rows(path: Path) -> list[dict]:
    text = path.read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


@contextmanager
def seeded_desk(root: Path):
    """A running desk on a fresh inbox whose English is stored in the memory beforehand.

    The memory and packages folders are private to ``root`` for as long as the desk runs.
    Yields ``{"url", "inbox", "out", "ids"}``.
    """
    saved = {k: os.environ.get(k) for k in ("PUBLISHER_CACHE_DIR", "ARGOS_PACKAGES_DIR")}
    os.environ["PUBLISHER_CACHE_DIR"] = str(root / "state" / "cache")
    os.environ["ARGOS_PACKAGES_DIR"] = str(root / "state" / "packages")
    try:
        inbox = make_inbox(root)
        ids = seed_memory(inbox / "village-bus.md", STORED, inbox / "glossary.csv")
        seed_memory(inbox / "hostile.md", {HOSTILE_KO: HOSTILE_EN, "이상한 안내문": "A strange notice"}, inbox / "glossary.csv")
        seed_memory(inbox / "library.md", LIBRARY_STORED, inbox / "glossary.csv")
        out = root / "out"
        with running_desk(inbox, out) as url:
            yield {"url": url, "inbox": inbox, "out": out, "ids": ids}
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
