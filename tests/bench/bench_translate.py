"""Benchmark: publisher's batched beam search against Argos Translate's call pattern.

Builds, in a temporary directory (never committed), a CTranslate2 model with the shape
of a Transformer-base translation model (6+6 layers, d=512, FFN 2048, 8 heads, 32k
shared vocabulary, random weights) and a real SentencePiece model trained on the
article's own sentences (its pieces are the first ids of the 32k vocabulary; the rest
are filler pieces, so the embedding and projection matrices have full size). Then times
the shared article's segments four ways, with the same decoding (beam 4, length penalty
0.2, unknowns replaced) and the same per-segment output-length bound:

  (a) ours: Translator.translate_articles (memory disabled): protection, glossary,
      tokenisation, translate_batch per length bucket, detokenisation, checks
  (b) Argos's call pattern, replicated with CTranslate2 directly: one paragraph at a
      time, its sentences in translate_batch with max_batch_size=32 tokens (Argos 1.11's
      apply_packaged_translation with its default settings); each sentence keeps its
      bound, so the paragraph's sentences are grouped by bound as in (a)
  (c) bare translate_batch: all segments at once, pre-tokenised, nothing around it, one
      call per bound (the only way CTranslate2 bounds each segment under beam search)
  (d) ours --fast: greedy, one call, each segment stopped at its bound by a callback

and, to choose how bounds are bucketed, (c) with one call at the largest bound and (a)
with other bucket steps.

Random weights rarely emit </s>, so every segment decodes up to its bound: the length
bound, not the model, decides the amount of work, identically in all methods.

Run from the repository root:  .venv/bin/python tests/bench/bench_translate.py
Options: --threads N, --repeat N, --quick (2+2 layers, for a smoke test).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _random_model import build_random_transformer, train_sentencepiece  # noqa: E402

from publisher.decoding import (  # noqa: E402
    ARGOS_BATCH_SIZE,
    TranslateSettings,
    argos_call_kwargs,
    plan_calls,
    segment_bounds,
)
from publisher.document import Article, Block, ModelInfo, Segment  # noqa: E402
from publisher.engine import CT2Engine  # noqa: E402
from publisher.models import LoadedModel  # noqa: E402
from publisher.translate import Translator, prepare  # noqa: E402

SHARED_ARTICLE = REPO.parent / "shared" / "articles" / "openai-seoul-office.ko.txt"


def load_article() -> tuple[Article, str]:
    """The shared article, segmented by the project's stages when they exist."""
    try:
        from publisher.read import read_article
        from publisher.segment import segment_article

        return segment_article(read_article(SHARED_ARTICLE)), "publisher.read + publisher.segment"
    except ImportError:
        pass
    text = SHARED_ARTICLE.read_text(encoding="utf-8")
    try:
        from publisher.segment import split_sentences

        sentences = [s for line in text.splitlines() if line.strip() for s in split_sentences(line)]
        how = "publisher.segment.split_sentences per line"
    except ImportError:
        sentences = [s for s in re.split(r"(?<=[.?!])\s*|\n+", text) if s and s.strip()]
        how = "regex sentence split"
    segs = tuple(Segment(f"p1.{i + 1}", s) for i, s in enumerate(sentences))
    return Article(slug="bench", source=str(SHARED_ARTICLE), blocks=(Block("p1", "body", text, segs),)), how


def med(values: list[float]) -> float:
    return statistics.median(values)


