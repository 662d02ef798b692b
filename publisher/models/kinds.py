"""Which kind of ko->en model a folder holds, told from its files alone.

publisher runs every model through CTranslate2 and SentencePiece; what differs between
kinds is where the tokenizers are and which special tokens frame a sentence:

========  ==========================================  ==================  ===============
kind      files                                       source tokens       target prefix
========  ==========================================  ==================  ===============
argos     metadata.json, sentencepiece.model, model/  pieces              (none)
marian    model.bin, config.json, vocabulary,         pieces ``</s>``     (none)
          source.spm, target.spm
m2m100    model.bin, config.json, vocabulary with     ``__ko__`` pieces   ``__en__``
          ``__ko__``/``__en__``, a SentencePiece model ``</s>``
nllb      model.bin, config.json, vocabulary with     ``kor_Hang`` pieces ``eng_Latn``
          ``kor_Hang``/``eng_Latn``, a SentencePiece  ``</s>``
          model
========  ==========================================  ==================  ===============

The Marian, M2M-100 and NLLB layouts are what CTranslate2's converter writes for a
Hugging Face model (``ct2-transformers-converter --model ... --copy_files ...``): the
tokens above are what the Hugging Face tokenizer of each family produces, which the
converter's model expects (CTranslate2 adds no special token itself for these models).

A folder may also hold ``publisher-model.json`` ({"name", "version", "test_fixture",
"note"}) naming the model; the test fixtures use it to say they are fixtures.

Nothing here imports ctranslate2 or sentencepiece: detection reads file names, JSON and
the vocabulary only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..document import ModelError

ARGOS = "argos"
MARIAN = "marian"
M2M100 = "m2m100"
NLLB = "nllb"

KIND_LABELS = {
    ARGOS: "Argos Translate package",
    MARIAN: "OPUS-MT Marian (CTranslate2)",
    M2M100: "M2M-100 (CTranslate2)",
    NLLB: "NLLB (CTranslate2)",
}

INFO_FILE = "publisher-model.json"
# SentencePiece model file names the M2M-100/NLLB Hugging Face repositories use.
MULTILINGUAL_SPM = ("sentencepiece.bpe.model", "spm.model", "sentencepiece.model")
_VOCABULARIES = ("shared_vocabulary.json", "shared_vocabulary.txt", "target_vocabulary.json", "target_vocabulary.txt")

WHAT_WE_TAKE = (
    "publisher takes an Argos package (.argosmodel or its folder), or a CTranslate2 model folder "
    "converted from OPUS-MT Marian (with source.spm and target.spm) or from M2M-100/NLLB "
    "(with sentencepiece.bpe.model)"
)


@dataclass(frozen=True)
class ModelLayout:
    """Where a model's parts are and how a sentence is framed for it."""

    kind: str
    root: Path  # the folder detected
    model_dir: Path  # the CTranslate2 model folder
    source_spm: Path
    target_spm: Path
    source_prefix: tuple[str, ...] = ()
    source_suffix: tuple[str, ...] = ()
    target_prefix: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


def _listing(folder: Path) -> str:
    try:
        names = sorted(p.name + ("/" if p.is_dir() else "") for p in folder.iterdir())
    except OSError as exc:
        return f"an unreadable folder ({exc.strerror or exc})"
    if not names:
        return "an empty folder"
    shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
    return shown


def _vocabulary(model_dir: Path) -> set[str] | None:
    """The target (or shared) vocabulary of a CTranslate2 model, or None if there is none."""
    for name in _VOCABULARIES:
        path = model_dir / name
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ModelError(f"cannot read {path}: {exc}; convert the model again") from None
        if name.endswith(".json"):
            try:
                tokens = json.loads(text)
            except json.JSONDecodeError:
                raise ModelError(f"{path} is not valid JSON; convert the model again") from None
            if not isinstance(tokens, list):
                raise ModelError(f"{path} is not a token list; convert the model again")
            return {str(t) for t in tokens}
        return set(text.split("\n"))
    return None


def read_json_object(path: Path, advice: str = "") -> dict:
    """A model's JSON file that holds one object; ModelError in one line (ending in
    ``advice``, if given) when it cannot be read or holds something else."""
    tail = f"; {advice}" if advice else ""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"cannot read {path}: {exc}{tail}") from None
    if not isinstance(data, dict):
        raise ModelError(f"{path} is not a JSON object{tail}")
    return data


def read_info(folder: Path) -> dict:
    """The optional ``publisher-model.json`` of a CTranslate2 folder ({} when absent)."""
    path = folder / INFO_FILE
    return read_json_object(path) if path.is_file() else {}


def detect(folder: Path) -> ModelLayout:
    """The layout of the model in ``folder``; ModelError in one line saying what was found."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ModelError(f"{folder} is not a folder; {WHAT_WE_TAKE}")
    if (folder / "metadata.json").is_file():
        return ModelLayout(ARGOS, folder, folder / "model", folder / "sentencepiece.model", folder / "sentencepiece.model")
    found = _listing(folder)
    if not (folder / "model.bin").is_file():
        raise ModelError(f"{folder} holds no model (found: {found}); {WHAT_WE_TAKE}")
    if not (folder / "config.json").is_file():
        raise ModelError(f"{folder} has model.bin but no CTranslate2 config.json (found: {found}); convert the model again")
    vocab = _vocabulary(folder)
    if vocab is None:
        raise ModelError(f"{folder} has model.bin but no vocabulary file (found: {found}); convert the model again")
    if (folder / "source.spm").is_file() and (folder / "target.spm").is_file():
        if "</s>" not in vocab:
            raise ModelError(f"{folder} has source.spm/target.spm but its vocabulary has no '</s>': not a converted Marian model")
        return ModelLayout(MARIAN, folder, folder, folder / "source.spm", folder / "target.spm", source_suffix=("</s>",))
    spm = next((folder / n for n in MULTILINGUAL_SPM if (folder / n).is_file()), None)
    if "__ko__" in vocab or "__en__" in vocab:
        kind, src_tok, tgt_tok = M2M100, "__ko__", "__en__"
    elif "kor_Hang" in vocab or "eng_Latn" in vocab:
        kind, src_tok, tgt_tok = NLLB, "kor_Hang", "eng_Latn"
    else:
        marian_half = [n for n in ("source.spm", "target.spm") if (folder / n).is_file()]
        hint = f"only {marian_half[0]} of a Marian model's source.spm/target.spm" if marian_half else (
            "neither Marian's source.spm/target.spm nor M2M-100/NLLB language tokens")
        raise ModelError(f"{folder} is a CTranslate2 model with {hint} (found: {found}); {WHAT_WE_TAKE}")
    missing_lang = [t for t in (src_tok, tgt_tok) if t not in vocab]
    if missing_lang:
        raise ModelError(f"{folder} is a {KIND_LABELS[kind]} model whose vocabulary lacks {', '.join(missing_lang)}: it cannot translate ko->en")
    if spm is None:
        raise ModelError(
            f"{folder} is a {KIND_LABELS[kind]} model without its SentencePiece model (found: {found}); "
            "convert it again with --copy_files sentencepiece.bpe.model"
        )
    return ModelLayout(kind, folder, folder, spm, spm, source_prefix=(src_tok,), source_suffix=("</s>",), target_prefix=(tgt_tok,))
