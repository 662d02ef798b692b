"""The translate stage on the real CTranslate2 test fixture model.

The fixture (tests/fixture/ko_en_test.argosmodel) is a tiny genuine argos package that
memorises the sentence pairs of tests/fixture/corpus.tsv, so translating a corpus
sentence must give back its English: that checks tokenisation, batching and
detokenisation end to end. Every model call is counted by wrapping
``ctranslate2.Translator``.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import socket
import sqlite3
from pathlib import Path

import pytest
from conftest import write_corrections_csv

from publisher.corrections import sync_memory
from publisher.decoding import TranslateSettings
from publisher.document import (
    BODY,
    CAPTION,
    FOOTNOTE,
    ORIGIN_EDITED,
    ORIGIN_MACHINE,
    ORIGIN_MEMORY,
    PULLQUOTE,
    TITLE,
    Article,
    Block,
    ModelError,
    Segment,
)
from publisher.engine import CT2Engine, TranslationStats
from publisher.glossary import parse_glossary
from publisher.memory import TranslationMemory
from publisher.translate import Translator, prepare, restore

REPO = Path(__file__).resolve().parents[1]
FIXTURE_MODEL = REPO / "tests" / "fixture" / "ko_en_test.argosmodel"
CORPUS = REPO / "tests" / "fixture" / "corpus.tsv"

pytestmark = pytest.mark.slow


def corpus() -> list[tuple[str, str]]:
    pairs = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or "\t" not in line:
            continue
        ko, en = line.split("\t")[:2]
        pairs.append((ko.strip(), en.strip()))
    return pairs


PAIRS = corpus()
KO_TO_EN = dict(PAIRS)


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    """The committed fixture, loaded through publisher.models into a private cache."""
    from publisher.models import load_model

    assert FIXTURE_MODEL.exists(), "the committed test fixture model is missing; run 'make fixture'"
    state = tmp_path_factory.mktemp("model-state")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PUBLISHER_CACHE_DIR", str(state / "cache"))
        mp.setenv("ARGOS_PACKAGES_DIR", str(state / "packages"))
        loaded = load_model(FIXTURE_MODEL)
    assert loaded.info.test_fixture
    return loaded


@pytest.fixture
def calls(monkeypatch):
    """Record the source batch of every translate_batch call made by any Translator."""
    import ctranslate2

    real = ctranslate2.Translator
    recorded: list[list[list[str]]] = []

    class Counting:
        def __init__(self, *args, **kwargs):
            self._inner = real(*args, **kwargs)

        def translate_batch(self, source, *args, **kwargs):
            recorded.append([list(t) for t in source])
            return self._inner.translate_batch(source, *args, **kwargs)

    monkeypatch.setattr(ctranslate2, "Translator", Counting)
    return recorded


@pytest.fixture
def memory(tmp_path):
    return TranslationMemory(tmp_path / "cache" / "tm.sqlite")


def article(slug: str, texts_by_block: list[tuple[str, str, list[str]]]) -> Article:
    blocks = []
    for block_id, kind, texts in texts_by_block:
        segs = tuple(Segment(f"{block_id}.{i + 1}", t) for i, t in enumerate(texts))
        blocks.append(Block(block_id, kind, " ".join(texts), segs))
    return Article(slug=slug, source=f"{slug}.txt", blocks=tuple(blocks))


def body_article(slug: str, texts: list[str]) -> Article:
    return article(slug, [("p1", BODY, texts)])


def segments(a: Article) -> list[Segment]:
    return [s for _, s in a.iter_segments()]


def sent(calls) -> list[list[str]]:
    """Every source sent to the model, over all translate_batch calls."""
    return [t for batch in calls for t in batch]


def model_english(model, texts: list[str]) -> list[str]:
    """What the fixture itself writes for these texts on this machine, with no memory,
    glossary or markers: the reference for exact comparisons. (Never a stored string: the
    fixture's int8 output may differ between CPUs; the same machine always agrees with itself.)"""
    return CT2Engine(model).translate_texts(list(texts), TranslationStats())


_HANGUL = re.compile(r"[\uac00-\ud7af]")


# ---------------------------------------------------------------- translation itself


@pytest.mark.fixture_model
def test_corpus_sentences_come_back_in_one_batched_call(model, calls):
    pairs = PAIRS[:80]
    t = Translator(CT2Engine(model))
    [out] = t.translate_articles([body_article("a", [ko for ko, _ in pairs])])
    # one batched run; under beam search one translate_batch call per length bucket, each
    # segment in exactly one of them
    assert t.stats.model_calls == 1 and len(calls) == t.stats.decode_calls
    assert 1 <= len(calls) <= len({TranslateSettings().bound(n) for n in range(1, 1000)})
    assert len(sent(calls)) == len({ko for ko, _ in pairs})
    for batch in calls:
        assert len({TranslateSettings().bound(len(tokens)) for tokens in batch}) == 1
    got = [s.en for s in segments(out)]
    exact = sum(g == en for g, (_, en) in zip(got, pairs))
    assert exact >= 0.8 * len(pairs), list(zip(got, pairs))[:5]
    assert all(s.origin == ORIGIN_MACHINE for s in segments(out))
    assert t.stats.model_calls == 1
    assert t.stats.translated == len(pairs)
    assert t.stats.segments_total == len(pairs)


@pytest.mark.fixture_model
def test_every_block_kind_is_translated_in_the_same_call(model, calls):
    ko = [k for k, _ in PAIRS[80:90]]
    a = article(
        "kinds",
        [
            ("t", TITLE, ko[0:1]),
            ("q1", PULLQUOTE, ko[1:2]),
            ("fn1", FOOTNOTE, ko[2:4]),
            ("c1", CAPTION, ko[4:5]),
            ("p1", BODY, ko[5:8]),
            ("p2", BODY, ko[8:10]),
        ],
    )
    t = Translator(CT2Engine(model))
    [out] = t.translate_articles([a])
    assert t.stats.model_calls == 1 and len(sent(calls)) == 10
    assert [b.kind for b in out.blocks] == [TITLE, PULLQUOTE, FOOTNOTE, CAPTION, BODY, BODY]
    assert [s.id for s in segments(out)] == [s.id for s in segments(a)]
    for seg in segments(out):
        assert seg.en and seg.origin == ORIGIN_MACHINE
    assert sum(s.en == KO_TO_EN[s.text] for s in segments(out)) >= 8


@pytest.mark.fixture_model
def test_many_articles_share_one_call_and_duplicates_are_translated_once(model, calls):
    same = PAIRS[0][0]
    a1 = body_article("one", [same, PAIRS[1][0]])
    a2 = body_article("two", [PAIRS[2][0], same, same])
    t = Translator(CT2Engine(model))
    out = t.translate_articles([a1, a2])
    assert t.stats.model_calls == 1 and len(sent(calls)) == 3
    ens = [s.en for a in out for s in segments(a) if s.text == same]
    assert len(ens) == 3 and len(set(ens)) == 1
    assert t.stats.segments_total == 5 and t.stats.translated == 3


def test_empty_input_makes_no_model_call_and_loads_nothing(model, calls):
    t = Translator(CT2Engine(model))
    assert t.translate_articles([]) == []
    empty = Article(slug="e", source="e.txt", blocks=(Block("p1", BODY, ""),))
    blank = body_article("b", ["   "])
    out = t.translate_articles([empty, blank])
    assert out[0] == empty
    assert segments(out[1])[0].en == ""
    assert calls == [] and t.stats.model_calls == 0
    assert t.engine._ct2 is None  # the model was not even loaded


@pytest.mark.fixture_model
def test_translation_works_with_sockets_blocked(model, calls, memory, monkeypatch):
    def no_network(*args, **kwargs):
        raise OSError("network access attempted during translation")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    ko = [k for k, _ in PAIRS[10:15]]
    t = Translator(CT2Engine(model), memory=memory, glossary=parse_glossary("오픈AI,OpenAI\n"))
    [out] = t.translate_articles([body_article("offline", ko)])
    assert t.stats.model_calls == 1 and len(sent(calls)) == 5
    for s in segments(out):  # trained sentences come out in English and are remembered
        assert s.en and not _HANGUL.search(s.en)
        assert memory.get(t.model_key, s.text).en == s.en


# ---------------------------------------------------------------- memory


@pytest.mark.fixture_model
def test_rerun_of_an_unchanged_article_makes_zero_model_calls(model, calls, tmp_path):
    ko = [k for k, _ in PAIRS[20:40]]
    a = article("rerun", [("t", TITLE, ko[:1]), ("p1", BODY, ko[1:15]), ("fn1", FOOTNOTE, ko[15:])])
    first = Translator(CT2Engine(model), memory=TranslationMemory(tmp_path / "tm.sqlite"))
    [out1] = first.translate_articles([a])
    assert first.stats.model_calls == 1
    n_calls = len(calls)

    # a new process would build a new translator and memory object from the same file
    second = Translator(CT2Engine(model), memory=TranslationMemory(tmp_path / "tm.sqlite"))
    [out2] = second.translate_articles([a])
    assert len(calls) == n_calls, "the re-run called the model"
    assert second.stats.model_calls == 0 and second.engine._ct2 is None
    assert second.stats.from_memory == 20 and second.stats.translated == 0
    assert [s.en for s in segments(out2)] == [s.en for s in segments(out1)]
    assert {s.origin for s in segments(out2)} == {ORIGIN_MEMORY}
    assert [s.flags for s in segments(out2)] == [s.flags for s in segments(out1)]


@pytest.mark.fixture_model
def test_a_changed_sentence_is_the_only_one_translated(model, calls, memory):
    ko = [k for k, _ in PAIRS[40:50]]
    Translator(CT2Engine(model), memory=memory).translate_articles([body_article("x", ko)])
    n_calls = len(calls)
    changed = ko[:3] + [PAIRS[50][0]] + ko[4:]
    t = Translator(CT2Engine(model), memory=memory)
    [out] = t.translate_articles([body_article("x", changed)])
    assert len(calls) == n_calls + 1 and len(calls[-1]) == 1
    assert t.stats.translated == 1 and t.stats.from_memory == 9
    assert segments(out)[3].origin == ORIGIN_MACHINE


@pytest.mark.fixture_model
def test_memory_is_keyed_by_model(model, calls, memory):
    ko = [PAIRS[60][0]]
    Translator(CT2Engine(model), memory=memory).translate_articles([body_article("m", ko)])
    other_info = dataclasses.replace(model.info, sha256="f" * 64)
    other = dataclasses.replace(model, info=other_info) if dataclasses.is_dataclass(model) else None
    if other is None:
        pytest.fail("LoadedModel is expected to be a dataclass")
    t = Translator(CT2Engine(other), memory=memory)
    t.translate_articles([body_article("m", ko)])
    assert t.stats.model_calls == 1 and len(sent(calls)) == 2


@pytest.mark.fixture_model
def test_editor_corrections_apply_in_any_article_and_survive_in_the_memory(model, calls, memory, tmp_path):
    # An editor's corrections file beside its article, taken into the memory as a build does.
    ko, _ = PAIRS[70]
    inbox = tmp_path / "articles"
    inbox.mkdir()
    (inbox / "first.txt").write_text(ko, encoding="utf-8")
    cfile = write_corrections_csv(inbox / "first.corrections.csv", [["p1.1", ko, "", "An editor's wording."]])
    assert sync_memory(memory, [(inbox / "first.txt", cfile)]).updated == 1
    t = Translator(CT2Engine(model), memory=memory)
    [out] = t.translate_articles([body_article("first", [ko, PAIRS[71][0]])])
    seg = segments(out)[0]
    assert seg.en == "An editor's wording." and seg.origin == ORIGIN_EDITED
    assert len(calls) == 1 and len(calls[0]) == 1  # only the other sentence went to the model
    # another article, another run: the correction comes from the memory
    t2 = Translator(CT2Engine(model), memory=TranslationMemory(memory.path))
    [out2] = t2.translate_articles([body_article("second", [PAIRS[72][0], ko])])
    seg2 = segments(out2)[1]
    assert seg2.en == "An editor's wording." and seg2.origin == ORIGIN_EDITED
    assert t2.stats.edited == 1


@pytest.mark.fixture_model
def test_corrupt_memory_is_reported_bypassed_and_untouched(model, calls, tmp_path, caplog):
    path = tmp_path / "tm.sqlite"
    garbage = os.urandom(4096)
    path.write_bytes(garbage)
    t = Translator(CT2Engine(model), memory=TranslationMemory(path))
    with caplog.at_level(logging.WARNING):
        [out] = t.translate_articles([body_article("c", [PAIRS[0][0], PAIRS[1][0]])])
    assert [s.en for s in segments(out)] == model_english(model, [PAIRS[0][0], PAIRS[1][0]])
    assert t.memory_error and "not a database" in t.memory_error
    assert t.stats.memory_error == t.memory_error
    assert any("continuing without it" in r.getMessage() for r in caplog.records)
    assert path.read_bytes() == garbage
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tm.sqlite"]


@pytest.mark.fixture_model
def test_locked_memory_is_reported_and_bypassed(model, calls, tmp_path, caplog):
    path = tmp_path / "tm.sqlite"
    seed = TranslationMemory(path)
    seed.put_many(model.info.key, [(PAIRS[5][0], "stored earlier")])
    seed.close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO meta(key, value) VALUES ('held', '1')")
    try:
        t = Translator(CT2Engine(model), memory=TranslationMemory(path, busy_timeout_ms=200))
        with caplog.at_level(logging.WARNING):
            [out] = t.translate_articles([body_article("l", [PAIRS[5][0]])])
        # translated by the model, since the memory was unreadable
        assert segments(out)[0].en == model_english(model, [PAIRS[5][0]])[0] != "stored earlier"
        assert t.memory_error and "locked" in t.memory_error
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert TranslationMemory(path).get(model.info.key, PAIRS[5][0]).en == "stored earlier"


# ---------------------------------------------------------------- protection and glossary


def _decoded_inputs(model, batch: list[list[str]]) -> list[str]:
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(model.sp_model))
    return [sp.decode_pieces(t) for t in batch]


