"""`make parity`: publisher's English against Argos Translate's own, sentence by sentence.

For every sentence of tests/fixture/corpus.tsv and every segment of the sample articles
(articles/ and, when present, ../shared/articles/), this compares

* segment level: publisher's final English for the segment (batched, bucketed, markers,
  URLs and emails kept out of the model and put back) with what Argos Translate 1.11's own
  ``apply_packaged_translation`` writes for the same segment through the same package;
* engine level: publisher's raw model output for its model input with Argos's output for
  that same input (this isolates the decoding: it must agree 100%).

Argos runs in the side environment .venv-parity (full argostranslate with its
dependencies, torch from the local wheel); this script runs in .venv and calls it.
Differences are explained one by one; any unexplained one makes the exit status 1.

usage: run_parity.py [--model PATH] [--side-python .venv-parity/bin/python]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from publisher.decoding import TranslateSettings, segment_bounds  # noqa: E402
from publisher.document import Article, Block, Segment  # noqa: E402
from publisher.engine import CT2Engine, TranslationStats  # noqa: E402
from publisher.text import normalize_text  # noqa: E402
from publisher.translate import Translator, prepare  # noqa: E402

SHARED_ARTICLES = REPO.parent / "shared" / "articles"


def corpus() -> list[str]:
    path = REPO / "tests" / "fixture" / "corpus.tsv"
    return [l.split("\t")[0].strip() for l in path.read_text(encoding="utf-8").splitlines() if "\t" in l and not l.startswith("#")]


def article_segments() -> list[tuple[str, str]]:
    from publisher.building.article import read_segmented as read_and_segment

    files = sorted(p for p in (REPO / "articles").iterdir() if p.suffix in (".txt", ".md", ".html"))
    if SHARED_ARTICLES.is_dir():
        files += sorted(SHARED_ARTICLES.glob("*.ko.txt"))
    out = []
    for f in files:
        art = read_and_segment(f)
        out += [(f"{f.name}:{s.id}", s.text) for _, s in art.iter_segments() if s.text and s.text.strip()]
    return out


def explain(src: str, ours: str, theirs: str, prep, raw_len: int, bound: int) -> str | None:
    if ours == theirs:
        return None
    if raw_len >= bound:
        return "publisher's length bound reached (Argos has none)"
    if re.sub(r"\s+", " ", ours).strip() == re.sub(r"\s+", " ", theirs).strip():
        return "whitespace only (publisher collapses runs of spaces)"
    if ours.replace("_", " ") == theirs or re.sub(r"\s+", " ", ours.replace("_", " ")).strip() == re.sub(r"\s+", " ", theirs).strip():
        return "Argos's decoder turns '_' into a space"
    why = []
    if prep.markers:
        why.append("footnote markers kept out of the model and re-attached")
    if prep.placeholders:
        why.append("URLs/emails replaced by placeholders and put back")
    if prep.model_input != re.sub(r"\s+", " ", normalize_text(src)).strip() and not why:
        why.append("publisher normalises the source text (NFC, spaces) before the model")
    return "; ".join(why) if why else "UNEXPLAINED"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=str(REPO / "tests" / "fixture" / "ko_en_test.argosmodel"))
    ap.add_argument("--side-python", default=str(REPO / ".venv-parity" / "bin" / "python"))
    args = ap.parse_args(argv)

    from publisher.models import load_model

    model = load_model(args.model)
    if model.layout is not None and model.layout.kind != "argos":
        print(f"Error: parity compares with Argos Translate, which needs an Argos package; {args.model} is {model.layout.kind}")
        return 2
    items = [(f"corpus:{i + 1}", k) for i, k in enumerate(corpus())] + article_segments()
    sources = [s for _, s in items]
    preps = [prepare(s) for s in sources]

    # publisher: final English per segment (one run over everything) and raw model output
    settings = TranslateSettings()
    t0 = time.perf_counter()
    arts = [Article(slug="parity", source="parity", blocks=(Block("p1", "body", "", tuple(Segment(f"s{i}", s) for i, s in enumerate(sources))),))]
    [done] = Translator(CT2Engine(model, settings)).translate_articles(arts)
    ours_final = [s.en for _, s in done.iter_segments()]
    engine, stats = CT2Engine(model, settings), TranslationStats()
    inputs = [p.model_input for p in preps]
    need = [i for i, p in enumerate(preps) if p.needs_model]
    raw = dict(zip(need, engine.translate_texts([inputs[i] for i in need], stats)))
    ours_s = time.perf_counter() - t0
    tokens = engine.encode([inputs[i] for i in need])
    bounds = dict(zip(need, segment_bounds(settings, tokens)))
    actual_ct = engine._translator().compute_type
    raw_len = {}
    for i in need:  # output lengths, to tell a bound that was reached
        raw_len[i] = len(engine._sentencepiece().encode(raw[i], out_type=str))

    with tempfile.TemporaryDirectory(prefix="parity-") as tmp:
        tmp = Path(tmp)
        (tmp / "in.json").write_text(json.dumps(sources + [inputs[i] for i in need], ensure_ascii=False), encoding="utf-8")
        t1 = time.perf_counter()
        proc = subprocess.run([args.side_python, str(Path(__file__).with_name("argos_side.py")), str(model.package_dir),
                               str(tmp / "in.json"), str(tmp / "out.json")], capture_output=True, text=True)
        argos_s = time.perf_counter() - t1
        if proc.returncode != 0:
            print(proc.stderr[-3000:], file=sys.stderr)
            print("Error: the Argos side failed (is .venv-parity built? run 'make parity')", file=sys.stderr)
            return 2
        result = json.loads((tmp / "out.json").read_text(encoding="utf-8"))
    argos_seg = result["english"][: len(sources)]
    argos_engine = dict(zip(need, result["english"][len(sources):]))

    print(f"model: {model.info.name} {model.info.version} ({model.info.kind}, sha256 {model.info.sha256[:12]})"
          f"{'  [TEST FIXTURE: its English is not a translation]' if model.info.test_fixture else ''}")
    print(f"publisher: {settings.decoding_name}, compute_type {actual_ct}, batched in {stats.decode_calls} "
          f"length-bucket calls ({ours_s:.1f} s incl. segment run)")
    print(f"argos: argostranslate {result['info']['argostranslate']}, ctranslate2 {result['info']['ctranslate2']}, "
          f"compute_type {result['info']['compute_type']}, beam {result['info']['beam_size']}, batch {result['info']['batch_size']} tokens, "
          f"apply_packaged_translation per segment ({argos_s:.1f} s incl. start-up)")
    print()
    shared_names = tuple(p.name for p in SHARED_ARTICLES.glob("*")) or ("\0",)
    unexplained = 0
    for group, pred in (("corpus.tsv sentences", lambda w: w.startswith("corpus:")), ("sample-article segments", lambda w: not w.startswith("corpus:"))):
        idx = [i for i, (w, _) in enumerate(items) if pred(w)]
        if not idx:
            continue
        seg_same = sum(ours_final[i] == argos_seg[i] for i in idx)
        eng_idx = [i for i in idx if i in raw]
        eng_same = sum(raw[i] == argos_engine[i] for i in eng_idx)
        print(f"{group}: {len(idx)}")
        print(f"  engine level (same model input):   {eng_same}/{len(eng_idx)} identical = {100 * eng_same / max(1, len(eng_idx)):.1f}%")
        print(f"  segment level (final English):     {seg_same}/{len(idx)} identical = {100 * seg_same / max(1, len(idx)):.1f}%")
        for i in idx:
            if i in raw and raw[i] != argos_engine[i]:
                why = explain(inputs[i], raw[i], argos_engine[i], preps[i], raw_len[i], bounds[i])
                unexplained += why == "UNEXPLAINED"
                print(f"    engine {items[i][0]}: {why}")
            if ours_final[i] != argos_seg[i]:
                if i not in raw:
                    why = "no Hangul left after protection: publisher copies the text, Argos sends it to the model"
                else:
                    why = explain(sources[i], ours_final[i], argos_seg[i], preps[i], raw_len[i], bounds[i])
                unexplained += why == "UNEXPLAINED"
                print(f"    segment {items[i][0]}: {why}")
                if not items[i][0].startswith(shared_names):  # the shared article's text is not reprinted
                    print(f"      ours:  {ours_final[i]!r}\n      argos: {argos_seg[i]!r}")
    print()
    print(f"unexplained differences: {unexplained}")
    return 1 if unexplained else 0


if __name__ == "__main__":
    raise SystemExit(main())
