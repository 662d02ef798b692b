"""Benchmark of HTML and PDF rendering for the shared article, in a warm process.

Run from the repository root:

    .venv/bin/python tests/bench/bench_render.py [--repeat N]

The brief is the shared article (../shared/articles/openai-seoul-office.ko.txt) read and
segmented by the real stages (publisher.read when it exists, else the minimal reader in
tests/render_samples.py), with a clearly labelled placeholder English of realistic length
per segment: no translation model is needed and the layout work is the real one.

"Warm" means the first render of each kind (template compilation, font loading, WeasyPrint
imports) is timed separately and the figures are the median of the following runs, as in
a build that renders many briefs in one process. Goals: HTML <= 100 ms, PDF <= 1.5 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from render_samples import SHARED_ARTICLE, shared_brief  # noqa: E402

from publisher.render import render_html, render_pdf  # noqa: E402

GOALS = {"html": 0.100, "pdf": 1.5}


def timed(fn, *args, **kwargs) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - t0, result


def cpu_timed(fn, *args, **kwargs) -> tuple[float, float]:
    """(wall, CPU) seconds: CPU time does not grow when other processes share the cores."""
    c0, t0 = time.process_time(), time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - t0, time.process_time() - c0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="warm runs per measurement (default 5)")
    args = parser.parse_args()
    if not SHARED_ARTICLE.exists():
        sys.exit(f"the shared article is not available at {SHARED_ARTICLE} (it lives in ../shared beside the repository)")

    t_prep, (brief, how) = timed(shared_brief)
    segments = sum(1 for _ in brief.article.iter_segments())
    print(f"shared article: {segments} segments, {len(brief.summary)} summary sentences; reader: {how}")
    print(f"(read + segment + summarize, not part of the figures: {t_prep:.2f} s)")
    print("English: placeholders of realistic length, labelled '[EN placeholder <id>]'\n")

    rows = []
    failed = False
    for name, fn, kwargs in (
        ("html", render_html, {}),
        ("html (editor)", render_html, {"editor": True}),
        ("pdf", render_pdf, {"layout": "columns"}),
        ("pdf (interleaved)", render_pdf, {"layout": "interleaved"}),
    ):
        cold, out = timed(fn, brief, **kwargs)
        runs = [cpu_timed(fn, brief, **kwargs) for _ in range(args.repeat)]
        warm = [w for w, _ in runs]
        median = statistics.median(warm)
        cpu = statistics.median(c for _, c in runs)
        size = len(out.encode("utf-8")) if isinstance(out, str) else len(out)
        goal = GOALS.get(name)
        verdict = "" if goal is None else ("ok" if median <= goal else "OVER GOAL")
        failed |= verdict == "OVER GOAL"
        rows.append((name, cold, median, min(warm), cpu, size, goal, verdict))

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{'render':<18} {'first':>8} {'warm median':>12} {'warm min':>9} {'CPU median':>11} {'output':>12} {'goal':>8}")
    for name, cold, median, best, cpu, size, goal, verdict in rows:
        goal_text = f"{goal * 1000:.0f} ms" if goal is not None and goal < 1 else (f"{goal:.1f} s" if goal else "")
        print(f"{name:<18} {cold * 1000:>6.0f} ms {median * 1000:>9.0f} ms {best * 1000:>6.0f} ms {cpu * 1000:>8.0f} ms {size:>10,} B {goal_text:>8}  {verdict}")
    print(f"\n(load average {load:.1f} on {os.cpu_count()} cores while measuring; the goal is checked on the warm median wall time)")
    pdf_size = next(r[5] for r in rows if r[0] == "pdf")
    print(f"shared article PDF: {pdf_size:,} bytes (limit 1,000,000): {'ok' if pdf_size <= 1_000_000 else 'OVER LIMIT'}")
    return 1 if failed or pdf_size > 1_000_000 else 0


if __name__ == "__main__":
    sys.exit(main())