@pytest.mark.fixture_model
def test_markers_urls_and_emails_are_kept_out_of_the_model_and_restored(model, calls):
    base = "OpenAI는 서울에 새 사무소를 열었다."
    api = "새 API는 다음 달부터 개발자에게 공개된다."
    assert base in KO_TO_EN and api in KO_TO_EN
    texts = [
        base + "[1]",
        api.replace("API는", "API[2]는"),
        base[:-1] + " https://openai.com/ko/seoul-office?id=12 .",
        base + " 문의: press@example.co.kr",
    ]
    t = Translator(CT2Engine(model))
    [out] = t.translate_articles([body_article("p", texts)])
    inputs = " ".join(_decoded_inputs(model, sent(calls)))
    assert "[" not in inputs and "http" not in inputs and "@" not in inputs and "example" not in inputs
    en = [s.en for s in segments(out)]
    raw_base, raw_api = model_english(model, [base, api])
    # each marker comes back exactly once, and the model's own words are untouched
    assert en[0] == raw_base + "[1]"
    assert en[1].count("[2]") == 1 and en[1].replace("[2]", "", 1) == raw_api
    if "API" in raw_api:  # anchored to the Latin word it followed in the Korean
        assert "API[2]" in en[1]
    assert en[2].count("https://openai.com/ko/seoul-office?id=12") == 1
    assert en[3].count("press@example.co.kr") == 1
    for s in segments(out):
        assert "URL1" not in s.en and "EMAIL1" not in s.en


