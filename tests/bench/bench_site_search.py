"""Benchmark: the site build (index pages, archives, feed, sitemap) of 10,000 synthetic briefs
with the Pagefind search index against without it: wall time, CPU, peak memory, index size.

Run from the repository root:

    .venv/bin/python tests/bench/bench_site_search.py [--briefs N]

The brief folders are synthesised, not translated: each holds a brief.json in the render
path's own document format (as tests/test_site.py's scaling tests make them) and a
brief.html rendered once from the real template and filled per brief with a different
draw of Korean/English sentence pairs (tests/fixture/corpus.tsv) and a unique number, so the
index sees 10,000 distinct pages of a real brief's size and shape.

Each configuration runs in a fresh process (peak memory is ru_maxrss: this process, and
Pagefind's, a child process, on its own line) on its own copy-free output folder and
cache: first build, then a second build with nothing changed, then one brief changed.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

CORPUS = REPO / "tests" / "fixture" / "corpus.tsv"
SEGMENTS = 16  # sentence pairs per synthetic brief (a short news article)


def pairs() -> list[tuple[str, str]]:
    rows = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#") and "\t" in line:
            ko, en = line.split("\t", 1)
            rows.append((ko.strip(), en.strip()))
    return rows


def skeleton() -> str:
    """A real brief page (the package's template) whose texts are markers to fill in."""
    from render_samples import sample_brief
    from publisher.document import Block, Segment
    from publisher.render import render_html

    base = sample_brief()
    blocks = [Block("t", "title", "KOTITLE", segments=(Segment(id="t.1", text="KOTITLE", en="ENTITLE", origin="machine"),))]
    for i in range(SEGMENTS):
        blocks.append(Block(f"p{i}", "body", f"KOSEG{i}X", segments=(Segment(id=f"p{i}.1", text=f"KOSEG{i}X", en=f"ENSEG{i}X", origin="machine"),)))
    art = replace(base.article, title="KOTITLE", blocks=tuple(blocks), notes=())
    return render_html(replace(base, article=art, summary=("p0.1", "p1.1")))


def synthesise(out: Path, n: int) -> None:
    from render_samples import sample_brief
    from publisher.document import document

    page = skeleton()
    rows = pairs()
    rng = random.Random(23)
    base = sample_brief()
    # One brief.json with markers, filled per brief (dumping 10,000 documents takes minutes).
    marked = replace(base, article=replace(base.article, slug="SLUGMARK", date="2099-01-01"), generated="2099-01-01T00:00:00+00:00")
    doc = json.dumps(document("brief", marked), ensure_ascii=False)
    assert doc.count("SLUGMARK") >= 1 and "2099-01-01" in doc
    for i in range(n):
        slug = f"b{i:05d}"
        month = f"20{20 + i % 6}-{1 + i % 12:02d}"
        day = 1 + i % 28
        folder = out / slug
        folder.mkdir(parents=True)
        (folder / "brief.json").write_text(
            doc.replace("SLUGMARK", slug).replace("2099-01-01T00:00:00+00:00", f"{month}-{day:02d}T0{i % 10}:00:00+00:00").replace("2099-01-01", f"{month}-{day:02d}"),
            encoding="utf-8",
        )
        text = page.replace("KOTITLE", f"기사 {i}번").replace("ENTITLE", f"Article number {i}")
        for j in range(SEGMENTS - 1, -1, -1):
            ko, en = rows[rng.randrange(len(rows))]
            text = text.replace(f"KOSEG{j}X", html.escape(ko)).replace(f"ENSEG{j}X", html.escape(f"{en} ({i}-{j})"))
        (folder / "brief.html").write_text(text, encoding="utf-8")


def size_of(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


def child(mode: str, out: Path) -> None:
    """One configuration in this (fresh) process: prints one JSON line."""
    from publisher.config import SiteConfig
    from publisher.theme import Theme
    from publisher.site import build_site

    site = SiteConfig(search=mode == "search", base_url="https://news.example.com/briefs/")

    def step(fn):
        """(report, wall s, CPU s of this process, CPU s of its children: Pagefind)."""
        me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        report = fn()
        wall = time.perf_counter() - t0
        me2, kids2 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = lambda a, b: (b.ru_utime + b.ru_stime) - (a.ru_utime + a.ru_stime)  # noqa: E731
        return report, wall, cpu(me, me2), cpu(kids, kids2)

    first = step(lambda: build_site(out, theme=Theme(site=site)))
    again = step(lambda: build_site(out, theme=Theme(site=site)))
    changed = out / "b00042" / "brief.html"
    changed.write_text(changed.read_text(encoding="utf-8").replace("Article number 42", "Article number forty-two"), encoding="utf-8")
    third = step(lambda: build_site(out, theme=Theme(site=site)))
    result = {"rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
              "child_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
              "index_bytes": size_of(out / "pagefind"),
              "search_first": first[0].search.seconds if first[0].search else None,
              "bundles": len(first[0].search.shards) if first[0].search else 0,
              "reindexed_one_changed": third[0].search.reindexed if third[0].search else 0,
              "warnings": first[0].warnings + again[0].warnings + third[0].warnings}
    for name, (_, wall, cpu, kids) in (("first", first), ("again", again), ("one_changed", third)):
        result[name], result[name + "_cpu"], result[name + "_child_cpu"] = wall, cpu, kids
    print(json.dumps(result))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--briefs", type=int, default=10_000)
    parser.add_argument("--child", choices=("search", "plain"), help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.out)
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-site-search-") as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        for mode in ("plain", "search"):
            synthesise(tmp / mode / "out", args.briefs)
        print(f"{args.briefs} synthetic briefs x2 written in {time.perf_counter() - t0:.1f} s "
              f"({size_of(tmp / 'plain' / 'out') / 2**20:.0f} MB each)\n")
        results = {}
        for mode in ("plain", "search"):
            env = dict(os.environ, PUBLISHER_CACHE_DIR=str(tmp / mode / "cache"))
            done = subprocess.run([sys.executable, __file__, "--child", mode, "--out", str(tmp / mode / "out")],
                                  env=env, capture_output=True, text=True, check=True)
            results[mode] = json.loads(done.stdout.strip().splitlines()[-1])
        plain, search = results["plain"], results["search"]
        print(f"{'':28}{'without search':>16}{'with search':>16}")
        for key, label, unit in (
            ("first", "first build, wall", "s"), ("first_cpu", "  CPU, publisher", "s"), ("first_child_cpu", "  CPU, Pagefind", "s"),
            ("again", "nothing changed, wall", "s"),
            ("one_changed", "one brief changed, wall", "s"), ("one_changed_cpu", "  CPU, publisher", "s"), ("one_changed_child_cpu", "  CPU, Pagefind", "s"),
            ("rss_mb", "peak memory, publisher", "MB"), ("child_rss_mb", "peak memory, Pagefind", "MB"),
        ):
            fmt = (lambda v: f"{v:.2f} {unit}") if unit == "s" else (lambda v: f"{v:.0f} {unit}")
            print(f"{label:28}{fmt(plain[key]):>16}{fmt(search[key]):>16}")
        print(f"{'search index (out/pagefind)':28}{'-':>16}{search['index_bytes'] / 2**20:>13.1f} MB")
        print(f"\nPagefind (wall): {search['search_first']:.2f} s for {args.briefs} pages in {search['bundles']} bundles; "
              f"after one brief changed it re-indexed {search['reindexed_one_changed']} pages (that brief's bundle). "
              "Load average now: " + " ".join(f"{x:.1f}" for x in os.getloadavg()))
        for w in plain["warnings"] + search["warnings"]:
            print(f"warning: {w}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
