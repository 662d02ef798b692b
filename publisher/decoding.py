"""Decoding settings and the translate_batch calls they make: pure configuration.

``TranslateSettings`` says how the model decodes (Argos Translate's beam 4 by default) and
bounds every segment's output to about ``length_ratio * source tokens + length_extra``
tokens, so a model caught in a loop stops early. :func:`plan_calls` turns settings and
source tokens into the ``translate_batch`` calls of one batched run: greedy in one call,
beam search in one call per length bucket. Batching and bucketing change no word of the
output (tests/test_parity.py). Nothing here loads a model; :mod:`publisher.engine` runs
these calls.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .document import InputError


def _default_threads() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


# Argos Translate 1.11's own decoding (argostranslate/translate.py, apply_packaged_translation,
# with its default settings ARGOS_BEAM_SIZE=4, ARGOS_BATCH_SIZE=32 and num_hypotheses=1 as
# used by translate()). Its call is replicated exactly by :func:`argos_call_kwargs`.
ARGOS_BEAM_SIZE = 4
ARGOS_LENGTH_PENALTY = 0.2
ARGOS_BATCH_SIZE = 32  # tokens (batch_type="tokens")
HYPOTHESIS_TOKENS = 4096  # our default batch: source tokens x beam size (TranslateSettings.batch_tokens)


def argos_call_kwargs(target_prefix: list[list[str]] | None = None) -> dict:
    """The keyword arguments of Argos's own translate_batch call (no length bound: CTranslate2's
    default max_decoding_length of 256 applies)."""
    return dict(
        target_prefix=target_prefix,
        replace_unknowns=True,
        max_batch_size=ARGOS_BATCH_SIZE,
        batch_type="tokens",
        beam_size=ARGOS_BEAM_SIZE,
        num_hypotheses=1,
        length_penalty=ARGOS_LENGTH_PENALTY,
        return_scores=True,
    )


@dataclass(frozen=True)
class TranslateSettings:
    """Decoding settings. The defaults decode as Argos Translate does (beam 4, length
    penalty 0.2, unknown tokens replaced by their source token); ``beam_size=1`` is
    greedy (``--fast``).

    Every segment gets its own output-length bound (``bound``), so a model caught in a
    loop stops early. With greedy decoding CTranslate2 enforces it per segment inside one
    call (a per-token callback); beam search has only a per-call ``max_decoding_length``,
    so segments are grouped by their bound and each group is one ``translate_batch`` call.
    Bounds are rounded up to a few steps (``bucket_growth``) so that an article needs a
    handful of calls rather than one per sentence length (tests/bench/bench_translate.py).

    This is the construction API the rest of the project (and the Ray runner) uses:
    keyword arguments only, all optional; ``TranslateSettings()`` is Argos's decoding,
    ``TranslateSettings(beam_size=1)`` greedy.
    """

    beam_size: int = ARGOS_BEAM_SIZE
    device: str = "cpu"
    compute_type: str = "int8"  # falls back to "default" when the CPU lacks int8 support
    inter_threads: int = 1
    intra_threads: int = field(default_factory=_default_threads)
    # CTranslate2 batch_type="tokens". None: HYPOTHESIS_TOKENS // beam_size (see batch_tokens).
    max_batch_tokens: int | None = None
    length_ratio: float = 2.0  # max output tokens = length_ratio * input tokens + length_extra
    length_extra: int = 10
    max_decoding_length: int = 256  # hard cap (CTranslate2's default, which Argos uses)
    bucket_growth: float = 1.5  # bounds are rounded up to 16, 24, 36, 54, ... (1.0: exact bounds)
    repetition_penalty: float = 1.0
    no_repeat_ngram_size: int = 0
    length_penalty: float = ARGOS_LENGTH_PENALTY
    replace_unknowns: bool = True

    def __post_init__(self) -> None:
        problems = []
        if self.beam_size < 1:
            problems.append("beam_size must be at least 1")
        if self.intra_threads < 0 or self.inter_threads < 1:
            problems.append("threads must be positive")
        if self.max_batch_tokens is not None and self.max_batch_tokens < 1:
            problems.append("max_batch_tokens must be at least 1")
        if self.length_ratio < 0 or self.length_extra < 1 or self.max_decoding_length < 1:
            problems.append("the length bound must allow at least one token")
        if self.bucket_growth < 1.0:
            problems.append("bucket_growth must be at least 1.0")
        if problems:
            raise InputError("bad translation settings: " + "; ".join(problems))

    @property
    def batch_tokens(self) -> int:
        """Source tokens per translate_batch batch: ``max_batch_tokens``, or by default 4096
        divided by the beam size. Beam search decodes ``beam_size`` hypotheses per segment,
        so this keeps the hypotheses' tokens, which decide the decoder's memory, the same:
        measured on a Transformer-base with 2 threads (20 generated articles, beam 4), 4096
        source tokens took 72 s and peaked at 2.06 GB, 1024 took 52 s and 1.21 GB; greedy is
        fastest at 4096 (26 s against 28 s at 1024)."""
        if self.max_batch_tokens is not None:
            return self.max_batch_tokens
        return max(1, HYPOTHESIS_TOKENS // self.beam_size)

    @property
    def decoding_name(self) -> str:
        """A short human name: "beam 4 (Argos)" or "greedy (--fast)"."""
        if self.beam_size == 1:
            return "greedy (--fast)"
        argos = self.beam_size == ARGOS_BEAM_SIZE and self.length_penalty == ARGOS_LENGTH_PENALTY and self.replace_unknowns
        return f"beam {self.beam_size}" + (" (Argos)" if argos else "")

    @property
    def output_key(self) -> str:
        """The settings that change what the model writes (threads and batching do not)."""
        return (
            f"beam={self.beam_size};ct={self.compute_type};len={self.length_ratio}*n+{self.length_extra}"
            f"<={self.max_decoding_length}/{self.bucket_growth};rep={self.repetition_penalty};"
            f"nrng={self.no_repeat_ngram_size};lp={self.length_penalty};unk={int(self.replace_unknowns)}"
        )

    def bound(self, n_tokens: int) -> int:
        """Output-token bound for an input of ``n_tokens`` tokens."""
        raw = max(1, min(self.max_decoding_length, math.ceil(self.length_ratio * n_tokens + self.length_extra)))
        if self.bucket_growth <= 1.0:
            return raw
        edge = 16.0
        while edge < raw:
            edge *= self.bucket_growth
        return min(self.max_decoding_length, max(raw, math.ceil(edge)))


_LANGUAGE_CODE = re.compile(r"[a-z]{3}_[A-Z][a-z]{3}")  # NLLB's eng_Latn, kor_Hang


def _framing(tokens: list[str]) -> int:
    """How many of ``tokens`` are special framing tokens (language codes, </s>), not text."""
    return sum(1 for t in tokens if t == "</s>" or (t.startswith("__") and t.endswith("__")) or _LANGUAGE_CODE.fullmatch(t))


def segment_bounds(settings: TranslateSettings, tokens: list[list[str]], prefix_len: int = 0) -> list[int]:
    """Each segment's output-token bound (its text pieces decide it; a target prefix is added)."""
    return [settings.bound(len(t) - _framing(t)) + prefix_len for t in tokens]