def timed(fn) -> tuple[float, float, object]:
    """Wall-clock and process CPU seconds of one call (CPU time is less disturbed by
    other processes competing for the same cores)."""
    w0, c0 = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - w0, time.process_time() - c0, result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=None, help="intra_threads (default: TranslateSettings default)")
    ap.add_argument("--repeat", type=int, default=3, help="interleaved runs of every method; the median counts")
    ap.add_argument("--quick", action="store_true", help="2+2 layers, d=256: a smoke test, not the benchmark")
    ap.add_argument("--with-c1", action="store_true", help="also time one bare call bounded by the largest bound (slow)")
    ap.add_argument("--no-shapes", action="store_true", help="skip the other models' shapes (one run each of (a) and (d))")
    args = ap.parse_args(argv)

    if not SHARED_ARTICLE.exists():
        print(f"skipped: the shared article is not at {SHARED_ARTICLE}")
        return 0
    load0 = f"{os.getloadavg()[0]:.2f}"
    article, how = load_article()
    segments = [s.text for _, s in article.iter_segments()]

    changes = {"intra_threads": args.threads} if args.threads is not None else {}
    settings = TranslateSettings(**changes)  # Argos's decoding: beam 4, length penalty 0.2
    fast = TranslateSettings(**changes, beam_size=1)  # --fast

    with tempfile.TemporaryDirectory(prefix="bench-translate-") as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        sp_path = train_sentencepiece(segments, tmp / "sp", vocab_size=800)
        shape = dict(layers=2, d_model=256, ffn=1024, heads=4) if args.quick else {}
        model_dir = build_random_transformer(tmp / "model", sp_path, **shape)
        build_s = time.perf_counter() - t0
        size_mb = sum(p.stat().st_size for p in model_dir.iterdir()) / 1e6

        info = ModelInfo("bench-random-transformer-base", "0", "0" * 64, test_fixture=True)
        model = LoadedModel(info=info, model_dir=model_dir, sp_model=sp_path, package_dir=model_dir)
        engine = CT2Engine(model, settings)
        ct2 = engine._translator()
        sp = engine._sentencepiece()

        # The exact model inputs (a) sends: prepared, de-duplicated.
        inputs = sorted({prepare(s).model_input for s in segments if prepare(s).needs_model}, key=len)
        tokens = sp.encode(inputs, out_type=str)
        n_src = sum(map(len, tokens))
        bounds = segment_bounds(settings, tokens)
        bound_of = {tuple(t): b for t, b in zip(tokens, bounds)}
        # Argos's paragraphs: each block's segments, in order (what Argos gets line by line)
        paragraphs = []
        for block in article.blocks:
            toks = [sp.encode(prepare(s.text).model_input, out_type=str) for s in block.segments
                    if s.text and prepare(s.text).needs_model]
            if toks:
                paragraphs.append(toks)

        ct2.translate_batch(tokens[:2], **plan_calls(settings, tokens[:2])[0][1])  # warm-up

        outside: list[float] = []  # (a)'s time outside its translate_batch calls
        calls: dict[str, int] = {}

        def ours(s: TranslateSettings, name: str):
            def run():
                fresh_engine = CT2Engine(model, s)
                fresh_engine._ct2, fresh_engine._sp = ct2, sp  # loading the model is not what we time
                fresh = Translator(fresh_engine)
                t0 = time.perf_counter()
                out = fresh.translate_articles([article])
                if name == "a":
                    outside.append(time.perf_counter() - t0 - fresh.stats.model_seconds)
                calls[name] = fresh.stats.decode_calls
                assert len(out[0].blocks) == len(article.blocks)
                return fresh.stats.output_tokens
            return run

        def run_b():
            n_out = n_calls = 0
            for para in paragraphs:
                groups: dict[int, list[list[str]]] = {}
                for t in para:
                    groups.setdefault(bound_of[tuple(t)], []).append(t)
                for bound, batch in sorted(groups.items()):
                    kw = argos_call_kwargs()
                    kw["max_decoding_length"] = bound
                    res = ct2.translate_batch(batch, **kw)
                    n_out += sum(len(r.hypotheses[0]) for r in res)
                    n_calls += 1
            calls["b"] = n_calls
            return n_out

        def run_c():
            n_out = 0
            plan = plan_calls(settings, tokens)
            for idx, kw in plan:
                res = ct2.translate_batch([tokens[i] for i in idx], **kw)
                n_out += sum(len(r.hypotheses[0]) for r in res)
            calls["c"] = len(plan)
            return n_out

        def run_c1():
            kw = plan_calls(settings, tokens)[0][1]
            kw["max_decoding_length"] = max(bounds)
            res = ct2.translate_batch(tokens, **kw)
            calls["c1"] = 1
            return sum(len(r.hypotheses[0]) for r in res)

        methods = {"a": ours(settings, "a"), "b": run_b, "c": run_c, "d": ours(fast, "d")}
        extras = {f"a{g}": ours(dataclasses.replace(settings, bucket_growth=g), f"a{g}") for g in (1.0, 1.25, 2.0)}
        if args.with_c1:
            extras["c1"] = run_c1
        wall: dict[str, list[float]] = {k: [] for k in [*methods, *extras]}
        cpu: dict[str, list[float]] = {k: [] for k in [*methods, *extras]}
        n_out: dict[str, int] = {}
        # Interleave the four methods in each round so that machine noise hits all alike;
        # compare medians, which one lucky or unlucky run on the shared cores cannot move.
        for _ in range(args.repeat):
            for name, fn in methods.items():
                w, c, n = timed(fn)
                wall[name].append(w)
                cpu[name].append(c)
                n_out[name] = n
        for name, fn in extras.items():  # the bucket-step choice: one run each
            w, c, n = timed(fn)
            wall[name].append(w)
            cpu[name].append(c)
            n_out[name] = n
        del engine._ct2

    print(f"article: {SHARED_ARTICLE.name}, {len(segments)} segments ({how}) in {len(paragraphs)} paragraphs, "
          f"{len(inputs)} distinct model inputs, {n_src} source tokens")
    shape_text = "QUICK smoke-test shape 2+2 layers d=256 ffn=1024 heads=4" if args.quick else (
        "Transformer-base shape 6+6 layers d=512 ffn=2048 heads=8")
    print(f"model: random weights, {shape_text}, vocab=32000, {size_mb:.0f} MB float32 (int8 at run time), built in {build_s:.1f} s")
    print(f"settings: {settings.decoding_name}, length_penalty={settings.length_penalty}, compute_type={engine.compute_type}, "
          f"intra_threads={settings.intra_threads}, batch_tokens={settings.batch_tokens}, "
          f"bound={settings.length_ratio}*src+{settings.length_extra} rounded up in steps of x{settings.bucket_growth} "
          f"(sum of bounds {sum(bounds)} tokens, {len(set(bounds))} distinct)")
    print(f"runs: (a)-(d) {args.repeat} interleaved rounds, medians; the bucket-step rows one run each")
    print()
    print(f"| {'method':<62} | {'calls':>5} | {'wall s':>6} | {'cpu s':>6} | {'out tokens':>10} | {'tokens/s':>8} |")
    print(f"|{'-' * 64}|{'-' * 7}|{'-' * 8}|{'-' * 8}|{'-' * 12}|{'-' * 10}|")
    labels = [
        ("a", "(a) ours, beam 4 (Translator.translate_articles)"),
        ("b", f"(b) Argos's call pattern: per paragraph, batch {ARGOS_BATCH_SIZE} tokens, beam 4"),
        ("c", "(c) bare translate_batch, all segments, beam 4, same bounds"),
        ("d", "(d) ours --fast (greedy)"),
        ("c1", "(c1) bare, one call bounded by the largest bound"),
        ("a1.0", "(a) with exact bounds (bucket step x1.0)"),
        ("a1.25", "(a) with bucket step x1.25"),
        ("a2.0", "(a) with bucket step x2.0"),
    ]
    for key, label in labels:
        if not wall[key] if key in wall else True:
            continue
        w, c = med(wall[key]), med(cpu[key])
        print(f"| {label:<62} | {calls.get(key, 0):>5} | {w:>6.2f} | {c:>6.2f} | {n_out[key]:>10} | {n_out[key] / w:>8.0f} |")
    print()
    a, b, c = med(wall["a"]), med(wall["b"]), med(wall["c"])
    print(f"(b)/(a) = {b / a:.2f}   goal >= 3     {'OK' if b / a >= 3 else 'MISSED'}   (cpu time: {med(cpu['b']) / med(cpu['a']):.2f})")
    print(f"(a)/(c) = {a / c:.3f}  goal <= 1.15  {'OK' if a / c <= 1.15 else 'MISSED'}   (cpu time: {med(cpu['a']) / med(cpu['c']):.3f}; "
          f"fastest runs: {min(wall['a']) / min(wall['c']):.3f})")
    print(f"(a)/(d) = {a / med(wall['d']):.2f}  (beam 4 against greedy)")
    print(f"(a) outside its translate_batch calls (prepare, glossary, tokenise, detokenise, restore, checks): "
          f"{med(outside) * 1000:.0f} ms = {med(outside) / a * 100:.1f}% of (a)")
    for key in ("a", "b", "c", "d"):
        print(f"wall runs {key}: {', '.join(f'{x:.2f}' for x in wall[key])}")
    print(f"load average before/after: {load0} / {os.getloadavg()[0]:.2f} (2 cores: other processes skew wall time)")
    if not args.quick and not args.no_shapes:
        other_shapes(article, segments, settings, fast)
    return 0


