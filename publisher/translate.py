"""Translate articles: protect what the model must not see, ask the engine, put it back.

All segments of a run (every article, every block kind) are collected, de-duplicated and
looked up in the translation memory; only the misses go to the engine
(:mod:`publisher.engine`), in one batched call. How the model decodes and batches is
:mod:`publisher.decoding`'s business; batching changes no word of the output (the tests
compare it with one Argos-style call per sentence: tests/test_parity.py, ``make parity``).

Footnote markers ``[n]``, URLs and emails never reach the model: URLs and emails are
replaced by placeholders (``URL1``, ``EMAIL1``) that are swapped back afterwards (or
appended when the model dropped them), markers are re-attached after the Latin word they
followed in the source when that word is in the English, else at the end of the sentence.

Glossary terms are replaced by their English form before translation and checked for
afterwards; every segment gets quality flags from ``checks.check_segment``.

An engine with a ``context_size`` (a decoder-only model, :mod:`publisher.llm`) translates
each segment with the segments before it in the same article, Korean and the English
already chosen for them. Its articles go in steps: step n asks the engine for segment n of
every article at once (one batch), so that segment n-1's English is known. The memory key
of such a segment holds a digest of its context: a changed earlier sentence re-translates
the ones after it, while an editor's correction (keyed by the source alone) still wins.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from .checks import check_segment
from .decoding import TranslateSettings
from .document import ORIGIN_EDITED, ORIGIN_MACHINE, ORIGIN_MEMORY, Article, ModelInfo
from .engine import Engine, TranslationStats
from .glossary import Glossary, GlossaryEntry
from .memory import MemoryHit
from .prompts import Turn
from .text import LINK_RE, MARKER_WITH_SPACE_RE, needs_translation, normalize_text


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


class Memory(Protocol):
    """What a translator needs of a translation memory (``memory.TranslationMemory``, or the
    desk's view of it without the editors' corrections)."""

    @property
    def error(self) -> str | None:
        """Why the memory is being bypassed (None while it works)."""

    def get_many(self, model_key: str, sources: Iterable[tuple[str, str]]) -> dict[tuple[str, str], MemoryHit]:
        """Hits for ``(normalized source, glossary key)`` pairs; an editor's correction wins."""

    def put_many(self, model_key: str, rows: Iterable[tuple[str, str, str]]) -> int:
        """Store ``(source, glossary key, English)`` machine translations."""


@dataclass
class _Job:
    key: tuple[str, str]  # (normalised source, glossary key)
    source: str
    prep: Prepared
    en: str | None = None
    origin: str | None = None
    flags: tuple[str, ...] = ()
    context: tuple[Turn, ...] = ()  # earlier segments of the article (engines with context only)


def context_key(context: Sequence[Turn]) -> str:
    """What a segment's memory key adds for its context ("" without one)."""
    if not context:
        return ""
    digest = hashlib.sha256("\x1e".join(f"{t.ko}\x1f{t.en}" for t in context).encode()).hexdigest()[:20]
    return f"|ctx:{digest}"


