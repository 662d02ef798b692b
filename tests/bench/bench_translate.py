"""Benchmark: batched translation vs one call per segment vs a bare CTranslate2 call.

Builds, in a temporary directory (never committed), a CTranslate2 model with the shape
of a Transformer-base translation model (6+6 layers, d=512, FFN 2048, 8 heads, 32k
shared vocabulary, random weights) and a real SentencePiece model trained on the
article's own sentences (its pieces are the first ids of the 32k vocabulary; the rest
are filler pieces, so the embedding and projection matrices have full size). Then times
the shared article's segments three ways with the same settings and the same
per-segment output-length bound:

  (a) the project's Translator.translate_articles (memory disabled): protection,
      glossary, tokenisation, one translate_batch, detokenisation, checks
  (b) one translate_batch call per segment (pre-tokenised)
  (c) one bare translate_batch over all segments (pre-tokenised, nothing around it)

Random weights rarely emit </s>, so every segment decodes up to its bound: the length
bound, not the model, decides the amount of work, identically in all three.

Run from the repository root:  .venv/bin/python tests/bench/bench_translate.py
Options: --beam N, --threads N, --repeat N, --quick (2+2 layers, for a smoke test).
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
from types import SimpleNamespace

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _random_model import build_random_transformer, train_sentencepiece  # noqa: E402

from publisher.article import Article, Block, ModelInfo, Segment  # noqa: E402
from publisher.translate import TranslateSettings, Translator, decode_kwargs, prepare  # noqa: E402

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
    ap.add_argument("--beam", type=int, default=None, help="beam size (default: TranslateSettings default)")
    ap.add_argument("--threads", type=int, default=None, help="intra_threads (default: TranslateSettings default)")
    ap.add_argument("--batch-tokens", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=5, help="runs of (a) and (c), interleaved; the median counts")
    ap.add_argument("--quick", action="store_true", help="2+2 layers, d=256: a smoke test, not the benchmark")
    args = ap.parse_args(argv)

    if not SHARED_ARTICLE.exists():
        print(f"skipped: the shared article is not at {SHARED_ARTICLE}")
        return 0
    load0 = f"{os.getloadavg()[0]:.2f}"
    article, how = load_article()
    segments = [s.text for _, s in article.iter_segments()]

    settings = TranslateSettings()
    changes = {}
    if args.beam is not None:
        changes["beam_size"] = args.beam
    if args.threads is not None:
        changes["intra_threads"] = args.threads
    if args.batch_tokens is not None:
        changes["max_batch_tokens"] = args.batch_tokens
    settings = dataclasses.replace(settings, **changes)

    with tempfile.TemporaryDirectory(prefix="bench-translate-") as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        sp_path = train_sentencepiece(segments, tmp / "sp", vocab_size=800)
        shape = dict(layers=2, d_model=256, ffn=1024, heads=4) if args.quick else {}
        model_dir = build_random_transformer(tmp / "model", sp_path, **shape)
        build_s = time.perf_counter() - t0
        size_mb = sum(p.stat().st_size for p in model_dir.iterdir()) / 1e6

        info = ModelInfo("bench-random-transformer-base", "0", "0" * 64, test_fixture=True)
        model = SimpleNamespace(info=info, model_dir=model_dir, sp_model=sp_path)
        translator = Translator(model, settings=settings, memory=None, glossary=None)
        ct2 = translator._translator()
        sp = translator._sentencepiece()

        # The exact model inputs (a) sends: prepared, de-duplicated, sorted by length.
        inputs = sorted({prepare(s).model_input for s in segments if prepare(s).needs_model}, key=len)
        tokens = sp.encode(inputs, out_type=str)
        n_src = sum(map(len, tokens))
        bounds = [settings.bound(len(t)) for t in tokens]

        ct2.translate_batch(tokens[:2], **decode_kwargs(settings, tokens[:2]))  # warm-up

        outside: list[float] = []  # (a)'s time outside its translate_batch call

        def run_a():
            fresh = Translator(model, settings=settings, memory=None, glossary=None)
            fresh._ct2, fresh._sp = ct2, sp  # loading the model is not what we time
            t0 = time.perf_counter()
            out = fresh.translate_articles([article])
            outside.append(time.perf_counter() - t0 - fresh.stats["model_seconds"])
            assert fresh.stats["model_calls"] == 1
            return out

        def run_b():
            return [ct2.translate_batch([t], **decode_kwargs(settings, [t]))[0] for t in tokens]

        def run_c():
            return ct2.translate_batch(tokens, **decode_kwargs(settings, tokens))

        # Interleave (a) and (c) so that machine noise hits both alike; compare medians, which
        # one lucky or unlucky run on the shared cores cannot move.
        wa, ca, wc, cc = [], [], [], []
        res_c = None
        for _ in range(args.repeat):
            w, c, _ = timed(run_a)
            wa.append(w)
            ca.append(c)
            w, c, res_c = timed(run_c)
            wc.append(w)
            cc.append(c)
        wb, cb, res_b = timed(run_b)
        n_out_c = sum(len(r.hypotheses[0]) for r in res_c)
        n_out_b = sum(len(r.hypotheses[0]) for r in res_b)

    print(f"article: {SHARED_ARTICLE.name}, {len(segments)} segments ({how}), "
          f"{len(inputs)} distinct model inputs, {n_src} source tokens")
    shape_text = "QUICK smoke-test shape 2+2 layers d=256 ffn=1024 heads=4" if args.quick else (
        "Transformer-base shape 6+6 layers d=512 ffn=2048 heads=8")
    print(f"model: random weights, {shape_text}, vocab=32000, {size_mb:.0f} MB float32, built in {build_s:.1f} s")
    print(f"settings: beam={settings.beam_size} compute_type={translator.compute_type} "
          f"intra_threads={settings.intra_threads} inter_threads={settings.inter_threads} "
          f"max_batch_tokens={settings.max_batch_tokens} bound={settings.length_ratio}*src+{settings.length_extra} "
          f"(sum of bounds {sum(bounds)} tokens)")
    print()
    print(f"{'method':<44} {'wall s':>7} {'cpu s':>7} {'out tokens':>11} {'tokens/s':>9}")
    rows = [
        ("(a) Translator.translate_articles, 1 call", med(wa), med(ca), n_out_c),
        ("(b) one translate_batch per segment", wb, cb, n_out_b),
        ("(c) bare translate_batch, all segments", med(wc), med(cc), n_out_c),
    ]
    for name, wall, cpu, n in rows:
        print(f"{name:<44} {wall:>7.2f} {cpu:>7.2f} {n:>11} {n / wall:>9.0f}")
    print()
    ba, ac = wb / med(wa), med(wa) / med(wc)
    print(f"(b)/(a) = {ba:.2f}   goal >= 3     {'OK' if ba >= 3 else 'MISSED'}   (cpu time: {cb / med(ca):.2f})")
    print(f"(a)/(c) = {ac:.3f}  goal <= 1.15  {'OK' if ac <= 1.15 else 'MISSED'}   (cpu time: {med(ca) / med(cc):.3f}; "
          f"fastest runs: {min(wa) / min(wc):.3f})")
    print(f"(a) outside its translate_batch call (prepare, glossary, tokenise, detokenise, restore, checks): "
          f"{med(outside) * 1000:.0f} ms = {med(outside) / med(wa) * 100:.1f}% of (a)")
    print(f"wall runs (a): {', '.join(f'{x:.2f}' for x in wa)}; (c): {', '.join(f'{x:.2f}' for x in wc)}; "
          f"load average before/after: {load0} / {os.getloadavg()[0]:.2f} (2 cores: other processes skew wall time)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
