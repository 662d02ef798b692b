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
t5        model.bin, config.json, vocabulary with     pieces of           (none; the
          ``<2en>``, spiece.model (SentencePiece)     ``"<2en> " + text`` decoder starts
                                                      ``</s>``            from ``<pad>``)
llm       model.bin, config.json, tokenizer.json,     the chat template   (generated after
          a chat template (tokenizer_config.json's    rendered over the   the prompt)
          ``chat_template`` or chat_template.jinja)   prompt (prompts.py)
========  ==========================================  ==================  ===============

``t5`` is a T5-family multilingual model such as MADLAD-400, whose target language is
chosen by a ``<2xx>`` tag written before the text. ``llm`` is a decoder-only instruction
model (Qwen2.5-Instruct, say) that CTranslate2's ``Generator`` runs; its Hugging Face
``tokenizer.json`` is read with the ``tokenizers`` library and its chat template rendered
with jinja2, as the model's ``tokenizer_config.json`` defines it (no torch, no transformers).

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
T5 = "t5"
LLM = "llm"

KIND_LABELS = {
    ARGOS: "Argos Translate package",
    MARIAN: "OPUS-MT Marian (CTranslate2)",
    M2M100: "M2M-100 (CTranslate2)",
    NLLB: "NLLB (CTranslate2)",
    T5: "T5 / MADLAD-400 (CTranslate2)",
    LLM: "decoder-only LLM (CTranslate2 Generator)",
}
GENERATOR_KINDS = frozenset({LLM})  # run by ctranslate2.Generator, not Translator

INFO_FILE = "publisher-model.json"
# SentencePiece model file names the M2M-100/NLLB Hugging Face repositories use.
MULTILINGUAL_SPM = ("sentencepiece.bpe.model", "spm.model", "sentencepiece.model")
T5_SPM = ("spiece.model", "sentencepiece.model", "spm.model")
T5_TARGET_TAG = "<2en>"
CHAT_TEMPLATE_FILE = "chat_template.jinja"
_VOCABULARIES = ("shared_vocabulary.json", "shared_vocabulary.txt", "target_vocabulary.json", "target_vocabulary.txt")

WHAT_WE_TAKE = (
    "publisher takes an Argos package (.argosmodel or its folder), or a CTranslate2 model folder "
    "converted from OPUS-MT Marian (with source.spm and target.spm) or from M2M-100/NLLB "
    "(with sentencepiece.bpe.model), from a T5-family model such as MADLAD-400 (with spiece.model and <2en>), "
    "or from a decoder-only instruction model (with tokenizer.json and a chat template)"
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
    source_text_prefix: str = ""  # written before the text, then tokenized (t5: "<2en> ")
    tokenizer: Path | None = None  # llm: the Hugging Face tokenizer.json
    chat_template: str | None = None  # llm: the model's own chat template (jinja2 text)
    special_tokens: tuple[tuple[str, str], ...] = ()  # llm: bos_token/eos_token... the template may use

    @property
    def generator(self) -> bool:
        """Run by ctranslate2.Generator (a decoder-only model), not by Translator."""
        return self.kind in GENERATOR_KINDS

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
    if (folder / "tokenizer.json").is_file() and _chat_template(folder) is not None:
        return _llm_layout(folder)
    vocab = _vocabulary(folder)
    if vocab is None:
        raise ModelError(f"{folder} has model.bin but no vocabulary file (found: {found}); convert the model again")
    if (folder / "source.spm").is_file() and (folder / "target.spm").is_file():
        if "</s>" not in vocab:
            raise ModelError(f"{folder} has source.spm/target.spm but its vocabulary has no '</s>': not a converted Marian model")
        return ModelLayout(MARIAN, folder, folder, folder / "source.spm", folder / "target.spm", source_suffix=("</s>",))
    if T5_TARGET_TAG in vocab:
        t5_spm = next((folder / n for n in T5_SPM if (folder / n).is_file()), None)
        if t5_spm is None:
            raise ModelError(
                f"{folder} is a {KIND_LABELS[T5]} model without its SentencePiece model (found: {found}); "
                "convert it again with --copy_files spiece.model"
            )
        return ModelLayout(T5, folder, folder, t5_spm, t5_spm, source_suffix=("</s>",), source_text_prefix=f"{T5_TARGET_TAG} ")
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


def _chat_template(folder: Path) -> str | None:
    """The model's chat template: ``chat_template.jinja``, else ``tokenizer_config.json``'s
    ``chat_template`` (a string, or a list of named templates of which "default" is taken)."""
    jinja = folder / CHAT_TEMPLATE_FILE
    if jinja.is_file():
        try:
            return jinja.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ModelError(f"cannot read {jinja}: {exc}; convert the model again") from None
    config = folder / "tokenizer_config.json"
    if not config.is_file():
        return None
    template = read_json_object(config, "convert the model again with --copy_files tokenizer_config.json").get("chat_template")
    if isinstance(template, list):
        named = {t.get("name"): t.get("template") for t in template if isinstance(t, dict)}
        template = named.get("default")
    return template if isinstance(template, str) and template.strip() else None


def _llm_layout(folder: Path) -> ModelLayout:
    special: dict[str, str] = {}
    config = folder / "tokenizer_config.json"
    if config.is_file():
        for name, value in read_json_object(config).items():
            if name in ("bos_token", "eos_token", "pad_token", "unk_token"):
                if isinstance(value, dict):  # {"content": "<|im_end|>", ...}
                    value = value.get("content")
                if isinstance(value, str):
                    special[name] = value
    tok = folder / "tokenizer.json"
    return ModelLayout(
        LLM, folder, folder, tok, tok, tokenizer=tok, chat_template=_chat_template(folder),
        special_tokens=tuple(sorted(special.items())),
    )