def decode_kwargs(settings: TranslateSettings, tokens: list[list[str]], prefix_len: int = 0) -> dict:
    """translate_batch arguments for one call over ``tokens``: batching, decoding, length bound.

    Greedy: each segment stops at its own bound (a per-token callback; ``batch_id`` is the
    index in ``tokens``). Beam search: ``max_decoding_length`` is the largest bound of the call.
    """
    bounds = segment_bounds(settings, tokens, prefix_len)
    kwargs = dict(
        max_batch_size=settings.batch_tokens,
        batch_type="tokens",
        beam_size=settings.beam_size,
        num_hypotheses=1,
        max_decoding_length=max(bounds) if bounds else settings.max_decoding_length,
        repetition_penalty=settings.repetition_penalty,
        no_repeat_ngram_size=settings.no_repeat_ngram_size,
        length_penalty=settings.length_penalty,
        replace_unknowns=settings.replace_unknowns,
    )
    if settings.beam_size == 1:
        def stop_at_bound(step) -> bool:
            return step.step + 1 >= bounds[step.batch_id]

        kwargs["callback"] = stop_at_bound
    return kwargs


def plan_calls(settings: TranslateSettings, tokens: list[list[str]], prefix: Sequence[str] = ()) -> list[tuple[list[int], dict]]:
    """The translate_batch calls for ``tokens``: (indices into tokens, keyword arguments).

    Greedy: one call. Beam search: one call per distinct bound, shortest first, so that no
    segment decodes past its own bound.
    """
    if not tokens:
        return []
    if settings.beam_size == 1:
        return [(list(range(len(tokens))), decode_kwargs(settings, tokens, len(prefix)))]
    groups: dict[int, list[int]] = {}
    for i, b in enumerate(segment_bounds(settings, tokens, len(prefix))):
        groups.setdefault(b, []).append(i)
    return [(idx, decode_kwargs(settings, [tokens[i] for i in idx], len(prefix))) for _, idx in sorted(groups.items())]
