"""Incremental and batch builds (issue 7), with the test fixture model.

Prints:
  1. the first build of the sample articles, a second build with nothing changed (goal:
     at most 10% of the first) and a build after changing one sentence of one article
     (goal: exactly one segment translated);
  2. batches of 10 and 100 articles generated from the samples (numbers shifted so that
     most sentences are new to the translation memory): total time, time per article and
     peak memory of the build process (goals: per-article time at 100 within 20% of that
     at 10; peak memory under 1.5 GB);
  3. the editors' corrections bookkeeping (issue 12) on 100 articles with 20 corrections
     each: the time an unchanged rebuild spends bringing the memory's corrections in line
     with the files and checking which briefs other files' corrections touch (goal: at most
     50 ms), next to the whole unchanged rebuild.

Each build is a separate `publisher brief` process with its own empty cache, as an editor
would run it. Run: .venv/bin/python tests/bench/bench_build.py [--quick]
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixture" / "ko_en_test.argosmodel"
PUBLISHER = Path(sys.executable).with_name("publisher")
SAMPLES = sorted(p for p in (REPO / "articles").iterdir() if p.suffix in (".txt", ".md"))


def run_build(inbox: Path, out: Path, env: dict) -> tuple[float, float, dict]:
    """(wall seconds, peak RSS in MB of the build process, parsed summary line)."""
    cmd = [str(PUBLISHER), "brief", str(inbox), "-o", str(out), "--model", str(FIXTURE)]
    with tempfile.TemporaryFile("w+") as fout, tempfile.TemporaryFile("w+") as ferr:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=fout, stderr=ferr, text=True)
        _, status, usage = os.wait4(proc.pid, 0)  # wait4: the child's own peak RSS
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        fout.seek(0)
        ferr.seek(0)
        stdout, stderr = fout.read(), ferr.read()
    if proc.returncode != 0:
        raise SystemExit(f"build failed: {stderr}")
    m = re.search(r"(\d+) segments?: (\d+) translated by the model, (\d+) from the translation memory", stdout)
    stats = {"segments": 0, "translated": 0, "memory": 0}
    if m:
        stats = {"segments": int(m[1]), "translated": int(m[2]), "memory": int(m[3])}
    stats["built"] = stdout.count("built ")
    stats["skipped"] = "unchanged, not rebuilt" in stdout
    return wall, usage.ru_maxrss / 1024, stats


def fresh_env(root: Path) -> dict:
    env = dict(os.environ)
    env["PUBLISHER_CACHE_DIR"] = str(root / "cache")
    env["ARGOS_PACKAGES_DIR"] = str(root / "packages")
    return env


def variant(text: str, i: int) -> str:
    """The sample with every number shifted by i: mostly new sentences for the model."""
    if i == 0:
        return text
    head = ""
    if text.startswith("---"):  # leave YAML front matter (dates) alone
        end = text.index("\n---", 3) + 4
        head, text = text[:end], text[end:]
    return head + re.sub(r"\d+", lambda m: str(int(m.group()) + i), text)


def make_inbox(root: Path, n: int) -> Path:
    inbox = root / f"inbox-{n}"
    inbox.mkdir()
    for i in range(n):
        src = SAMPLES[i % len(SAMPLES)]
        stem = src.name.split(".")[0]
        (inbox / f"{stem}-{i:03d}{''.join(src.suffixes)}").write_text(variant(src.read_text(encoding="utf-8"), i // len(SAMPLES)), encoding="utf-8")
    return inbox


def incremental(root: Path) -> None:
    inbox = root / "inbox"
    inbox.mkdir()
    for p in SAMPLES:
        shutil.copy(p, inbox / p.name)
    out = root / "out"
    env = fresh_env(root)
    first, _, s1 = run_build(inbox, out, env)
    second, _, s2 = run_build(inbox, out, env)
    target = inbox / "seoul-robot-buses.ko.txt"
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace("네 개로 늘립니다.", "다섯 개로 늘립니다.", 1), encoding="utf-8")
    third, _, s3 = run_build(inbox, out, env)
    print("Incremental builds of the sample articles (one process each, test fixture model)")
    print(f"{'build':<34}{'seconds':>9}{'built':>7}{'segments':>10}{'model-translated':>18}")
    print(f"{'first':<34}{first:>9.2f}{s1['built']:>7}{s1['segments']:>10}{s1['translated']:>18}")
    print(f"{'second, nothing changed':<34}{second:>9.2f}{s2['built']:>7}{s2['segments']:>10}{s2['translated']:>18}")
    print(f"{'after changing one sentence':<34}{third:>9.2f}{s3['built']:>7}{s3['segments']:>10}{s3['translated']:>18}")
    print(f"second / first = {second / first:.1%} (goal <= 10%); segments translated after one change: {s3['translated']} (goal: exactly 1)")


def batch(root: Path, sizes: list[int]) -> None:
    print()
    print("Batch builds of generated articles (fresh cache each)")
    print(f"{'articles':>9}{'total s':>10}{'s/article':>11}{'peak MB':>9}{'segments':>10}")
    per = {}
    for n in sizes:
        inbox = make_inbox(root, n)
        env = fresh_env(root / f"state-{n}")
        wall, peak, stats = run_build(inbox, root / f"out-{n}", env)
        per[n] = wall / n
        print(f"{n:>9}{wall:>10.1f}{wall / n:>11.2f}{peak:>9.0f}{stats['segments']:>10}")
    if len(sizes) == 2:
        a, b = sizes
        print(
            f"time per article at {b} / at {a} = {per[b] / per[a]:.2f} "
            "(goal <= 1.20: no slow-down as the batch grows; below 1 means the fixed start-up is spread thinner)"
        )


def corrections_bookkeeping(root: Path, n: int, per_article: int = 20) -> None:
    """Rebuild an unchanged inbox of n articles with per_article corrections each, in process,
    timing the corrections bookkeeping (sync with the files + digests of carried corrections)."""
    import csv
    import io
    import statistics

    os.environ.update(fresh_env(root / "state-corrections"))
    from publisher import corrections
    from publisher.memory import TranslationMemory
    from publisher.building import BuildSettings, build, corrections_path, expand_articles, freshness, run
    from publisher.building.article import read_segmented

    (root / "corr").mkdir()
    inbox = make_inbox(root / "corr", n)
    rows_total = 0
    for path in expand_articles([inbox]):
        article = read_segmented(path)
        texts = [seg.text for _, seg in article.iter_segments() if seg.text.strip()][:per_article]
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(corrections.COLUMNS)
        for i, ko in enumerate(texts):
            w.writerow([f"s{i}", ko, "", f"Edited sentence {i} of {path.stem}."])
        rows_total += len(texts)
        corrections_path(path).write_text("\ufeff" + buf.getvalue(), encoding="utf-8")
    out = root / "out-corr"
    settings = BuildSettings(out_dir=out, model=str(FIXTURE))
    t0 = time.perf_counter()
    first = build([inbox], settings)
    first_s = time.perf_counter() - t0
    assert first.ok and len(first.built) == n, first.failed

    spent = {"sync": 0.0, "carried": 0.0, "lookup": 0.0}
    real_sync, real_carried, real_lookup = run.sync_corrections, freshness.carried_digest, TranslationMemory.editor_corrections

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - t

        return wrapper

    run.sync_corrections = timed("sync", real_sync)
    freshness.carried_digest = timed("carried", real_carried)
    TranslationMemory.editor_corrections = timed("lookup", real_lookup)
    walls, books, parts = [], [], []
    try:
        for _ in range(5):
            spent.update(sync=0.0, carried=0.0, lookup=0.0)
            t0 = time.perf_counter()
            again = build([inbox], settings)
            walls.append(time.perf_counter() - t0)
            books.append(sum(spent.values()))
            parts.append(dict(spent))
            assert again.ok and len(again.skipped) == n and not again.built
    finally:
        run.sync_corrections, freshness.carried_digest, TranslationMemory.editor_corrections = real_sync, real_carried, real_lookup
    wall, book = statistics.median(walls), statistics.median(books)
    print()
    print(f"Corrections bookkeeping: {n} articles, {rows_total} corrections ({per_article} per article), in process")
    print(f"first build {first_s:.1f} s; unchanged rebuild (median of 5) {wall * 1000:.0f} ms, "
          f"of which corrections bookkeeping {book * 1000:.1f} ms (goal <= 50 ms)")
    print("  bookkeeping parts (ms, each rebuild): " + "; ".join(", ".join(f"{k} {v * 1000:.1f}" for k, v in p.items()) for p in parts))


def main() -> None:
    quick = "--quick" in sys.argv
    with tempfile.TemporaryDirectory(prefix="publisher-bench-") as tmp:
        root = Path(tmp)
        incremental(root)
        batch(root, [4, 12] if quick else [10, 100])
        corrections_bookkeeping(root, 12 if quick else 100)
    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
