"""Translate segments offline: argos package tokenizer + one CTranslate2 translator.

All segments of a run (every article, every block kind) are collected, de-duplicated and
looked up in the translation memory; only the misses go to the model, in *one*
``translate_batch`` call (CTranslate2 sorts them by length and cuts them into batches of
``max_batch_tokens`` tokens). Decoding is bounded per segment to
``length_ratio * source tokens + length_extra`` tokens, so a model caught in a loop stops
early instead of writing hundreds of tokens.

Footnote markers ``[n]``, URLs and emails never reach the model: URLs and emails are
replaced by placeholders (``URL1``, ``EMAIL1``) that are swapped back afterwards (or
appended when the model dropped them), markers are re-attached after the Latin word they
followed in the source when that word is in the English, else at the end of the sentence.

Glossary terms are replaced by their English form before translation and checked for
afterwards; every segment gets quality flags from ``checks.check_segment``.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .article import ORIGIN_EDITED, ORIGIN_MACHINE, ORIGIN_MEMORY, Article, InputError, ModelError
from .checks import check_segment
from .glossary import Glossary, GlossaryEntry
from .memory import normalize_source
from .text import LINK_RE, MARKER_WITH_SPACE_RE, needs_translation

log = logging.getLogger(__name__)


def _default_threads() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


@dataclass(frozen=True)
class TranslateSettings:
    """Decoding settings. Defaults are tuned for a 2-core CPU (see tests/bench/bench_translate.py).

    ``beam_size`` 1 (greedy) is the default: it is the fastest, and it is the only mode in
    which CTranslate2 lets each segment stop at its own length bound inside one batched
    call (a per-token callback). With ``beam_size`` > 1 the bound of the longest segment
    applies to the whole call.
    """

    beam_size: int = 1
    device: str = "cpu"
    compute_type: str = "int8"  # falls back to "default" when the CPU lacks int8 support
    inter_threads: int = 1
    intra_threads: int = field(default_factory=_default_threads)
    max_batch_tokens: int = 4096  # CTranslate2 batch_type="tokens"; 4096 beat 512-2048 in the bench
    length_ratio: float = 2.0  # max output tokens = length_ratio * input tokens + length_extra
    length_extra: int = 10
    max_decoding_length: int = 256  # hard cap
    repetition_penalty: float = 1.0
    no_repeat_ngram_size: int = 0
    length_penalty: float = 1.0
    replace_unknowns: bool = True

    def __post_init__(self) -> None:
        problems = []
        if self.beam_size < 1:
            problems.append("beam_size must be at least 1")
        if self.intra_threads < 0 or self.inter_threads < 1:
            problems.append("threads must be positive")
        if self.max_batch_tokens < 1:
            problems.append("max_batch_tokens must be at least 1")
        if self.length_ratio < 0 or self.length_extra < 1 or self.max_decoding_length < 1:
            problems.append("the length bound must allow at least one token")
        if problems:
            raise InputError("bad translation settings: " + "; ".join(problems))

    @property
    def output_key(self) -> str:
        """The settings that change what the model writes (threads and batching do not)."""
        return (
            f"beam={self.beam_size};ct={self.compute_type};len={self.length_ratio}*n+{self.length_extra}"
            f"<={self.max_decoding_length};rep={self.repetition_penalty};nrng={self.no_repeat_ngram_size};"
            f"lp={self.length_penalty};unk={int(self.replace_unknowns)}"
        )

    def bound(self, n_tokens: int) -> int:
        """Output-token bound for an input of ``n_tokens`` tokens."""
        return max(1, min(self.max_decoding_length, math.ceil(self.length_ratio * n_tokens + self.length_extra)))


# ------------------------------------------------------------------ protection

_MARKER = MARKER_WITH_SPACE_RE
_LINK = LINK_RE
_ANCHOR = re.compile(r"([A-Za-z][A-Za-z0-9+\-]*)\s?$")
_TERMINAL = re.compile(r"([.?!。…]+[\"'”’)\]]*)\s*$")
_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class Prepared:
    """A source segment made ready for the model."""

    model_input: str
    markers: tuple[tuple[str, str | None], ...] = ()  # ("[1]", anchor word or None)
    placeholders: tuple[tuple[str, str], ...] = ()  # ("URL1", "https://...")
    terms: tuple[GlossaryEntry, ...] = ()
    glossary_key: str = ""

    @property
    def needs_model(self) -> bool:
        # Hangul or Hanja: a headline written only in Hanja (與野 合意) goes to the model too.
        return needs_translation(self.model_input)


def prepare(text: str, glossary: Glossary | None = None) -> Prepared:
    """Take markers, URLs and emails out of ``text`` and apply the glossary."""
    text = normalize_source(text)
    placeholders: list[tuple[str, str]] = []

    def hold(m: re.Match) -> str:
        token = f"{'EMAIL' if m.group('email') else 'URL'}{len(placeholders) + 1}"
        placeholders.append((token, m.group(0)))
        return token

    work = _LINK.sub(hold, text)
    terms: tuple[GlossaryEntry, ...] = ()
    gkey = ""
    if glossary is not None and len(glossary):
        work, terms = glossary.apply(work)
        gkey = glossary.key_for(terms)
    markers: list[tuple[str, str | None]] = []
    out: list[str] = []
    last = 0
    for m in _MARKER.finditer(work):
        before = work[last : m.start()]
        out.append(before)
        anchor_m = _ANCHOR.search("".join(out))
        markers.append((f"[{m.group(1)}]", anchor_m.group(1) if anchor_m else None))
        last = m.end()
    out.append(work[last:])
    model_input = _WS.sub(" ", "".join(out)).strip()
    return Prepared(model_input, tuple(markers), tuple(placeholders), terms, gkey)


def restore(en: str, prep: Prepared) -> str:
    """Put placeholders' originals and footnote markers back into the English."""
    en = _WS.sub(" ", en).strip()
    for token, original in prep.placeholders:
        kind, num = re.match(r"([A-Z]+)(\d+)", token).groups()  # type: ignore[union-attr]
        pat = re.compile(rf"\b{kind}\s?[-_]?\s?{num}\b", re.IGNORECASE)
        if pat.search(en):
            en = pat.sub(lambda _m: original, en, count=1)
            en = pat.sub("", en)
        else:
            en = _insert_before_terminal(en, original)
    for marker, anchor in prep.markers:
        placed = False
        if anchor:
            for m in re.finditer(rf"(?<![A-Za-z0-9]){re.escape(anchor)}(?![A-Za-z0-9])", en, re.IGNORECASE):
                if not en.startswith("[", m.end()):
                    en = en[: m.end()] + marker + en[m.end() :]
                    placed = True
                    break
        if not placed:
            en = en + marker if en else marker
    return _WS.sub(" ", en).strip()


