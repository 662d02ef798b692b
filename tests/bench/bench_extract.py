"""Main text of the sample pages (tests/sites/): the local HTML reader, trafilatura alone, and
the fetcher (publisher.sources: the reader's boilerplate rules, then trafilatura).

For each page and each way: segments, how many are not in the hand-made gold (junk that got
through), how many gold segments are missing, the author found, and the time per page
(median of 20 runs, after one warm-up). Run: .venv/bin/python tests/bench/bench_extract.py
"""

from __future__ import annotations

import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from publisher.read import read_article  # noqa: E402
from publisher.segment import segment_article  # noqa: E402
from publisher.sources.pages import article_file_text, extract_article  # noqa: E402

SITES = REPO / "tests" / "sites"
BASE = "https://news.example.kr"
RELATED_INSIDE_GOLD = [  # tests/test_sources.py asserts the same body for the reader
    "제천 의림지, 겨울 썰매장 다시 연다",
    "충북 제천시는 의림지 얼음 썰매장을 3년 만에 다시 연다고 9일 밝혔다.",
    "썰매장은 얼음 두께가 20센티미터를 넘는 날에만 문을 열고, 안전 요원 열 명이 상주한다.",
    "얼어붙은 의림지에서 썰매를 타는 가족",
    "입장료는 없으며 썰매는 현장에서 빌릴 수 있다.",
]


def _segments(path: Path) -> tuple[list[str], str | None]:
    article = segment_article(read_article(path))
    return [s.text for b in article.blocks for s in b.segments], article.byline.author


def _timed(fn, runs: int = 20) -> float:
    fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _trafilatura_alone(html: str, url: str) -> str:
    import trafilatura

    return trafilatura.extract(html, url=url, include_comments=False, favor_precision=True) or ""


def main() -> None:
    pages = {
        "news/1001": json.loads((SITES / "gold" / "1001.json").read_text(encoding="utf-8"))["segments"],
        "news/1002": json.loads((SITES / "gold" / "1002.json").read_text(encoding="utf-8"))["segments"],
        "local/related-inside": RELATED_INSIDE_GOLD,
    }
    tmp = Path(tempfile.mkdtemp(prefix="bench-extract-"))
    print(f"{'page':22} {'way':18} {'segs':>4} {'junk':>4} {'missing':>7} {'author':10} {'ms/page':>8}")
    for name, gold in pages.items():
        html = (SITES / f"{name}.html").read_text(encoding="utf-8").replace("{base}", BASE)
        url = f"{BASE}/{name}.html"
        local = tmp / f"{name.replace('/', '-')}.html"
        local.write_text(html, encoding="utf-8")
        fetched = tmp / f"{name.replace('/', '-')}.ko.txt"

        def fetcher() -> None:
            fetched.write_text(article_file_text(extract_article(html, url=url)), encoding="utf-8")

        alone = tmp / f"{name.replace('/', '-')}.alone.txt"

        def traf() -> None:
            alone.write_text(_trafilatura_alone(html, url), encoding="utf-8")

        rows = [
            ("html reader", _timed(lambda: read_article(local)), local),
            ("trafilatura alone", _timed(traf), alone),
            ("fetcher", _timed(fetcher), fetched),
        ]
        for way, seconds, path in rows:
            segs, author = _segments(path)
            if way == "trafilatura alone":  # no title or front matter: compare the body only
                gold_here = [g for g in gold[1:] if not re.search(r"ⓒ|걷고 있다\.$|타는 가족$", g)]
            else:
                gold_here = gold
            junk = [s for s in segs if s not in gold]
            missing = [g for g in gold_here if g not in segs]
            print(f"{name:22} {way:18} {len(segs):4d} {len(junk):4d} {len(missing):7d} {str(author):10} {seconds * 1000:8.1f}")
            for s in junk:
                print(f"{'':41}junk: {s[:60]}")


if __name__ == "__main__":
    main()
