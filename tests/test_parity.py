"""Batching and length buckets change no word: parity with Argos Translate's own call.

Argos Translate 1.11 translates a sentence with one ``translate_batch`` call whose
arguments are replicated by ``publisher.decoding.argos_call_kwargs`` (beam 4, length
penalty 0.2, unknowns replaced, batches of 32 tokens, no length bound). publisher instead
sends every segment of a run at once, in length buckets with a bound each. Here both run
on the same machine, same model, same corpus sentences, and must agree exactly: two
computations compared with each other, no stored English, so the check holds on any CPU.

``make parity`` is the full version: Argos's own ``apply_packaged_translation`` in a side
environment, on every corpus sentence and every segment of the sample articles.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.decoding import TranslateSettings, argos_call_kwargs, segment_bounds
from publisher.engine import CT2Engine, TranslationStats
from publisher.translate import prepare

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixture"
CORPUS = FIXTURES / "corpus.tsv"

pytestmark = [pytest.mark.slow, pytest.mark.fixture_model]  # every test here runs the fixture models


def corpus_korean() -> list[str]:
    return [
        line.split("\t")[0].strip()
        for line in CORPUS.read_text(encoding="utf-8").splitlines()
        if "\t" in line and not line.startswith("#")
    ]


def one_call_per_sentence(engine: CT2Engine, texts: list[str]) -> tuple[list[str], list[int]]:
    """Argos's pattern: each sentence alone, Argos's exact arguments. Returns the English
    and each output's length in tokens."""
    ct2 = engine._translator()
    prefix = list(engine.target_prefix())
    english, lengths = [], []
    for tokens in engine.encode(texts):
        [result] = ct2.translate_batch([tokens], **argos_call_kwargs([prefix] if prefix else None))
        english.append(engine.decode(result.hypotheses[0]))
        lengths.append(len(result.hypotheses[0]))
    return english, lengths


def model_paths() -> list:
    paths = [FIXTURES / "ko_en_test.argosmodel"]
    # every sequence-to-sequence fixture (Translator); the decoder-only one runs on a Generator,
    # whose batched-equals-one-call test is in tests/test_llm_models.py
    paths += [p for p in sorted(FIXTURES.glob("ko_en_test_*")) if p.is_dir() and not (p / "tokenizer.json").is_file()]
    return [pytest.param(p, id=p.name) for p in paths]


@pytest.mark.parametrize("path", model_paths())
def test_batched_bucketed_output_equals_argos_one_call_per_sentence(path):
    from publisher.models import load_model

    model = load_model(path)
    korean = corpus_korean()
    # a spread of the corpus (every third sentence: short and long ones, numbers, Latin names)
    texts = sorted({prepare(k).model_input for k in korean[::3]}, key=len)
    ours_e, stats = CT2Engine(model), TranslationStats()  # the defaults: Argos's decoding, batched, bucketed
    ours = ours_e.translate_texts(texts, stats)
    assert stats.decode_calls >= 2, "expected several length buckets to be exercised"

    theirs, lengths = one_call_per_sentence(CT2Engine(model), texts)

    bounds = segment_bounds(TranslateSettings(), ours_e.encode(texts), len(ours_e.target_prefix()))
    hit_bound = [t for t, n, b in zip(texts, lengths, bounds) if n >= b]
    # Argos has no length bound; ours only differs if a sentence reaches it, which a
    # sentence the model ends properly never does. Name them if it happens.
    assert not hit_bound, f"sentences reaching publisher's length bound: {hit_bound[:3]}"
    differ = [(t, a, b) for t, a, b in zip(texts, ours, theirs) if a != b]
    assert not differ, f"{len(differ)} of {len(texts)} differ, e.g. {differ[:2]}"
    assert all(ours), "an empty translation"


def test_greedy_fast_is_also_unchanged_by_batching():
    from publisher.models import load_model

    model = load_model(FIXTURES / "ko_en_test.argosmodel")
    texts = sorted({prepare(k).model_input for k in corpus_korean()[1::5]}, key=len)
    fast = CT2Engine(model, TranslateSettings(beam_size=1))
    batched = fast.translate_texts(texts, TranslationStats())
    ct2 = fast._translator()
    single = []
    for tokens in fast.encode(texts):
        [r] = ct2.translate_batch([tokens], beam_size=1, replace_unknowns=True)
        single.append(fast.decode(r.hypotheses[0]))
    assert batched == single
