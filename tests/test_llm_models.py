"""T5-family (MADLAD-400 style) and decoder-only (LLM) models: kinds, context, the guard check.

The fixtures tests/fixture/ko_en_test_t5/ and ko_en_test_llm/ are genuine tiny models of
each family (T5ForConditionalGeneration; Qwen2ForCausalLM with a ChatML chat template),
trained on corpus.tsv and converted with CTranslate2's converter by
tests/fixture/build_llm_models.py. As everywhere, their English is never asserted word for
word: batched output is compared with one call per segment computed here, on this machine.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from publisher import models
from publisher.checks import FLAG_HELP, describe_flag
from publisher.cli import cli
from publisher.decoding import TranslateSettings
from publisher.document import Article, Block, ModelError, ModelInfo, Segment
from publisher.engine import CT2Engine, TranslationStats, open_engine
from publisher.glossary import Glossary, GlossaryEntry
from publisher.llm import GeneratorEngine
from publisher.memory import TranslationMemory
from publisher.models import KIND_LABELS, detect
from publisher.prompts import CONTEXT_SIZE, SYSTEM, Turn
from publisher.translate import Translator, context_key

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixture"
T5 = FIXTURES / "ko_en_test_t5"
LLM = FIXTURES / "ko_en_test_llm"
CORPUS = [l.split("\t")[0] for l in (FIXTURES / "corpus.tsv").read_text(encoding="utf-8").splitlines()
          if "\t" in l and not l.startswith("#")]

pytestmark = pytest.mark.slow


def article(slug: str, sentences, block_size: int = 4) -> Article:
    blocks = []
    for b in range(0, len(sentences), block_size):
        chunk = sentences[b : b + block_size]
        segs = tuple(Segment(f"p{b}.{i}", s) for i, s in enumerate(chunk))
        blocks.append(Block(f"p{b}", "body", " ".join(chunk), segs))
    return Article(slug=slug, source=f"{slug}.txt", blocks=tuple(blocks))


# ------------------------------------------------------------------ detection


def test_t5_and_llm_folders_are_detected_from_their_files():
    t5 = detect(T5)
    assert t5.kind == "t5" and t5.source_spm.name == "spiece.model" and not t5.generator
    assert t5.source_text_prefix == "<2en> " and t5.source_suffix == ("</s>",) and t5.target_prefix == ()
    llm = detect(LLM)
    assert llm.kind == "llm" and llm.generator and llm.tokenizer.name == "tokenizer.json"
    assert "<|im_start|>" in llm.chat_template and dict(llm.special_tokens)["eos_token"] == "<|im_end|>"
    assert llm.label == KIND_LABELS["llm"] and t5.label == KIND_LABELS["t5"]


def test_a_chat_template_in_its_own_file_is_found_and_a_folder_without_one_is_not_an_llm(tmp_path):
    import shutil

    copy = shutil.copytree(LLM, tmp_path / "llm")
    config = json.loads((copy / "tokenizer_config.json").read_text(encoding="utf-8"))
    template = config.pop("chat_template")
    (copy / "tokenizer_config.json").write_text(json.dumps(config), encoding="utf-8")
    (copy / "chat_template.jinja").write_text(template, encoding="utf-8")
    assert detect(copy).chat_template == template
    (copy / "chat_template.jinja").unlink()
    with pytest.raises(ModelError) as err:
        detect(copy)
    assert "\n" not in str(err.value)


def test_t5_without_its_sentencepiece_model_is_refused_in_one_line(tmp_path):
    import shutil

    copy = shutil.copytree(T5, tmp_path / "t5")
    (copy / "spiece.model").unlink()
    with pytest.raises(ModelError, match="without its SentencePiece model.*--copy_files spiece.model"):
        detect(copy)


@pytest.mark.parametrize("folder", [T5, LLM], ids=["t5", "llm"])
def test_each_new_fixture_is_labelled_and_never_installed(folder):
    info = json.loads((folder / "publisher-model.json").read_text(encoding="utf-8"))
    assert info["test_fixture"] is True and "NOT A TRANSLATOR" in info["note"]
    assert sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) < 1024 * 1024
    result = CliRunner().invoke(cli, ["models", "install", "--file", str(folder)])
    assert result.exit_code != 0 and "test fixture" in result.output


@pytest.mark.parametrize("folder, kind", [(T5, "t5"), (LLM, "llm")], ids=["t5", "llm"])
def test_a_converted_model_of_each_new_kind_installs_from_a_folder_and_is_used_by_default(folder, kind, tmp_path):
    import shutil

    mine = shutil.copytree(folder, tmp_path / f"newsroom-{kind}")
    info = json.loads((mine / "publisher-model.json").read_text(encoding="utf-8"))
    info.update(test_fixture=False, name=f"newsroom-{kind}")
    (mine / "publisher-model.json").write_text(json.dumps(info), encoding="utf-8")
    result = CliRunner().invoke(cli, ["models", "install", "--file", str(mine)])
    assert result.exit_code == 0, result.output
    assert KIND_LABELS[kind] in result.output
    default = models.load_model(None)
    assert default.info.kind == kind and not default.info.test_fixture
    engine = open_engine(default)
    assert isinstance(engine, GeneratorEngine if kind == "llm" else CT2Engine)


def corpus_pairs():
    rows = [l.split("\t") for l in (FIXTURES / "corpus.tsv").read_text(encoding="utf-8").splitlines()
            if "\t" in l and not l.startswith("#")]
    return [(ko.strip(), en.strip()) for ko, en, *_ in rows]


@pytest.mark.fixture_model
def test_the_t5_fixture_reproduces_most_of_its_corpus():
    pairs = corpus_pairs()[:60]
    engine = CT2Engine(models.load_model(T5), TranslateSettings(beam_size=1))
    got = engine.translate_texts([k for k, _ in pairs], TranslationStats())
    exact = sum(g == e for g, (_, e) in zip(got, pairs))
    assert exact >= 0.8 * len(pairs), f"{exact}/{len(pairs)}"  # measured 394/400 greedy


@pytest.mark.fixture_model
def test_the_llm_fixture_reproduces_most_of_its_corpus_with_and_without_context():
    pairs = corpus_pairs()[:48]
    engine = GeneratorEngine(models.load_model(LLM), TranslateSettings(beam_size=1))
    alone = engine.translate_texts([k for k, _ in pairs], TranslationStats())
    # in "articles" of 8 sentences, as the builder trained it: each with the 2 before it
    contexts = [tuple(Turn(*pairs[j]) for j in range(max(i - i % 8, i - 2), i)) for i in range(len(pairs))]
    framed = engine.translate_texts([k for k, _ in pairs], TranslationStats(), contexts)
    for got in (alone, framed):
        exact = sum(g == e for g, (_, e) in zip(got, pairs))
        assert exact >= 0.8 * len(pairs), f"{exact}/{len(pairs)}"


# ------------------------------------------------------------------ batching: the floor


@pytest.mark.fixture_model
def test_t5_batched_output_equals_one_call_per_segment():
    engine = CT2Engine(models.load_model(T5), TranslateSettings(beam_size=4))
    texts = CORPUS[:24]
    batched = engine.translate_texts(texts, TranslationStats())
    one_by_one = [engine.translate_texts([t], TranslationStats())[0] for t in texts]
    assert batched == one_by_one
    # trained sentences come back as English, with no special token
    assert sum(bool(re.search("[\uac00-\ud7af]", e)) for e in batched) <= len(batched) // 10
    assert not any(re.search(r"<2en>|</s>|<pad>|<unk>|extra_id", e) for e in batched)


@pytest.mark.fixture_model
@pytest.mark.parametrize("beam", [1, 4])
def test_llm_batched_output_equals_one_call_per_segment_with_the_same_context(beam):
    engine = GeneratorEngine(models.load_model(LLM), TranslateSettings(beam_size=beam))
    texts = CORPUS[8:20]
    contexts = [tuple(Turn(CORPUS[j], f"sentence {j}") for j in range(max(0, i - 2), i)) for i in range(8, 20)]
    batched = engine.translate_texts(texts, TranslationStats(), contexts)
    one_by_one = [engine.translate_texts([t], TranslationStats(), [c])[0] for t, c in zip(texts, contexts)]
    assert batched == one_by_one
    assert not any("<|im_end|>" in e or "<|im_start|>" in e for e in batched)


@pytest.mark.fixture_model
def test_llm_decoding_is_deterministic_across_runs():
    texts = CORPUS[:10]
    first = GeneratorEngine(models.load_model(LLM)).translate_texts(texts, TranslationStats())
    again = GeneratorEngine(models.load_model(LLM)).translate_texts(texts, TranslationStats())
    assert first == again


# ------------------------------------------------------------------ context


class Recorder:
    """An engine double with context: records each text's context, answers "E(<text>)"."""

    context_size = CONTEXT_SIZE
    info = ModelInfo("engine-double", "0", "0" * 64, test_fixture=True)
    settings = TranslateSettings()

    def __init__(self):
        self.calls = []

    def translate_texts(self, texts, stats, contexts=None):
        self.calls.append(list(zip(texts, contexts)))
        stats.translated += len(texts)
        return [f"E({t})" for t in texts]


