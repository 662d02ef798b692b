"""The model families at their real shapes: speed, memory, and the batching floor.

Random weights (timing only, the English is noise) at the real architectures and sizes:
the Argos Transformer-base (built here, as bench_translate.py does), MADLAD-400 3B (T5)
and Qwen2.5-Instruct 0.5B / 1.5B (decoder-only, with article context), the last three
built once by tests/bench/build_shapes.py into the cache (``make bench`` builds them).
For each: the int8 size, the load time, output tokens per second and the time of one
article (the repository's sample articles/seoul-robot-buses.ko.txt), greedy; and the
batching floor: our engine against ONE bare ``translate_batch``/``generate_batch`` call
over the same inputs with the same arguments (goal: within 1.15x).

One process, one run of each; the machine has 2 cores shared with whatever else runs, so
the load average is printed beside the figures.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _random_model import build_random_transformer, train_sentencepiece  # noqa: E402
from build_shapes import shapes_dir  # noqa: E402

from publisher.building.article import read_segmented  # noqa: E402
from publisher.decoding import TranslateSettings  # noqa: E402
from publisher.document import ModelInfo  # noqa: E402
from publisher.engine import TranslationStats, open_engine  # noqa: E402
from publisher.models import LoadedModel, load_model  # noqa: E402
from publisher.translate import Translator, prepare  # noqa: E402

ARTICLE = REPO / "articles" / "seoul-robot-buses.ko.txt"
SHAPES = [("MADLAD-400 3B (T5)", "madlad-3b"), ("Qwen2.5 0.5B (LLM)", "qwen-0.5b"), ("Qwen2.5 1.5B (LLM)", "qwen-1.5b"),
          ("Qwen2.5 7B (LLM)", "qwen-7b")]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bare_call(engine, texts: list[str], settings: TranslateSettings) -> float:
    """One bare CTranslate2 call over the same inputs with the same arguments (seconds)."""
    from publisher.decoding import plan_calls

    if hasattr(engine, "prompt"):  # decoder-only: the same prompts, one generate_batch
        from publisher.decoding import segment_bounds
        from publisher.llm import _stop_at_bounds

        prompts = engine.encode([engine.prompt(t) for t in texts])
        sources = engine.encode(texts)
        [(_, kw)] = plan_calls(settings, sources, ())
        gen = engine._generator()
        t0 = time.perf_counter()
        # the same per-prompt bounds (a Generator's step count starts where each prompt ends)
        gen.generate_batch(prompts, max_length=kw["max_decoding_length"], beam_size=1, sampling_topk=1,
                           include_prompt_in_result=False, end_token=engine._end_token(),
                           callback=_stop_at_bounds(segment_bounds(settings, sources)),
                           max_batch_size=kw["max_batch_size"], batch_type=kw["batch_type"])
        return time.perf_counter() - t0
    tokens = engine.encode(texts)
    [(_, kw)] = plan_calls(settings, tokens, engine.target_prefix())
    tr = engine._translator()
    prefix = engine.target_prefix()
    if prefix:
        kw["target_prefix"] = [list(prefix)] * len(tokens)
    t0 = time.perf_counter()
    tr.translate_batch(tokens, **kw)
    return time.perf_counter() - t0


def run(name: str, model: LoadedModel, article, size_mb: float) -> None:
    settings = TranslateSettings(beam_size=1)
    engine = open_engine(model, settings)
    t0 = time.perf_counter()
    engine._generator() if hasattr(engine, "_generator") else engine._translator()
    load_s = time.perf_counter() - t0
    translator = Translator(engine)
    t0 = time.perf_counter()
    translator.translate_articles([article])
    article_s = time.perf_counter() - t0
    tokens = translator.stats.output_tokens
    # the floor: the engine alone against one bare call, same texts, no context
    texts = sorted({prepare(s.text).model_input for _, s in article.iter_segments() if s.text.strip()}, key=len)
    t0 = time.perf_counter()
    engine.translate_texts(texts, TranslationStats())
    ours_s = time.perf_counter() - t0
    bare_s = bare_call(engine, texts, settings)
    print(f"| {name:<24} | {size_mb:>7.0f} | {load_s:>6.1f} | {tokens / article_s:>8.1f} | {article_s:>9.1f} | "
          f"{ours_s / bare_s:>10.2f} | {rss_mb():>8.0f} |", flush=True)


def main() -> int:
    article = read_segmented(ARTICLE)
    n = sum(1 for _, s in article.iter_segments() if s.text.strip())
    print(f"article: {ARTICLE.name}, {n} segments; greedy decoding, int8, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f}")
    print("(LLM rows: the article in context steps, the previous 3 segments in each prompt; the floor is measured without context)")
    print(f"| {'model (random weights)':<24} | {'int8 MB':>7} | {'load s':>6} | {'tokens/s':>8} | {'article s':>9} | "
          f"{'ours/bare':>10} | {'peak MB':>8} |")
    print(f"|{'-' * 26}|{'-' * 9}|{'-' * 8}|{'-' * 10}|{'-' * 11}|{'-' * 12}|{'-' * 10}|")
    with tempfile.TemporaryDirectory(prefix="bench-kinds-") as tmp:
        tmp = Path(tmp)
        sp = train_sentencepiece([s.text for _, s in article.iter_segments()], tmp / "sp", vocab_size=800)
        folder = build_random_transformer(tmp / "argos", sp, quantization="int8")
        size = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        info = ModelInfo("bench-argos-shape", "0", "0" * 64, test_fixture=True)
        run("Argos Transformer-base", LoadedModel(info=info, model_dir=folder, sp_model=sp, package_dir=folder), article, size)
    missing = []
    for label, key in SHAPES:
        folder = shapes_dir() / key
        if not (folder / "model.bin").is_file():
            missing.append(key)
            continue
        size = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
        run(label, load_model(folder), article, size)
    if missing:
        print(f"not built (tests/bench/build_shapes.py {' '.join(missing)}): {', '.join(missing)}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