def test_prepare_and_restore_round_trip_without_a_model():
    prep = prepare("오픈AI는 API[4]와 https://a.example/x 그리고 a.b@c.kr 를 언급했다[7].",
                   parse_glossary("오픈AI,OpenAI\n"))
    assert prep.model_input == "OpenAI는 API와 URL1 그리고 EMAIL2 를 언급했다."
    assert prep.markers == (("[4]", "API"), ("[7]", None))
    en = restore("OpenAI mentioned the API, URL 1 and email2.", prep)
    assert en == "OpenAI mentioned the API[4], https://a.example/x and a.b@c.kr.[7]"
    # a model that drops the placeholder: the original is put back before the full stop
    assert restore("OpenAI mentioned the API.", prep) == (
        "OpenAI mentioned the API[4] https://a.example/x a.b@c.kr.[7]"
    )


@pytest.mark.fixture_model
def test_glossary_terms_are_replaced_before_translation_and_checked_after(model, calls):
    glossary = parse_glossary("ko,en\n오픈AI,OpenAI\n기준금리,policy rate\n")
    hit = "오픈AI는 서울에 새 사무소를 열었다."  # becomes the corpus sentence
    miss = "한국은행은 기준금리를 동결했다."
    t = Translator(CT2Engine(model), glossary=glossary)
    [out] = t.translate_articles([body_article("g", [hit, miss])])
    inputs = _decoded_inputs(model, sent(calls))
    assert any("OpenAI는" in s for s in inputs) and any("policy rate" in s for s in inputs)
    assert not any("오픈AI" in s or "기준금리" in s for s in inputs)
    s_hit, s_miss = segments(out)
    # the glossary turned the Korean into the corpus sentence: the model saw exactly that
    assert s_hit.en == model_english(model, ["OpenAI는 서울에 새 사무소를 열었다."])[0]
    assert s_hit.en and not _HANGUL.search(s_hit.en)
    assert not any(f.startswith("glossary-miss") for f in s_hit.flags)
    has_term = "policy rate" in s_miss.en.lower()
    assert ("glossary-miss:policy rate" in s_miss.flags) is (not has_term)