def test_the_prompt_for_segment_n_holds_segments_n_minus_k_to_n_minus_1_of_its_own_article_only():
    a = article("a", [f"가{i} 문장입니다." for i in range(7)])
    b = article("b", [f"나{i} 문장입니다." for i in range(3)])
    engine = Recorder()
    Translator(engine).translate_articles([a, b])
    seen = {text: ctx for call in engine.calls for text, ctx in call}
    for i in range(7):
        ctx = seen[f"가{i} 문장입니다."]
        want = [f"가{j} 문장입니다." for j in range(max(0, i - CONTEXT_SIZE), i)]
        assert [t.ko for t in ctx] == want
        assert [t.en for t in ctx] == [f"E({k})" for k in want]  # the English already chosen
        assert not any(t.ko.startswith("나") for t in ctx)
    # one batch per step: segment n of every article together (7 steps for the longer one)
    assert len(engine.calls) == 7 and len(engine.calls[0]) == 2


@pytest.mark.fixture_model
def test_the_real_prompt_is_the_models_chat_template_over_the_context():
    engine = GeneratorEngine(models.load_model(LLM))
    prompt = engine.prompt("세 번째 문장입니다.", [Turn("첫 문장입니다.", "The first."), Turn("두 번째 문장입니다.", "The second.")])
    assert prompt.startswith("<|im_start|>system\n" + SYSTEM) and prompt.endswith("<|im_start|>assistant\n")
    assert prompt.index("첫 문장입니다.") < prompt.index("The second.") < prompt.index("세 번째 문장입니다.")