class Translator:
    """Translate articles with an engine, a translation memory and a glossary.

    ``engine`` turns prepared texts into raw English (``engine.CT2Engine`` on this machine,
    the Ray executor's actor pool on a cluster); ``memory`` (None: none) supplies earlier
    translations and editors' corrections and keeps the new ones; ``glossary`` (None:
    none) fixes terms. ``stats`` accumulates over the translator's lifetime.
    """

    def __init__(self, engine: Engine, memory: Memory | None = None, glossary: Glossary | None = None) -> None:
        self.engine = engine
        self.memory = memory
        self.glossary = glossary
        self.stats = TranslationStats()

    @property
    def info(self) -> ModelInfo:
        """The engine's model identity."""
        return self.engine.info

    @property
    def settings(self) -> TranslateSettings:
        """The engine's decoding settings."""
        return self.engine.settings

    @property
    def model_key(self) -> str:
        """What the memory keys machine translations by: the model (kind, name, checksum) and
        the decoding settings. Translations made otherwise (say, greedy) are not reused."""
        return f"{self.engine.info.key}|{self.engine.settings.output_key}"

    @property
    def memory_error(self) -> str | None:
        return self.memory.error if self.memory is not None else None

    def _note_memory(self) -> None:
        err = self.memory_error
        if err:
            self.stats.memory_error = err

    # ---------------------------------------------------------------- translation

    def translate_articles(self, articles: Sequence[Article]) -> list[Article]:
        """Fill ``en``, ``origin`` and ``flags`` of every segment of every article."""
        if getattr(self.engine, "context_size", 0):
            return self._translate_in_context(articles)
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

        self._resolve(jobs)

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

    def _resolve(self, jobs: dict[tuple[str, str], _Job]) -> None:
        """English and flags for every job: the memory, then the model for the misses."""
        self._lookup(jobs)
        self._run_model([j for j in jobs.values() if j.en is None])
        for job in jobs.values():
            # The checks judge the machine's English; an editor's is taken as written
            # (the one rule for flags, see corrections.py).
            if job.origin != ORIGIN_EDITED:
                job.flags = check_segment(job.source, job.en or "", job.prep.terms, numbers_src=job.prep.model_input)

    def _translate_in_context(self, articles: Sequence[Article]) -> list[Article]:
        """Segment n of every article in one step, each with its article's earlier segments."""
        k = self.engine.context_size
        streams = [[(bi, si, seg) for bi, block in enumerate(a.blocks) for si, seg in enumerate(block.segments)] for a in articles]
        chosen: list[dict[tuple[int, int], _Job | None]] = [{} for _ in articles]
        history: list[list[Turn]] = [[] for _ in articles]
        self.stats.segments_total += sum(len(s) for s in streams)
        for step in range(max((len(s) for s in streams), default=0)):
            jobs: dict[tuple[str, str], _Job] = {}
            slots = []
            for ai, stream in enumerate(streams):
                if step >= len(stream):
                    continue
                bi, si, seg = stream[step]
                if not seg.text or not seg.text.strip():
                    chosen[ai][(bi, si)] = None
                    continue
                prep = prepare(seg.text, self.glossary)
                context = tuple(history[ai][-k:])
                key = (normalize_text(seg.text), prep.glossary_key + context_key(context))
                jobs.setdefault(key, _Job(key, seg.text, prep, context=context))
                slots.append((ai, bi, si, key))
            self._resolve(jobs)
            for ai, bi, si, key in slots:
                job = jobs[key]
                chosen[ai][(bi, si)] = job
                history[ai].append(Turn(job.source, job.en or ""))
        out = []
        for article, picks in zip(articles, chosen):
            new_blocks = []
            for bi, block in enumerate(article.blocks):
                segs = []
                for si, seg in enumerate(block.segments):
                    job = picks.get((bi, si))
                    if job is None:
                        segs.append(dataclasses.replace(seg, en="", flags=(), origin=ORIGIN_MACHINE))
                        continue
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
        """Editors' corrections and earlier translations from the memory; text that needs
        no model (Latin script, numbers, a lone marker) is copied."""
        if self.memory is not None and jobs:
            hits = self.memory.get_many(self.model_key, list(jobs))
            self._note_memory()
            for key, hit in hits.items():
                jobs[key].en, jobs[key].origin = hit.en, hit.origin
        for job in jobs.values():
            if job.en is None and not job.prep.needs_model:
                job.en, job.origin = restore(job.prep.model_input, job.prep), ORIGIN_MACHINE

    def _run_model(self, misses: list[_Job]) -> None:
        if not misses:
            return
        # (model input, context): the context is () for an engine without one
        inputs = sorted({(j.prep.model_input, j.context) for j in misses}, key=lambda x: (len(x[0]), context_key(x[1]), x[0]))
        texts = [text for text, _ in inputs]
        if getattr(self.engine, "context_size", 0):
            english = self.engine.translate_texts(texts, self.stats, [context for _, context in inputs])
        else:
            english = self.engine.translate_texts(texts, self.stats)
        by_input = dict(zip(inputs, english))
        rows = []
        for job in misses:
            job.en = restore(by_input[(job.prep.model_input, job.context)], job.prep)
            job.origin = ORIGIN_MACHINE
            rows.append((job.key[0], job.key[1], job.en))
        if self.memory is not None:
            self.memory.put_many(self.model_key, rows)
            self._note_memory()