@pytest.mark.fixture_model
def test_flags_are_attached_to_segments(model):
    t = Translator(CT2Engine(model))
    # "7억 명" in the source but not in a corpus sentence's English: the number check fires
    ko = "ChatGPT의 주간 사용자는 7억 명을 넘었다."
    [out] = t.translate_articles([body_article("f", [ko, "알 수 없는 문장이 여기 나온다 하하 호호."])])
    s = segments(out)[0]
    if "700 million" in s.en:
        assert not any(f.startswith("numbers") for f in s.flags)
    else:
        assert any(f.startswith("numbers") for f in s.flags)
    assert t.stats.flagged == sum(1 for x in segments(out) if x.flags)


# ---------------------------------------------------------------- settings


@pytest.mark.parametrize("beam", [1, 4])
@pytest.mark.fixture_model
def test_output_length_is_bounded_per_segment(model, calls, beam):
    settings = TranslateSettings(beam_size=beam, length_ratio=0.0, length_extra=3, bucket_growth=1.0)
    t = Translator(CT2Engine(model, settings))
    [out] = t.translate_articles([body_article("b", [k for k, _ in PAIRS[:6]])])
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(model.sp_model))
    for s in segments(out):
        assert 0 < len(sp.encode(s.en, out_type=str)) <= 4  # 3 decoded pieces, re-encoded


