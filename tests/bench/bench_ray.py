"""Ray vs local builds, and the site build at archive scale (issue 16).

Part 1: N generated articles (default 200: the samples with their numbers shifted) built
with a random-weight model of the real model's Transformer-base shape (int8, like the real
package; timing only, the English is noise), each run in its own process with an empty
cache:

  (a) local build, --threads 2
  (b) --ray local, 1 actor x 2 threads
  (c) --ray local, 2 actors x 1 thread
  (d) ray.cluster_utils.Cluster of two 1-CPU nodes, 2 actors x 1 thread

Prints wall time, seconds and articles/minute, the CPU time the whole machine spent during
the run (busy jiffies in /proc/stat: the build and all of Ray's processes; run it on an idle
machine), and the DRIVER's peak memory (the build process's own high-water mark, VmHWM;
Ray's workers are other processes). Goals: (b) within 1.15x of (a); driver peak under 1 GB.
The wall ratio is what an editor waits; the CPU ratio is Ray's overhead in work, which the
wall ratio hides when Ray overlaps rendering with translation and a local build does not.

Then the cost of Argos's beam 4 (the default decoding) against greedy: local builds of the
first --beam-articles articles (default 40) both ways, for the capacity plan.

Part 2: the site build (index pages, month pages, feed) for 10,000 and 100,000 synthetic
brief.json files: a first build, a second with nothing changed, and one after adding a
brief, each in its own process: wall time, peak memory, largest page.

Part 3: the driver's SQLite translation memory with a million segments: write and lookup
rates in the driver's batch sizes, bytes per segment.

Run: .venv/bin/python tests/bench/bench_ray.py [--articles N] [--beam-articles N] [--skip-ray] [--skip-site] [--skip-memory]
     [--site-sizes 10000,100000] [--memory-rows 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# Ray on 127.0.0.1 only (by default it binds the machine's routable address), with a token of
# this run instead of one written into ~/.ray/auth_token; the child processes inherit both.
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
os.environ.setdefault("RAY_AUTH_MODE", "token")
os.environ.setdefault("RAY_AUTH_TOKEN", os.urandom(16).hex())

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
SAMPLES = sorted(p for p in (REPO / "articles").iterdir() if p.suffix in (".txt", ".md"))
PEAK = "BENCH_PEAK_MB="


# ------------------------------------------------------------------ child processes


def child_build(argv: list[str]) -> None:
    """Run `publisher brief ARGV` in this process; with --cluster, on a 2-node Cluster first."""
    cluster = None
    if argv and argv[0] == "--cluster":
        argv = argv[1:]
        import ray
        from ray.cluster_utils import Cluster

        cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
        cluster.add_node(num_cpus=1)
        cluster.wait_for_nodes()
        ray.init(address=cluster.address, configure_logging=False, log_to_driver=False)
    from publisher.cli import cli

    code = 0
    try:
        cli.main(args=argv, prog_name="publisher", standalone_mode=False)
    except SystemExit as exc:
        code = exc.code or 0
    finally:
        print(f"{PEAK}{peak_mb():.0f}", file=sys.stderr, flush=True)
        if cluster is not None:
            import ray

            ray.shutdown()
            cluster.shutdown()
    sys.exit(code)


def child_site(out: str) -> None:
    from publisher.site import build_site

    t0 = time.perf_counter()
    report = build_site(Path(out))
    wall = time.perf_counter() - t0
    print(json.dumps({"wall": wall, "parsed": report.parsed, "written": len(report.pages_written), "briefs": report.briefs}))
    print(f"{PEAK}{peak_mb():.0f}", file=sys.stderr, flush=True)


def peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine_busy_seconds() -> float:
    """CPU time the whole machine has spent busy since boot (all processes, all cores)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def run_child(args: list[str], env: dict) -> tuple[float, float, str, str, float]:
    """(wall s, the child's peak MB, its stdout, its stderr, the machine's CPU s meanwhile)."""
    t0, c0 = time.perf_counter(), machine_busy_seconds()
    proc = subprocess.run([sys.executable, __file__, *args], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    cpu = machine_busy_seconds() - c0
    m = re.search(rf"{PEAK}(\d+)", proc.stderr)
    if proc.returncode != 0 or not m:
        raise SystemExit(f"run {args[:3]} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return wall, float(m[1]), proc.stdout, proc.stderr, cpu


# ------------------------------------------------------------------ part 1


def variant(text: str, i: int) -> str:
    if i == 0:
        return text
    head = ""
    if text.startswith("---"):
        end = text.index("\n---", 3) + 4
        head, text = text[:end], text[end:]
    return head + re.sub(r"\d+", lambda m: str(int(m.group()) + i), text)


def make_inbox(root: Path, n: int) -> Path:
    inbox = root / "inbox"
    inbox.mkdir()
    for i in range(n):
        src = SAMPLES[i % len(SAMPLES)]
        stem = src.name.split(".")[0]
        (inbox / f"{stem}-{i:03d}{''.join(src.suffixes)}").write_text(variant(src.read_text(encoding="utf-8"), i // len(SAMPLES) + 1), encoding="utf-8")
    return inbox


def random_package(root: Path) -> Path:
    """An Argos-shaped package folder around a random Transformer-base (labelled a test fixture)."""
    from _random_model import build_random_transformer, train_sentencepiece

    from publisher.building.article import read_segmented as prepare

    pkg = root / "random-base"
    pkg.mkdir()
    sentences = [seg.text for p in SAMPLES for _, seg in prepare(p).iter_segments()]
    sp = train_sentencepiece(sentences, root / "sp", vocab_size=800)
    shutil.copy(sp, pkg / "sentencepiece.model")
    build_random_transformer(pkg / "model", sp, quantization="int8")
    (pkg / "metadata.json").write_text(
        json.dumps({"package_name": "bench-random-transformer-base", "package_version": "0", "from_code": "ko", "to_code": "en",
                    "type": "translate", "argos_version": "1.11", "test_fixture": True}),
        encoding="utf-8",
    )
    return pkg


def bench_ray(root: Path, n: int, beam_articles: int = 40) -> None:
    t0 = time.perf_counter()
    pkg = random_package(root)
    size = sum(p.stat().st_size for p in pkg.rglob("*") if p.is_file()) / 1e6
    inbox = make_inbox(root, n)
    print(f"Part 1: {n} generated articles, random Transformer-base model (6+6 layers, d=512, vocab 32k, int8, "
          f"{size:.0f} MB; built in {time.perf_counter() - t0:.0f} s), greedy; each run a fresh process and cache")
    runs = [
        ("(a) local build, 2 threads", ["--threads", "2"]),
        ("(b) --ray local, 1 actor x 2 threads", ["--ray", "local", "--actors", "1", "--threads", "2"]),
        ("(c) --ray local, 2 actors x 1 thread", ["--ray", "local", "--actors", "2", "--threads", "1"]),
        ("(d) Cluster, two 1-CPU nodes, 2 x 1", ["--cluster", "--ray", "auto", "--actors", "2", "--threads", "1"]),
    ]
    print(f"{'run':<40}{'wall s':>9}{'s/article':>11}{'art/min':>9}{'CPU s':>8}{'driver MB':>11}{'built':>7}{'model-translated':>18}")
    walls, cpus = {}, {}
    for i, (name, flags) in enumerate(runs):
        env = dict(os.environ, PUBLISHER_CACHE_DIR=str(root / f"cache-{i}"), ARGOS_PACKAGES_DIR=str(root / f"pk-{i}"))
        lead = ["--cluster"] if flags[0] == "--cluster" else []
        flags = [f for f in flags if f != "--cluster"]
        # --fast: greedy, as the header says and as the figures in the README were measured
        # (the default became Argos's beam 4 with issue 15; the overhead ratio is what counts).
        args = ["--child-build", *lead, "brief", str(inbox), "-o", str(root / f"out-{i}"), "--model", str(pkg), "--fast", *flags]
        wall, peak, out, err, cpu = run_child(args, env)
        built = out.count("built ")
        m = re.search(r"translated by the model: (\d+)", out)
        walls[name[:3]], cpus[name[:3]] = wall, cpu
        print(f"{name:<40}{wall:>9.1f}{wall / n:>11.2f}{60 * n / wall:>9.1f}{cpu:>8.0f}{peak:>11.0f}{built:>7}{m[1] if m else '?':>18}", flush=True)
        for line in out.splitlines():
            if line.startswith("ray:"):
                print(f"    {line}", flush=True)
    for label, figures in (("wall", walls), ("CPU", cpus)):
        print(f"{label:>4}: (b) / (a) = {figures['(b)'] / figures['(a)']:.2f}{' (goal <= 1.15)' if label == 'wall' else ''}; "
              f"(c) / (a) = {figures['(c)'] / figures['(a)']:.2f}; (d) / (a) = {figures['(d)'] / figures['(a)']:.2f}")
    if beam_articles:
        bench_beam(root, pkg, inbox, min(beam_articles, n))


def bench_beam(root: Path, pkg: Path, inbox: Path, n: int) -> None:
    """Local builds of the first n articles, greedy and with the default beam 4: CPU per article."""
    subset = root / "inbox-beam"
    subset.mkdir()
    for p in sorted(inbox.iterdir())[:n]:
        shutil.copy(p, subset / p.name)
    print(f"Decoding cost, local build of the first {n} articles, 2 threads:")
    cpus = {}
    for label, flags in (("greedy (--fast)", ["--fast"]), ("beam 4 (the default)", [])):
        env = dict(os.environ, PUBLISHER_CACHE_DIR=str(root / f"cache-{label[:4]}"), ARGOS_PACKAGES_DIR=str(root / f"pk-{label[:4]}"))
        args = ["--child-build", "brief", str(subset), "-o", str(root / f"out-{label[:4]}"), "--model", str(pkg), "--threads", "2", *flags]
        wall, peak, out, _, cpu = run_child(args, env)
        m = re.search(r"translated by the model: (\d+)", out)
        cpus[label] = cpu
        print(f"    {label:<22} wall {wall:6.1f} s, CPU {cpu:6.0f} s = {cpu / n:5.2f} core-s/article, "
              f"{m[1] if m else '?'} segments to the model, peak {peak:.0f} MB", flush=True)
    print(f"    beam 4 / greedy, CPU: {cpus['beam 4 (the default)'] / cpus['greedy (--fast)']:.2f}")


# ------------------------------------------------------------------ part 2


def synthetic_site(out: Path, n: int) -> None:
    """n brief.json files: real documents (the sample brief's format), one or two segments each."""
    sys.path.insert(0, str(REPO / "tests"))
    from dataclasses import replace

    from render_samples import sample_brief

    from publisher.document import document

    base = sample_brief()
    template = json.dumps(document("brief", base), ensure_ascii=False)
    doc = json.loads(template)
    for i in range(n):
        year, month, day = 2016 + (i * 10 // n), 1 + (i % 12), 1 + (i % 28)
        slug = f"brief-{i:06d}"
        doc["data"]["article"]["slug"] = slug
        doc["data"]["article"]["date"] = f"{year}-{month:02d}-{day:02d}"
        doc["data"]["generated"] = f"{year}-{month:02d}-{day:02d}T08:{i % 60:02d}:00+00:00"
        folder = out / slug
        folder.mkdir(parents=True)
        (folder / "brief.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    del replace, base


def largest_page(out: Path) -> tuple[str, int]:
    best = ("", 0)
    for p in out.iterdir():
        if p.is_file() and p.suffix in (".html", ".xml"):
            size = p.stat().st_size
            if size > best[1]:
                best = (p.name, size)
    return best


def bench_site(root: Path, sizes: list[int]) -> None:
    print()
    print("Part 2: site build (index pages of 50, month pages, feed of 100) from synthetic brief.json files")
    print(f"{'briefs':>8}  {'build':<26}{'wall s':>8}{'us/brief':>10}{'peak MB':>9}{'read':>8}{'pages written':>15}  largest page")
    for n in sizes:
        out = root / f"site-{n}"
        out.mkdir()
        t0 = time.perf_counter()
        synthetic_site(out, n)
        gen = time.perf_counter() - t0
        env = dict(os.environ, PUBLISHER_CACHE_DIR=str(root / f"cache-site-{n}"))  # the card index goes there
        for label, change in (("first", None), ("nothing changed", None), ("one brief added", "add")):
            if change == "add":
                synthetic_one = out / "brief-new"
                shutil.copytree(out / "brief-000000", synthetic_one)
            wall, peak, stdout, _, _ = run_child(["--child-site", str(out)], env)
            info = json.loads(stdout.strip().splitlines()[-1])
            name, size = largest_page(out)
            print(f"{n:>8}  {label:<26}{info['wall']:>8.1f}{1e6 * info['wall'] / n:>10.0f}{peak:>9.0f}{info['parsed']:>8}"
                  f"{info['written']:>15}  {name} {size / 1024:.0f} KB", flush=True)
        print(f"          (generating the {n} files took {gen:.0f} s; {sum(1 for _ in out.glob('*.html'))} pages)")
        shutil.rmtree(out)


# ------------------------------------------------------------------ part 3


def bench_memory(root: Path, rows: int) -> None:
    """The driver's SQLite translation memory at archive scale: batched writes and lookups."""
    import random

    from publisher.memory import TranslationMemory

    print()
    print(f"Part 3: the translation memory (one SQLite file) filled with {rows:,} segments, in batches of 160 (~4 articles)")
    mem = TranslationMemory(root / "tm-bench" / "tm.sqlite")
    model_key = "translate-ko_en@1.1#" + "6d" * 32
    rng = random.Random(7)
    syllables = [chr(0xAC00 + rng.randrange(11172)) for _ in range(2000)]

    def sentence(i: int) -> str:
        words = " ".join("".join(rng.choice(syllables) for _ in range(3)) for _ in range(12))
        return f"{words} {i}다."

    english = "The city said on Monday that the new service would start next month in three districts."
    t0 = time.perf_counter()
    batch = 160
    for start in range(0, rows, batch):
        mem.put_many(model_key, [(sentence(i), "", english) for i in range(start, min(rows, start + batch))])
    write = time.perf_counter() - t0
    rng = random.Random(7)
    syllables = [chr(0xAC00 + rng.randrange(11172)) for _ in range(2000)]  # the same sentences again
    keys = [sentence(i) for i in range(min(rows, 20_000))]
    t0 = time.perf_counter()
    hits = 0
    for start in range(0, len(keys), batch):
        hits += len(mem.get_many(model_key, keys[start : start + batch]))
    read = time.perf_counter() - t0
    size = sum(p.stat().st_size for p in (root / "tm-bench").iterdir()) / 1e6
    mem.close()
    print(f"  writes: {rows / write:,.0f} segments/s ({write:.1f} s, one transaction per batch); "
          f"lookups: {len(keys) / read:,.0f} segments/s ({hits:,} of {len(keys):,} found); file {size:,.0f} MB "
          f"= {size * 1e6 / rows:.0f} bytes/segment; peak {peak_mb():.0f} MB")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child-build":
        child_build(sys.argv[2:])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--child-site":
        child_site(sys.argv[2])
        return
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--articles", type=int, default=200)
    ap.add_argument("--skip-ray", action="store_true")
    ap.add_argument("--beam-articles", type=int, default=40, help="articles for the beam-4 vs greedy rows (0: none)")
    ap.add_argument("--skip-site", action="store_true")
    ap.add_argument("--site-sizes", default="10000,100000")
    ap.add_argument("--skip-memory", action="store_true")
    ap.add_argument("--memory-rows", type=int, default=1_000_000)
    args = ap.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory(prefix="publisher-bench-ray-") as tmp:
        root = Path(tmp)
        if not args.skip_ray:
            bench_ray(root, args.articles, args.beam_articles)
        if not args.skip_site:
            bench_site(root, [int(s) for s in args.site_sizes.split(",") if s])
        if not args.skip_memory:
            bench_memory(root, args.memory_rows)
    print(f"load average at end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
