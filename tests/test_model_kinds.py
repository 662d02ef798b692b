"""Bring your own model: Argos packages, OPUS-MT (Marian), M2M-100 and NLLB CTranslate2 folders.

The tiny fixtures tests/fixture/ko_en_test_<kind>/ are genuine models of each family
(real Hugging Face architecture, saved with transformers, converted with CTranslate2's
converter by tests/fixture/build_hf_models.py), briefly trained on corpus.tsv. Their
English is not asserted word for word (CPU portability): only what holds on any CPU.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from publisher import models
from publisher.document import ModelError
from publisher.cli import cli
from publisher.models import KIND_LABELS, detect

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixture"
ARGOS_FIXTURE = FIXTURES / "ko_en_test.argosmodel"
KINDS = {"marian": ("source.spm", ()), "m2m100": ("sentencepiece.bpe.model", ("__en__",)), "nllb": ("sentencepiece.bpe.model", ("eng_Latn",))}
CT2_FIXTURES = [pytest.param(FIXTURES / f"ko_en_test_{k}", k, id=k) for k in KINDS if (FIXTURES / f"ko_en_test_{k}").is_dir()]
SPECIAL = re.compile(r"__[a-z]{2}__|[a-z]{3}_[A-Z][a-z]{3}|</s>|<unk>|<pad>")

pytestmark = pytest.mark.slow


def copy_model(src: Path, dst: Path, *, fixture: bool = True) -> Path:
    shutil.copytree(src, dst)
    if not fixture:  # a stand-in for a newsroom's own converted model
        info = json.loads((dst / "publisher-model.json").read_text(encoding="utf-8"))
        info.update(test_fixture=False, name=f"newsroom-{dst.name}")
        (dst / "publisher-model.json").write_text(json.dumps(info), encoding="utf-8")
    return dst


def one_line_error(result) -> str:
    assert result.exit_code != 0, result.output
    text = (result.stderr if hasattr(result, "stderr") else result.output).strip()
    assert text.startswith("Error: ") and "\n" not in text and "Traceback" not in text, text
    return text


# ------------------------------------------------------------------ detection


def test_each_fixture_is_committed_small_and_labelled():
    assert {p.values[1] for p in CT2_FIXTURES} >= {"marian", "m2m100"}
    for param in CT2_FIXTURES:
        folder = param.values[0]
        size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
        assert size <= 1024 * 1024, f"{folder.name} is {size:,} bytes"
        info = json.loads((folder / "publisher-model.json").read_text(encoding="utf-8"))
        assert info["test_fixture"] is True and "NOT A TRANSLATOR" in info["note"]
        assert "not a translator" in (folder / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("folder, kind", CT2_FIXTURES)
def test_kind_is_detected_from_the_files(folder, kind):
    layout = detect(folder)
    spm_name, target_prefix = KINDS[kind]
    assert layout.kind == kind and layout.source_spm.name == spm_name
    assert layout.target_prefix == target_prefix
    assert layout.source_suffix == ("</s>",)
    assert layout.label == KIND_LABELS[kind]


def test_an_argos_package_folder_is_detected_as_argos():
    loaded = models.load_model(ARGOS_FIXTURE)
    assert detect(loaded.package_dir).kind == "argos"
    assert loaded.info.kind == "argos" and loaded.info.key.startswith("argos:")


@pytest.mark.parametrize(
    "breakage, message",
    [
        ("empty", "holds no model (found: an empty folder)"),
        ("no-config", "no CTranslate2 config.json"),
        ("no-target-spm", "only source.spm of a Marian model"),
        ("no-vocabulary", "no vocabulary file"),
    ],
)
def test_a_broken_marian_folder_is_refused_in_one_line(tmp_path, breakage, message):
    marian = FIXTURES / "ko_en_test_marian"
    folder = tmp_path / "model"
    if breakage == "empty":
        folder.mkdir()
    else:
        copy_model(marian, folder)
        victim = {"no-config": "config.json", "no-target-spm": "target.spm", "no-vocabulary": "shared_vocabulary.json"}[breakage]
        (folder / victim).unlink()
    with pytest.raises(ModelError, match=re.escape(message)) as err:
        models.load_model(folder)
    assert "\n" not in str(err.value)
    result = CliRunner().invoke(cli, ["translate", str(REPO / "articles" / "busan-port-ai.md"), "--model", str(folder)])
    assert message in one_line_error(result)


def test_a_multilingual_model_without_its_sentencepiece_or_korean_is_refused(tmp_path):
    m2m = FIXTURES / "ko_en_test_m2m100"
    no_spm = copy_model(m2m, tmp_path / "no-spm")
    (no_spm / "sentencepiece.bpe.model").unlink()
    with pytest.raises(ModelError, match="without its SentencePiece model.*--copy_files sentencepiece.bpe.model"):
        detect(no_spm)
    no_ko = copy_model(m2m, tmp_path / "no-ko")
    vocab = json.loads((no_ko / "shared_vocabulary.json").read_text(encoding="utf-8"))
    (no_ko / "shared_vocabulary.json").write_text(json.dumps(["__xx__" if t == "__ko__" else t for t in vocab]), encoding="utf-8")
    with pytest.raises(ModelError, match="lacks __ko__: it cannot translate ko->en"):
        detect(no_ko)


def test_some_other_ctranslate2_model_is_refused_saying_what_was_found(tmp_path):
    other = copy_model(FIXTURES / "ko_en_test_marian", tmp_path / "other")
    (other / "source.spm").unlink()
    (other / "target.spm").unlink()
    with pytest.raises(ModelError) as err:
        detect(other)
    text = str(err.value)
    assert "neither Marian's source.spm/target.spm nor M2M-100/NLLB language tokens" in text
    assert "found: README.md, config.json, model.bin" in text and "\n" not in text


# ------------------------------------------------------------------ loading, installing, status


@pytest.mark.parametrize("folder, kind", CT2_FIXTURES)
def test_a_fixture_folder_loads_as_a_fixture_and_is_never_installed(folder, kind):
    loaded = models.load_model(folder)
    assert loaded.info.kind == kind and loaded.info.test_fixture
    assert loaded.info.name == f"publisher-test-fixture-{kind}"
    assert loaded.info.key.startswith(f"{kind}:publisher-test-fixture-{kind}@0.1.0#")
    assert re.fullmatch(r"[0-9a-f]{64}", loaded.info.sha256)
    assert models.load_model(folder).info.sha256 == loaded.info.sha256  # a content checksum: stable
    with pytest.raises(ModelError, match="test fixture, not a translator"):
        models.install_from_file(folder)
    assert not models.models_dir().exists() or not any(models.models_dir().iterdir())


@pytest.mark.parametrize("folder, kind", CT2_FIXTURES)
def test_install_status_and_default_use_of_a_converted_model(folder, kind, tmp_path):
    mine = copy_model(folder, tmp_path / f"newsroom-{kind}", fixture=False)
    result = CliRunner().invoke(cli, ["models", "install", "--file", str(mine)])
    assert result.exit_code == 0, result.output
    assert KIND_LABELS[kind] in result.output
    installed = models.models_dir() / mine.name
    assert (installed / "model.bin").is_file() and json.loads((installed / models.SIDECAR).read_text())["kind"] == kind
    status = CliRunner().invoke(cli, ["models", "status"])
    assert status.exit_code == 0, status.output
    line = next(l for l in status.output.splitlines() if f"newsroom-{mine.name}" in l)
    sha = models.load_model(mine).info.sha256
    assert KIND_LABELS[kind] in line and sha[:12] in line
    # no Argos package installed: the converted model is the one used by default
    default = models.load_model(None)
    assert default.info.kind == kind and default.info.sha256 == sha and not default.info.test_fixture
    # nothing was put where argostranslate would read it as an Argos package
    assert not models.packages_dir().exists() or not any(models.packages_dir().iterdir())


def test_a_damaged_model_bin_is_refused_at_install_and_nothing_is_installed(tmp_path):
    mine = copy_model(FIXTURES / "ko_en_test_marian", tmp_path / "damaged", fixture=False)
    data = (mine / "model.bin").read_bytes()
    (mine / "model.bin").write_bytes(data[: len(data) // 2])
    result = CliRunner().invoke(cli, ["models", "install", "--file", str(mine)])
    assert "does not load as a CTranslate2 model" in one_line_error(result)
    assert not models.models_dir().exists() or not [p for p in models.models_dir().iterdir() if not p.name.startswith(".")]


# ------------------------------------------------------------------ a brief with each kind


@pytest.mark.parametrize("folder, kind", CT2_FIXTURES)
@pytest.mark.fixture_model
def test_corpus_sentences_through_each_kind_come_back_as_english(folder, kind):
    from publisher.document import Article, Block, Segment
    from publisher.engine import CT2Engine
    from publisher.translate import Translator

    corpus = [l.split("\t")[0] for l in (FIXTURES / "corpus.tsv").read_text(encoding="utf-8").splitlines()
              if "\t" in l and not l.startswith("#")][:40]
    segs = tuple(Segment(f"p1.{i}", k) for i, k in enumerate(corpus))
    art = Article(slug="k", source="k.txt", blocks=(Block("p1", "body", " ".join(corpus), segs),))
    t = Translator(CT2Engine(models.load_model(folder)))
    [out] = t.translate_articles([art])
    english = [s.en for _, s in out.iter_segments()]
    assert len(english) == len(corpus) == 40
    assert all(english) and not any(SPECIAL.search(e) for e in english)
    # the sentences were trained: the model writes English for them, not Korean
    hangul = [e for e in english if re.search("[\uac00-\ud7af]", e)]
    assert len(hangul) <= len(english) // 10, hangul
    assert t.stats.decode_calls >= 1 and t.stats.output_tokens > len(english)



@pytest.mark.parametrize("folder, kind", CT2_FIXTURES)
@pytest.mark.fixture_model
def test_a_brief_built_with_each_tiny_model_shows_its_provenance(folder, kind, tmp_path):
    out = tmp_path / "out"
    article = REPO / "articles" / "busan-port-ai.md"
    result = CliRunner().invoke(cli, ["brief", str(article), "-o", str(out), "--model", str(folder)])
    assert result.exit_code == 0, result.output
    data = json.loads((out / "busan-port-ai" / "brief.json").read_text(encoding="utf-8"))["data"]
    model = data["model"]
    assert model["kind"] == kind and model["test_fixture"] is True and model["name"] == f"publisher-test-fixture-{kind}"
    segs = [s for b in data["article"]["blocks"] for s in b["segments"] if s["text"].strip()]
    # every segment was translated; the sample article is outside the corpus, so what the
    # fixture writes there (even whether it writes anything) depends on the CPU
    assert segs and all(s["en"] is not None for s in segs)
    assert not any(SPECIAL.search(s["en"]) for s in segs), "a special token leaked into the English"
    html = (out / "busan-port-ai" / "brief.html").read_text(encoding="utf-8")
    assert "Test model, not a translation" in html
    assert KIND_LABELS[kind] in html and model["sha256"][:12] in html
    assert (out / "busan-port-ai" / "brief.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.fixture_model
def test_models_compare_writes_a_side_by_side_page(tmp_path):
    page = tmp_path / "compare.html"
    article = REPO / "articles" / "seoul-robot-buses.ko.txt"
    marian = FIXTURES / "ko_en_test_marian"
    result = CliRunner().invoke(cli, ["models", "compare", str(ARGOS_FIXTURE), str(marian), str(article), "--output", str(page)])
    assert result.exit_code == 0, result.output
    html = page.read_text(encoding="utf-8")
    rows = re.findall(r'<tr id="seg-[^"]+" class="(differs|same)">', html)
    assert rows and f"{rows.count('differs')} of {len(rows)} segments differ" in html
    assert f"{rows.count('differs')} of {len(rows)} segments differ" in result.output
    assert "Argos Translate package" in html and "OPUS-MT Marian (CTranslate2)" in html
    assert "publisher-test-fixture-marian" in html and "Test model, not a translation" in html
    assert html.count('lang="ko"') >= len(rows)
    # the same model on both sides: no difference
    same = CliRunner().invoke(cli, ["models", "compare", str(marian), str(marian), str(article), "--output", str(page)])
    assert same.exit_code == 0 and f"0 of {len(rows)} segments differ" in same.output


def test_models_compare_with_a_missing_model_is_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["models", "compare", str(tmp_path / "nope"), str(ARGOS_FIXTURE), str(REPO / "articles" / "busan-port-ai.md")])
    assert "model file not found" in one_line_error(result)