def test_the_memory_key_holds_the_context_so_a_changed_sentence_retranslates_its_successor(tmp_path):
    memory = TranslationMemory(tmp_path / "memory.sqlite")
    first = article("a", ["첫 문장입니다.", "둘째 문장입니다.", "셋째 문장입니다."], block_size=3)
    engine = Recorder()
    Translator(engine, memory=memory).translate_articles([first])
    assert sum(len(c) for c in engine.calls) == 3
    engine.calls.clear()
    Translator(engine, memory=memory).translate_articles([first])  # nothing changed: all from memory
    assert engine.calls == []
    changed = article("a", ["첫 문장이 바뀌었습니다.", "둘째 문장입니다.", "셋째 문장입니다."], block_size=3)
    Translator(engine, memory=memory).translate_articles([changed])
    sent = [t for call in engine.calls for t, _ in call]
    assert sent == ["첫 문장이 바뀌었습니다.", "둘째 문장입니다.", "셋째 문장입니다."]
    assert context_key(()) == "" and context_key([Turn("a", "b")]) != context_key([Turn("a", "c")])


# ------------------------------------------------------------------ markers, glossary, the guard


@pytest.mark.fixture_model
@pytest.mark.parametrize("folder", [T5, LLM], ids=["t5", "llm"])
def test_markers_and_glossary_terms_survive_each_new_kind(folder):
    gloss = Glossary((GlossaryEntry("서울시", "Seoul Metropolitan Government"),))
    art = article("g", ["서울시는 새 정책을 발표했다.[1]", CORPUS[0]], block_size=2)
    t = Translator(open_engine(models.load_model(folder)), glossary=gloss)
    [out] = t.translate_articles([art])
    first = next(s for _, s in out.iter_segments())
    assert "[1]" in first.en
    assert "Seoul Metropolitan Government" in first.en or "glossary-miss:Seoul Metropolitan Government" in first.flags