# The shapes of the other model families publisher runs (compute and vocabulary size are
# what decide speed; weights are random, as above).
SHAPES = [
    ("OPUS-MT Marian (opus-mt-ko-en)", dict(layers=6, d_model=512, ffn=2048, heads=8, vocab_size=65000)),
    ("M2M-100 418M", dict(layers=12, d_model=1024, ffn=4096, heads=16, vocab_size=128112)),
    ("NLLB-200 distilled 600M", dict(layers=12, d_model=1024, ffn=4096, heads=16, vocab_size=256206)),
]


def other_shapes(article, segments, settings, fast) -> None:
    print()
    print("other model shapes, same article, one run each (random weights; int8 size on disk):")
    print(f"| {'shape':<44} | {'int8 MB':>7} | {'beam 4 s':>8} | {'--fast s':>8} |")
    print(f"|{'-' * 46}|{'-' * 9}|{'-' * 10}|{'-' * 10}|")
    for name, shape in SHAPES:
        with tempfile.TemporaryDirectory(prefix="bench-shape-") as tmp:
            tmp = Path(tmp)
            sp_path = train_sentencepiece(segments, tmp / "sp", vocab_size=800)
            model_dir = build_random_transformer(tmp / "model", sp_path, quantization="int8", **shape)
            size_mb = sum(p.stat().st_size for p in model_dir.iterdir()) / 1e6
            info = ModelInfo(f"bench-{name}", "0", "0" * 64, test_fixture=True)
            model = LoadedModel(info=info, model_dir=model_dir, sp_model=sp_path, package_dir=model_dir)
            times = []
            for s in (settings, fast):
                engine = CT2Engine(model, s)
                engine._translator()
                t = Translator(engine)
                t0 = time.perf_counter()
                t.translate_articles([article])
                times.append(time.perf_counter() - t0)
                del t, engine
        print(f"| {name:<44} | {size_mb:>7.0f} | {times[0]:>8.1f} | {times[1]:>8.1f} |", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
