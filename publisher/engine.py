"""The translation engine: a model that turns prepared source texts into raw English.

:class:`Engine` is all that :class:`publisher.translate.Translator` (memory, glossary,
markers, flags) needs of a model: its identity, its decoding settings and one batched call.
:class:`CT2Engine` is the local one: the model's SentencePiece tokenizer(s) and one
lazily created CTranslate2 translator. The Ray executor's actor pool is another engine
(``PoolEngine``), whose actors each run a ``CT2Engine``.

The model may be an Argos package or a CTranslate2 folder converted from OPUS-MT (Marian),
M2M-100 or NLLB (``model.layout``, see :mod:`publisher.models.kinds`): the kind decides
the source framing tokens, the target prefix and the target tokenizer. CTranslate2 and
SentencePiece are imported when the model is first used, so that ``publisher --help``
stays fast.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from .decoding import TranslateSettings, plan_calls
from .document import ModelError, ModelInfo
from .models import LoadedModel

log = logging.getLogger(__name__)

_WS = re.compile(r"\s+")


@dataclass
class TranslationStats:
    """What a translator did over its lifetime (a build reports it as ``BuildReport.translation``).

    The engine adds what it sent to the model (``model_calls`` to ``model_seconds``); the
    translator counts where each segment's English came from.
    """

    model_calls: int = 0  # batched runs over all misses (one per translate_articles)
    decode_calls: int = 0  # translate_batch calls they made (one per length bucket under beam search)
    output_tokens: int = 0
    segments_total: int = 0
    translated: int = 0  # distinct sources the model translated
    translated_segments: int = 0  # segments whose English came from the model in this run
    from_memory: int = 0
    edited: int = 0
    copied: int = 0  # segments that needed no translation (numbers, names in Latin script)
    flagged: int = 0
    model_seconds: float = 0.0
    memory_error: str | None = None

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def total(cls, parts: Iterable[TranslationStats]) -> TranslationStats:
        """The sum of several translators' stats (the last memory error is kept)."""
        out = cls()
        for part in parts:
            for f in dataclasses.fields(cls):
                value = getattr(part, f.name)
                if f.name == "memory_error":
                    out.memory_error = value or out.memory_error
                else:
                    setattr(out, f.name, getattr(out, f.name) + value)
        return out


class Engine(Protocol):
    """What the orchestration needs of a model."""

    @property
    def info(self) -> ModelInfo:
        """The model's identity (``.key`` keys the translation memory, ``.test_fixture``...)."""

    @property
    def settings(self) -> TranslateSettings:
        """How it decodes (``.output_key`` keys the translation memory too)."""

    def translate_texts(self, texts: list[str], stats: TranslationStats) -> list[str]:
        """Raw English for already prepared model inputs, batched over all of them; adds to
        ``stats`` what was sent: ``model_calls``, ``decode_calls``, ``output_tokens``,
        ``translated`` (texts sent to the model) and ``model_seconds``."""