@pytest.mark.fixture_model
def test_beam_search_bounds_each_segment_by_its_own_length(model, calls):
    # Two very different lengths: under beam search the short one must not inherit the long
    # one's max_decoding_length, so they go to separate calls with their own bounds.
    short = min((k for k, _ in PAIRS), key=len)
    long = max((k for k, _ in PAIRS), key=len)
    seen: list[int] = []
    import ctranslate2

    recorder = ctranslate2.Translator  # the counting wrapper of the ``calls`` fixture

    class Bounds(recorder):
        def translate_batch(self, source, *args, **kwargs):
            seen.append(kwargs["max_decoding_length"])
            return super().translate_batch(source, *args, **kwargs)

    t = Translator(CT2Engine(model, TranslateSettings(bucket_growth=1.0)))
    ctranslate2.Translator = Bounds
    try:
        t.translate_articles([body_article("beam", [short, long])])
    finally:
        ctranslate2.Translator = recorder
    assert len(calls) == 2 and all(len(c) == 1 for c in calls)
    bounds = [TranslateSettings(bucket_growth=1.0).bound(len(c[0])) for c in calls]
    assert bounds[0] < bounds[1] and seen == bounds  # shortest first, each with its own bound


@pytest.mark.fixture_model
def test_fast_is_greedy_in_a_single_call_and_keyed_apart(model, calls, memory):
    ko = [k for k, _ in PAIRS[:20]]
    fast = Translator(CT2Engine(model, TranslateSettings(beam_size=1)), memory=memory)
    [out] = fast.translate_articles([body_article("fast", ko)])
    assert len(calls) == 1 and fast.stats.decode_calls == 1
    assert all(s.en and s.origin == ORIGIN_MACHINE for s in segments(out))
    # the default (beam 4) does not reuse what greedy decoding wrote
    beam = Translator(CT2Engine(model), memory=memory)
    assert beam.model_key != fast.model_key
    beam.translate_articles([body_article("fast", ko)])
    assert beam.stats.from_memory == 0 and beam.stats.translated == 20