def _insert_before_terminal(en: str, text: str) -> str:
    m = _TERMINAL.search(en)
    if m and m.start() > 0:
        return f"{en[: m.start()].rstrip()} {text}{m.group(1)}"
    return f"{en} {text}".strip()


# ------------------------------------------------------------------ translator


@dataclass
class _Job:
    key: tuple[str, str]  # (normalised source, glossary key)
    source: str
    prep: Prepared
    en: str | None = None
    origin: str | None = None
    flags: tuple[str, ...] = ()


class Translator:
    """Translate articles with one lazily created CTranslate2 translator.

    ``model`` is a ``models.LoadedModel`` (``.info``, ``.model_dir``, ``.sp_model``);
    ``memory`` a ``memory.TranslationMemory`` or None; ``glossary`` a ``glossary.Glossary``
    or None. ``stats`` accumulates over the translator's lifetime.
    """

    def __init__(self, model, settings: TranslateSettings | None = None, memory=None, glossary: Glossary | None = None):
        self.model = model
        self.settings = settings or TranslateSettings()
        self.memory = memory
        self.glossary = glossary
        self._ct2 = None
        self._sp = None
        self._corrections: dict[str, str] = {}
        self.compute_type: str | None = None
        self.stats: dict = {
            "model_calls": 0,
            "segments_total": 0,
            "unique_sources": 0,
            "translated": 0,
            "translated_segments": 0,
            "from_memory": 0,
            "edited": 0,
            "copied": 0,
            "flagged": 0,
            "model_seconds": 0.0,
            "memory_error": None,
        }

    # ---------------------------------------------------------------- resources

    @property
    def model_key(self) -> str:
        """What the memory keys machine translations by: the model and the decoding settings.

        Translations made with other settings (say, beam 4 instead of greedy) are not reused.
        """
        if self.settings.output_key == TranslateSettings().output_key:
            return self.model.info.key  # the default settings keep the plain model key
        return f"{self.model.info.key}|{self.settings.output_key}"

    @property
    def memory_error(self) -> str | None:
        return getattr(self.memory, "error", None) if self.memory is not None else None

    def _sentencepiece(self):
        if self._sp is None:
            import sentencepiece as spm

            try:
                self._sp = spm.SentencePieceProcessor(model_file=str(self.model.sp_model))
            except (OSError, RuntimeError) as exc:
                raise ModelError(
                    f"cannot load the tokenizer {self.model.sp_model}: {exc}; reinstall the model with "
                    "'publisher models install --file PATH'"
                ) from None
        return self._sp

    def _translator(self):
        if self._ct2 is None:
            import ctranslate2

            s = self.settings
            compute_type = s.compute_type
            try:
                supported = ctranslate2.get_supported_compute_types(s.device)
            except (RuntimeError, ValueError):
                supported = set()
            if compute_type not in supported and compute_type not in ("default", "auto"):
                log.info("compute type %s not supported on %s; using default", compute_type, s.device)
                compute_type = "default"
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

    # ---------------------------------------------------------------- corrections

    def remember_corrections(self, corrections: Iterable, article: str | None = None) -> int:
        """Record editor corrections: used in this run and stored in the memory (origin "edited").

        Items are ``corrections.Correction`` objects (``.korean``, ``.english``) or
        ``(korean, english)`` pairs, filed in the memory under ``article``. Builds do not
        use this: they derive the memory's corrections from the files
        (``corrections.sync_memory``), so that taking a row out withdraws it. Returns how
        many were stored.
        """
        corrections = list(corrections)
        rows = []
        for c in corrections:
            if isinstance(c, tuple):
                ko, en = c[0], c[1]
                seg_id = None
            else:
                ko, en, seg_id = c.korean, c.english, getattr(c, "id", None)
            if not ko or not en:
                continue
            self._corrections[normalize_source(ko)] = en
            rows.append((ko, en, None, article, seg_id))
        if self.memory is not None and rows:
            n = self.memory.put_corrections(rows)
            self._note_memory()
            return n
        return 0

    def _note_memory(self) -> None:
        err = self.memory_error
        if err:
            self.stats["memory_error"] = err

    # ---------------------------------------------------------------- translation

    def translate_articles(self, articles: Sequence[Article]) -> list[Article]:
        """Fill ``en``, ``origin`` and ``flags`` of every segment of every article."""
        jobs: dict[tuple[str, str], _Job] = {}
        order: list[list[list[tuple[str, str] | None]]] = []  # per article, per block, per segment
        total = 0
        for article in articles:
            blocks_keys = []
            for block in article.blocks:
                seg_keys: list[tuple[str, str] | None] = []
                for seg in block.segments:
                    total += 1
                    if not seg.text or not seg.text.strip():
                        seg_keys.append(None)
                        continue
                    prep = prepare(seg.text, self.glossary)
                    key = (normalize_source(seg.text), prep.glossary_key)
                    if key not in jobs:
                        jobs[key] = _Job(key, seg.text, prep)
                    seg_keys.append(key)
                blocks_keys.append(seg_keys)
            order.append(blocks_keys)
        self.stats["segments_total"] += total
        self.stats["unique_sources"] += len(jobs)

        self._lookup(jobs)
        self._run_model([j for j in jobs.values() if j.en is None])
        for job in jobs.values():
            # The checks judge the machine's English; an editor's is taken as written
            # (the one rule for flags, see corrections.py).
            if job.origin != ORIGIN_EDITED:
                job.flags = check_segment(job.source, job.en or "", job.prep.terms, numbers_src=job.prep.model_input)

        out = []
        for article, blocks_keys in zip(articles, order):
            new_blocks = []
            for block, seg_keys in zip(article.blocks, blocks_keys):
                segs = []
                for seg, key in zip(block.segments, seg_keys):
                    if key is None:
                        segs.append(dataclasses.replace(seg, en="", flags=(), origin=ORIGIN_MACHINE))
                        continue
                    job = jobs[key]
                    segs.append(dataclasses.replace(seg, en=job.en, flags=job.flags, origin=job.origin))
                    self._count(job)
                new_blocks.append(dataclasses.replace(block, segments=tuple(segs)))
            out.append(dataclasses.replace(article, blocks=tuple(new_blocks)))
        return out

    def _count(self, job: _Job) -> None:
        if job.origin == ORIGIN_EDITED:
            self.stats["edited"] += 1
        elif job.origin == ORIGIN_MEMORY:
            self.stats["from_memory"] += 1
        elif job.prep.needs_model:
            self.stats["translated_segments"] += 1
        else:
            self.stats["copied"] += 1
        if job.flags:
            self.stats["flagged"] += 1

    def _lookup(self, jobs: dict[tuple[str, str], _Job]) -> None:
        for job in jobs.values():
            corrected = self._corrections.get(job.key[0])
            if corrected is not None:
                job.en, job.origin = corrected, ORIGIN_EDITED
        todo = [k for k, j in jobs.items() if j.en is None]
        if self.memory is not None and todo:
            hits = self.memory.get_many(self.model_key, todo)
            self._note_memory()
            for key, hit in hits.items():
                jobs[key].en, jobs[key].origin = hit.en, hit.origin
        for job in jobs.values():
            if job.en is None and not job.prep.needs_model:
                # Nothing left to translate (Latin text, numbers, a lone marker): copy it.
                job.en, job.origin = restore(job.prep.model_input, job.prep), ORIGIN_MACHINE

    def _run_model(self, misses: list[_Job]) -> None:
        if not misses:
            return
        inputs = sorted({j.prep.model_input for j in misses}, key=len)
        english = self.translate_texts(inputs)
        by_input = dict(zip(inputs, english))
        rows = []
        for job in misses:
            job.en = restore(by_input[job.prep.model_input], job.prep)
            job.origin = ORIGIN_MACHINE
            rows.append((job.key[0], job.key[1], job.en))
        if self.memory is not None:
            self.memory.put_many(self.model_key, rows)
            self._note_memory()

    def translate_texts(self, texts: list[str]) -> list[str]:
        """Raw model translation of already prepared texts, in ONE translate_batch call."""
        if not texts:
            return []
        sp = self._sentencepiece()
        translator = self._translator()
        tokens = sp.encode(list(texts), out_type=str)
        kwargs = self.decode_kwargs(tokens)
        start = time.perf_counter()
        results = translator.translate_batch(tokens, **kwargs)
        self.stats["model_seconds"] += time.perf_counter() - start
        self.stats["model_calls"] += 1
        self.stats["translated"] += len(texts)
        return [self._decode(r.hypotheses[0]) for r in results]

    def decode_kwargs(self, tokens: list[list[str]]) -> dict:
        """The keyword arguments of the translate_batch call for ``tokens`` (also used by the bench)."""
        return decode_kwargs(self.settings, tokens)

    def _decode(self, pieces: list[str]) -> str:
        text = self._sentencepiece().decode_pieces(list(pieces))
        return _WS.sub(" ", text.replace("\u2581", " ")).strip()


def decode_kwargs(settings: TranslateSettings, tokens: list[list[str]]) -> dict:
    """translate_batch arguments: batching, beam, and the per-segment length bound."""
    bounds = [settings.bound(len(t)) for t in tokens]
    kwargs = dict(
        max_batch_size=settings.max_batch_tokens,
        batch_type="tokens",
        beam_size=settings.beam_size,
        max_decoding_length=max(bounds) if bounds else settings.max_decoding_length,
        repetition_penalty=settings.repetition_penalty,
        no_repeat_ngram_size=settings.no_repeat_ngram_size,
        length_penalty=settings.length_penalty,
        replace_unknowns=settings.replace_unknowns,
    )
    if settings.beam_size == 1:
        # Greedy decoding: stop each segment at its own bound (batch_id is the input index).
        def stop_at_bound(step) -> bool:
            return step.step + 1 >= bounds[step.batch_id]

        kwargs["callback"] = stop_at_bound
    return kwargs
