"""Benchmark: the render of one brief with a theme folder in the template lookup, against without.

Run from the repository root:

    .venv/bin/python tests/bench/bench_theme.py [--repeat N]

"Without" is the packaged templates alone (one FileSystemLoader); "with" is the lookup a
newsroom's build uses: a jinja2 ChoiceLoader over a theme folder (empty of templates, so the
pages are the same and only the lookup differs) and the package. A third line renders with
the broadsheet test theme (tests/themes/broadsheet: one overridden block, extra.css, a
logo), for information. Each figure is the render of one brief's files as a build makes
them (``render_brief_files``: brief.html, editor.html, the PDF's HTML and the PDF), in a
warm process, in CPU time, runs interleaved (A, B, A, B, ...) so that a busy machine
slows both alike.
The brief is the shared article when ../shared is there (placeholder English), else the
small sample brief of the tests. Goal: the theme lookup adds at most 5 % (median).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from render_samples import SHARED_ARTICLE, sample_brief, shared_brief  # noqa: E402

from publisher.config import SiteConfig  # noqa: E402
from publisher.render import render_brief_files, render_html  # noqa: E402
from publisher.theme import Theme  # noqa: E402

GOAL = 0.05


def timed(fn) -> float:
    """CPU seconds of this process: unlike wall time, it does not grow when other processes
    share the cores (the render is single-threaded and in-process)."""
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per variant (default 5)")
    args = parser.parse_args()
    if SHARED_ARTICLE.exists():
        brief, _ = shared_brief()
        what = f"shared article ({sum(1 for _ in brief.article.iter_segments())} segments, placeholder English)"
    else:
        brief, what = sample_brief(), "the tests' sample brief (../shared is not here)"
    print(f"brief: {what}; {args.repeat} warm runs per variant, interleaved\n")

    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "templates"
        (empty / "static").mkdir(parents=True)
        variants = {
            "packaged templates only": None,
            "ChoiceLoader over a theme folder": Theme(empty),
            "broadsheet test theme (info)": Theme(REPO / "tests" / "themes" / "broadsheet", SiteConfig(name="The Harbour Herald", accent="#1d4e89")),
        }
        assert render_html(brief, theme=variants["ChoiceLoader over a theme folder"]) == render_html(brief)
        for name, theme in variants.items():  # warm: templates compiled, fonts loaded, WeasyPrint imported
            render_brief_files(brief, "columns", theme)
        html = {name: [] for name in variants}
        full = {name: [] for name in variants}
        for _ in range(args.repeat):
            for name, theme in variants.items():
                html[name].append(timed(lambda: (render_html(brief, theme=theme), render_html(brief, editor=True, theme=theme))))
                full[name].append(timed(lambda: render_brief_files(brief, "columns", theme)))

    def line(label: str, runs: list[float], base: list[float] | None) -> str:
        extra = ""
        if base is not None:
            extra = f"  {100 * (statistics.median(runs) / statistics.median(base) - 1):+5.1f} % (median)"
        return f"  {label:36s} min {1000 * min(runs):8.1f} ms  median {1000 * statistics.median(runs):8.1f} ms CPU{extra}"

    base_name = "packaged templates only"
    ok = True
    for title, table in (("the two HTML pages (brief.html, editor.html)", html), ("one brief's files (2 pages + PDF)", full)):
        print(title)
        for name, runs in table.items():
            print(line(name, runs, None if name == base_name else table[base_name]))
        print()
    added = statistics.median(full["ChoiceLoader over a theme folder"]) / statistics.median(full[base_name]) - 1
    ok = added <= GOAL
    print(f"goal: the theme lookup adds at most {GOAL:.0%} to the render of one brief: {added:+.1%} -> {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