class CT2Engine:
    """A model on this machine: SentencePiece tokenizer(s) + one CTranslate2 translator,
    both loaded on the first call (an engine that is never asked loads nothing).

    ``compute_type`` is the one CTranslate2 got (None until the model is loaded): int8 falls
    back to "default" on a CPU without int8 support.
    """

    def __init__(self, model: LoadedModel, settings: TranslateSettings | None = None) -> None:
        self.model = model
        self.settings = settings or TranslateSettings()
        self.compute_type: str | None = None
        self._ct2 = None
        self._sp = None
        self._sp_target = None

    @property
    def info(self) -> ModelInfo:
        return self.model.info

    def translate_texts(self, texts: list[str], stats: TranslationStats) -> list[str]:
        """Raw model translation of already prepared texts, batched over all of them.

        Greedy: one translate_batch call, each segment stopped at its own bound. Beam
        search: one call per length bucket (see :func:`publisher.decoding.plan_calls`)."""
        if not texts:
            return []
        translator = self._translator()
        tokens = self.encode(texts)
        prefix = self.target_prefix()
        start = time.perf_counter()
        hyps: list[list[str] | None] = [None] * len(tokens)
        for indices, kwargs in plan_calls(self.settings, tokens, prefix):
            batch = [tokens[i] for i in indices]
            if prefix:
                kwargs["target_prefix"] = [list(prefix)] * len(batch)
            for i, result in zip(indices, translator.translate_batch(batch, **kwargs)):
                hyps[i] = result.hypotheses[0]
                stats.output_tokens += len(result.hypotheses[0])
            stats.decode_calls += 1
        stats.model_seconds += time.perf_counter() - start
        stats.model_calls += 1
        stats.translated += len(texts)
        return [self.decode(h or []) for h in hyps]

    def encode(self, texts: Sequence[str]) -> list[list[str]]:
        """Source tokens as the model expects them (pieces framed by the kind's special tokens)."""
        layout = self.model.layout
        if layout is not None and layout.source_text_prefix:  # t5: "<2en> " + text
            texts = [layout.source_text_prefix + t for t in texts]
        pieces = self._sentencepiece().encode(list(texts), out_type=str)
        if layout is None or not (layout.source_prefix or layout.source_suffix):
            return pieces
        return [[*layout.source_prefix, *p, *layout.source_suffix] for p in pieces]

    def target_prefix(self) -> tuple[str, ...]:
        layout = self.model.layout
        return tuple(layout.target_prefix) if layout is not None else ()

    def decode(self, pieces: Sequence[str]) -> str:
        """English text of output tokens (a target prefix such as ``__en__`` removed)."""
        prefix = self.target_prefix()
        pieces = list(pieces)
        if prefix and pieces[: len(prefix)] == list(prefix):
            pieces = pieces[len(prefix) :]
        text = self._target_sentencepiece().decode_pieces(pieces)
        return _WS.sub(" ", text.replace("\u2581", " ")).strip()

    # ---------------------------------------------------------------- resources, loaded once

    def _sentencepiece(self):
        """The source-side SentencePiece model."""
        if self._sp is None:
            self._sp = _load_spm(self.model.sp_model)
        return self._sp

    def _target_sentencepiece(self):
        """The target-side SentencePiece model (a Marian model has its own; others share one)."""
        layout = self.model.layout
        if layout is None or layout.target_spm == layout.source_spm:
            return self._sentencepiece()
        if self._sp_target is None:
            self._sp_target = _load_spm(layout.target_spm)
        return self._sp_target

    def _translator(self):
        """The CTranslate2 translator, created on first use."""
        if self._ct2 is None:
            import ctranslate2

            s = self.settings
            compute_type = usable_compute_type(s)
            try:
                self._ct2 = ctranslate2.Translator(
                    str(self.model.model_dir),
                    device=s.device,
                    compute_type=compute_type,
                    inter_threads=s.inter_threads,
                    intra_threads=s.intra_threads,
                )
            except (RuntimeError, ValueError, OSError) as exc:
                raise ModelError(
                    f"cannot load the translation model in {self.model.model_dir}: {exc}; reinstall it with "
                    "'publisher models install --file PATH'"
                ) from None
            self.compute_type = compute_type
        return self._ct2


def usable_compute_type(settings: TranslateSettings) -> str:
    """The settings' compute type, or "default" where this CPU (or device) does not support it:
    int8 falls back on a CPU without int8 kernels."""
    import ctranslate2

    try:
        supported = ctranslate2.get_supported_compute_types(settings.device)
    except (RuntimeError, ValueError):
        supported = set()
    if settings.compute_type not in supported and settings.compute_type not in ("default", "auto"):
        log.info("compute type %s not supported on %s; using default", settings.compute_type, settings.device)
        return "default"
    return settings.compute_type


def open_engine(model: LoadedModel, settings: TranslateSettings | None = None) -> Engine:
    """The engine for ``model``'s kind: a CTranslate2 Translator (Argos, Marian, M2M-100, NLLB,
    T5) or, for a decoder-only model, a Generator with its chat template."""
    if model.layout is not None and model.layout.generator:
        from .llm import GeneratorEngine

        return GeneratorEngine(model, settings)
    return CT2Engine(model, settings)


def _load_spm(path):
    import sentencepiece as spm

    try:
        return spm.SentencePieceProcessor(model_file=str(path))
    except (OSError, RuntimeError) as exc:
        raise ModelError(
            f"cannot load the tokenizer {path}: {exc}; reinstall the model with "
            "'publisher models install --file PATH'"
        ) from None