class Chatty(Recorder):
    """An engine double that answers as an instruction model misbehaving."""

    ANSWERS = {
        "설명": "Here is the translation: The city opened a park.",
        "두 문장": "The city opened a park. It is the largest park in Asia.",
        "한국어": "The city opened 공원 today.",
        "빈": "",
        "거절": "I'm sorry, but I cannot translate this sentence.",
        "정상": "The city opened a park.",
    }

    def translate_texts(self, texts, stats, contexts=None):
        return [next(v for k, v in self.ANSWERS.items() if t.startswith(k)) for t in texts]


def test_the_guard_flags_each_way_an_llm_says_more_or_less_than_the_translation():
    sentences = [f"{k} 시는 오늘 공원을 열었다고 밝혔다." for k in Chatty.ANSWERS]
    [out] = Translator(Chatty()).translate_articles([article("c", sentences, block_size=6)])
    flags = {s.text.split(" ")[0]: s.flags for _, s in out.iter_segments()}
    assert "extra-output:explanation" in flags["설명"]
    assert "extra-output:sentences" in flags["두"]
    assert "hangul" in flags["한국어"]
    assert flags["빈"] == ("empty",)
    assert "extra-output:refusal" in flags["거절"]
    assert flags["정상"] == ()
    for f in ("extra-output:explanation", "empty"):
        assert describe_flag(f).startswith(FLAG_HELP[f.partition(":")[0]])


def test_the_guards_reasons_reach_the_qa_page():
    from publisher.building.article import make_brief
    from publisher.render import render_html

    sentences = [f"{k} 시는 오늘 공원을 열었다고 밝혔다." for k in Chatty.ANSWERS]
    [out] = Translator(Chatty()).translate_articles([article("c", sentences, block_size=6)])
    brief = make_brief(out, model_info=Recorder.info, inputs=None, count=None)
    page = render_html(brief, editor=True)
    for flag in ("extra-output:explanation", "extra-output:sentences", "extra-output:refusal", "empty"):
        assert flag in page


# ------------------------------------------------------------------ end to end


@pytest.mark.fixture_model
@pytest.mark.parametrize("folder, kind", [(T5, "t5"), (LLM, "llm")], ids=["t5", "llm"])
def test_a_brief_of_a_sample_article_built_with_each_new_kind(folder, kind, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["brief", str(REPO / "articles" / "busan-port-ai.md"), "-o", str(out), "--model", str(folder)])
    assert result.exit_code == 0, result.output
    data = json.loads((out / "busan-port-ai" / "brief.json").read_text(encoding="utf-8"))["data"]
    assert data["model"]["kind"] == kind and data["model"]["test_fixture"] is True
    segs = [s for b in data["article"]["blocks"] for s in b["segments"] if s["text"].strip()]
    assert segs and all(s["en"] is not None for s in segs)
    assert "Test model, not a translation" in (out / "busan-port-ai" / "brief.html").read_text(encoding="utf-8")
    assert (out / "busan-port-ai" / "brief.pdf").read_bytes().startswith(b"%PDF")
    again = CliRunner().invoke(cli, ["brief", str(REPO / "articles" / "busan-port-ai.md"), "-o", str(out), "--model", str(folder)])
    assert again.exit_code == 0 and "unchanged, not rebuilt: busan-port-ai" in again.output


@pytest.mark.fixture_model
def test_models_compare_puts_an_argos_brief_beside_an_llm_brief(tmp_path):
    page = tmp_path / "compare.html"
    result = CliRunner().invoke(cli, ["models", "compare", str(FIXTURES / "ko_en_test.argosmodel"), str(LLM),
                                      str(REPO / "articles" / "seoul-robot-buses.ko.txt"), "-o", str(page)])
    assert result.exit_code == 0, result.output
    html = page.read_text(encoding="utf-8")
    assert "Argos Translate package" in html and KIND_LABELS["llm"] in html
    assert "segments differ" in result.output


def test_the_ray_executor_refuses_a_decoder_only_model_in_one_line():
    from publisher.ray.cluster import ClusterError, RayOptions
    from publisher.ray.pool import TranslationPool

    with pytest.raises(ClusterError, match="without --ray"):
        TranslationPool(models.load_model(LLM), None, RayOptions(address="local"))


def test_a_context_engine_is_what_open_engine_gives_for_an_llm_folder():
    engine = open_engine(models.load_model(LLM))
    assert engine.context_size == CONTEXT_SIZE
    assert dataclasses.is_dataclass(Turn)
