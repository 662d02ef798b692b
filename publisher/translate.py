"""Translate segments offline: the model's SentencePiece tokenizer + one CTranslate2 translator.

All segments of a run (every article, every block kind) are collected, de-duplicated and
looked up in the translation memory; only the misses go to the model, batched together
(CTranslate2 sorts them by length and cuts them into batches of ``batch_tokens``
tokens: 4096 hypothesis tokens, so 1024 source tokens under beam 4). Decoding is Argos
Translate's own by default (beam 4, length penalty 0.2, unknowns replaced;
``TranslateSettings.fast()`` is greedy) and bounded per segment to
about ``length_ratio * source tokens + length_extra`` tokens, so a model caught in a loop
stops early instead of writing hundreds of tokens: greedy in one call, beam search in one
call per length bucket. Batching and bucketing change no word of the output: the tests
compare it with one Argos-style call per sentence (tests/test_translate.py, ``make parity``).

The model may be an Argos package or a CTranslate2 folder converted from OPUS-MT (Marian),
M2M-100 or NLLB (``model.layout``, see :mod:`publisher.models.kinds`): the kind decides
the source framing tokens, the target prefix and the target tokenizer.

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

from .document import ORIGIN_EDITED, ORIGIN_MACHINE, ORIGIN_MEMORY, Article, InputError, ModelError
from .checks import check_segment
from .glossary import Glossary, GlossaryEntry
from .text import LINK_RE, MARKER_WITH_SPACE_RE, needs_translation, normalize_text

log = logging.getLogger(__name__)


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
    penalty 0.2, unknown tokens replaced by their source token); :meth:`fast` is greedy.

    Every segment gets its own output-length bound (``bound``), so a model caught in a
    loop stops early. With greedy decoding CTranslate2 enforces it per segment inside one
    call (a per-token callback); beam search has only a per-call ``max_decoding_length``,
    so segments are grouped by their bound and each group is one ``translate_batch`` call.
    Bounds are rounded up to a few steps (``bucket_growth``) so that an article needs a
    handful of calls rather than one per sentence length (tests/bench/bench_translate.py).

    This is the construction API the rest of the project (and the Ray runner) uses:
    keyword arguments only, all optional; ``TranslateSettings()`` is Argos's decoding,
    ``TranslateSettings.fast()`` greedy.
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

    @classmethod
    def fast(cls, **changes) -> "TranslateSettings":
        """Greedy decoding: about 2-3x faster than beam 4, for quick previews."""
        return cls(**{"beam_size": 1, **changes})

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
    text = normalize_text(text)
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


@dataclass
class TranslationStats:
    """What a translator did over its lifetime (a build reports it as ``BuildReport.translation``)."""

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
        self._sp_target = None
        self._corrections: dict[str, str] = {}
        self.compute_type: str | None = None
        self.stats = TranslationStats()

    # ---------------------------------------------------------------- resources

    @property
    def model_key(self) -> str:
        """What the memory keys machine translations by: the model (kind, name, checksum) and
        the decoding settings. Translations made otherwise (say, greedy) are not reused."""
        return f"{self.model.info.key}|{self.settings.output_key}"

    @property
    def layout(self):
        """How sentences are framed for this model (None: an Argos package)."""
        return getattr(self.model, "layout", None)

    @property
    def memory_error(self) -> str | None:
        return getattr(self.memory, "error", None) if self.memory is not None else None

    def _sentencepiece(self):
        """The source-side SentencePiece model."""
        if self._sp is None:
            self._sp = _load_spm(self.model.sp_model)
        return self._sp

    def _target_sentencepiece(self):
        """The target-side SentencePiece model (a Marian model has its own; others share one)."""
        layout = self.layout
        if layout is None or layout.target_spm == layout.source_spm:
            return self._sentencepiece()
        if self._sp_target is None:
            self._sp_target = _load_spm(layout.target_spm)
        return self._sp_target

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
            self._corrections[normalize_text(ko)] = en
            rows.append((ko, en, None, article, seg_id))
        if self.memory is not None and rows:
            n = self.memory.put_corrections(rows)
            self._note_memory()
            return n
        return 0

    def _note_memory(self) -> None:
        err = self.memory_error
        if err:
            self.stats.memory_error = err

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
                    key = (normalize_text(seg.text), prep.glossary_key)
                    if key not in jobs:
                        jobs[key] = _Job(key, seg.text, prep)
                    seg_keys.append(key)
                blocks_keys.append(seg_keys)
            order.append(blocks_keys)
        self.stats.segments_total += total

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
            self.stats.edited += 1
        elif job.origin == ORIGIN_MEMORY:
            self.stats.from_memory += 1
        elif job.prep.needs_model:
            self.stats.translated_segments += 1
        else:
            self.stats.copied += 1
        if job.flags:
            self.stats.flagged += 1

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
        """Raw model translation of already prepared texts, batched over all of them.

        Greedy: one translate_batch call, each segment stopped at its own bound. Beam
        search: one call per length bucket (see :class:`TranslateSettings`)."""
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
                self.stats.output_tokens += len(result.hypotheses[0])
            self.stats.decode_calls += 1
        self.stats.model_seconds += time.perf_counter() - start
        self.stats.model_calls += 1
        self.stats.translated += len(texts)
        return [self.decode(h or []) for h in hyps]

    def encode(self, texts: Sequence[str]) -> list[list[str]]:
        """Source tokens as the model expects them (pieces framed by the kind's special tokens)."""
        pieces = self._sentencepiece().encode(list(texts), out_type=str)
        layout = self.layout
        if layout is None or not (layout.source_prefix or layout.source_suffix):
            return pieces
        return [[*layout.source_prefix, *p, *layout.source_suffix] for p in pieces]

    def target_prefix(self) -> tuple[str, ...]:
        layout = self.layout
        return tuple(layout.target_prefix) if layout is not None else ()

    def decode_kwargs(self, tokens: list[list[str]]) -> dict:
        """The keyword arguments of one translate_batch call for ``tokens`` (used by the bench)."""
        return decode_kwargs(self.settings, tokens)

    def decode(self, pieces: Sequence[str]) -> str:
        """English text of output tokens (a target prefix such as ``__en__`` removed)."""
        prefix = self.target_prefix()
        pieces = list(pieces)
        if prefix and pieces[: len(prefix)] == list(prefix):
            pieces = pieces[len(prefix) :]
        text = self._target_sentencepiece().decode_pieces(pieces)
        return _WS.sub(" ", text.replace("\u2581", " ")).strip()

    _decode = decode  # the earlier private name


def _load_spm(path):
    import sentencepiece as spm

    try:
        return spm.SentencePieceProcessor(model_file=str(path))
    except (OSError, RuntimeError) as exc:
        raise ModelError(
            f"cannot load the tokenizer {path}: {exc}; reinstall the model with "
            "'publisher models install --file PATH'"
        ) from None


def _framing(tokens: list[str]) -> int:
    """How many of ``tokens`` are special framing tokens (language codes, </s>), not text."""
    return sum(1 for t in tokens if t == "</s>" or (t.startswith("__") and t.endswith("__")) or re.fullmatch(r"[a-z]{3}_[A-Z][a-z]{3}", t))


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