@pytest.mark.fixture_model
def test_unsupported_compute_type_falls_back(model):
    t = Translator(CT2Engine(model, TranslateSettings(compute_type="bfloat16")))
    [out] = t.translate_articles([body_article("ct", [PAIRS[0][0]])])
    # another compute type computes differently: a trained sentence still comes out in English
    en = segments(out)[0].en
    assert en and not _HANGUL.search(en)
    assert t.engine.compute_type in ("default", "bfloat16")


def test_default_settings_decode_as_argos_does_and_suit_a_small_cpu():
    from publisher.decoding import argos_call_kwargs

    s = TranslateSettings()
    argos = argos_call_kwargs()
    assert (s.beam_size, s.length_penalty, s.replace_unknowns) == (argos["beam_size"], argos["length_penalty"], True)
    assert (s.beam_size, s.length_penalty) == (4, 0.2)
    assert TranslateSettings(beam_size=1).beam_size == 1
    assert s.decoding_name == "beam 4 (Argos)" and TranslateSettings(beam_size=1).decoding_name == "greedy (--fast)"
    assert s.compute_type == "int8" and s.inter_threads == 1
    assert 1 <= s.intra_threads <= 4
    exact = TranslateSettings(bucket_growth=1.0)
    assert exact.bound(10) == 30 and exact.bound(1000) == exact.max_decoding_length
    # bucketed bounds: never below the exact one, a handful of distinct values
    assert all(s.bound(n) >= exact.bound(n) for n in range(1, 300))
    assert len({s.bound(n) for n in range(1, 300)}) <= 10 and s.bound(1000) == s.max_decoding_length


def test_a_batch_holds_the_same_hypothesis_tokens_whatever_the_beam():
    from publisher.decoding import decode_kwargs

    assert TranslateSettings().batch_tokens == 1024  # beam 4: 4 hypotheses per source token
    assert TranslateSettings(beam_size=1).batch_tokens == 4096
    assert TranslateSettings(beam_size=3).batch_tokens == 1365
    assert TranslateSettings(max_batch_tokens=300).batch_tokens == 300  # --batch-tokens wins
    assert decode_kwargs(TranslateSettings(), [["▁a"]])["max_batch_size"] == 1024
    # batching is not part of what the English depends on
    assert TranslateSettings(max_batch_tokens=300).output_key == TranslateSettings().output_key


@pytest.mark.parametrize(
    "bad", [dict(beam_size=0), dict(max_batch_tokens=0), dict(length_extra=0), dict(inter_threads=0), dict(bucket_growth=0.5)]
)
def test_bad_settings_are_an_input_error(bad):
    from publisher.document import InputError

    with pytest.raises(InputError, match="bad translation settings"):
        TranslateSettings(**bad)


def test_a_broken_model_directory_is_a_model_error(model, tmp_path):
    broken = dataclasses.replace(model, model_dir=tmp_path / "nothing-here")
    t = Translator(CT2Engine(broken))
    with pytest.raises(ModelError) as err:
        t.translate_articles([body_article("x", [PAIRS[0][0]])])
    assert "\n" not in str(err.value) and "models install" in str(err.value)


# ---------------------------------------------------------------- restoring, for any model output

from hypothesis import given, settings as hsettings, strategies as st  # noqa: E402

_ENGLISH = st.text(alphabet=st.sampled_from(list("abcdefgh ABC.,!?-'URLEMAIL0123")), max_size=60)


@hsettings(max_examples=200, deadline=None)
@given(
    en=_ENGLISH,
    markers=st.lists(st.integers(1, 40), max_size=3, unique=True),
    latin_anchor=st.booleans(),
    with_url=st.booleans(),
    with_email=st.booleans(),
)
def test_restore_puts_back_every_marker_url_and_email(en, markers, latin_anchor, with_url, with_email):
    parts = ["회사는"]
    for n in markers:
        parts.append(("API" if latin_anchor else "발표") + f"[{n}]")
    if with_url:
        parts.append("https://example.org/a_b?c=1")
    if with_email:
        parts.append("desk@example.co.kr")
    parts.append("했다.")
    prep = prepare(" ".join(parts))
    assert "[" not in prep.model_input and "http" not in prep.model_input and "@" not in prep.model_input
    out = restore(en, prep)
    for n in markers:
        assert out.count(f"[{n}]") == 1, (en, out)
    assert out.count("https://example.org/a_b?c=1") == int(with_url)
    assert out.count("desk@example.co.kr") == int(with_email)
