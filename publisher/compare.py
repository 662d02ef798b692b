"""Compare two ko->en models on one article: for a desk choosing which model to use.

Both models translate the same segments (same reading, segmentation and glossary, same
decoding settings, no translation memory and no editor corrections, so what is shown is
what each model writes). The page puts the Korean and both English versions side by
side, segment by segment, with each version's quality flags and a count of differences.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from .building.article import read_segmented
from .building.inbox import default_glossary
from .decoding import TranslateSettings
from .document import InputError, ModelInfo
from .engine import open_engine
from .fsutil import atomic_write_text
from .glossary import load_glossary
from .models import KIND_LABELS, load_model
from .render import render_template
from .translate import Translator

log = logging.getLogger(__name__)

INSTALLED = "installed"  # MODEL argument naming the installed model


@dataclass(frozen=True)
class CompareRow:
    id: str
    kind: str  # the block kind (title, body, caption...)
    korean: str
    en_a: str
    en_b: str
    flags_a: tuple[str, ...]
    flags_b: tuple[str, ...]

    @property
    def differs(self) -> bool:
        return self.en_a != self.en_b


@dataclass(frozen=True)
class Comparison:
    article: str  # the article's file name
    model_a: ModelInfo
    model_b: ModelInfo
    decoding: str  # e.g. "beam 4 (Argos)"
    rows: tuple[CompareRow, ...]
    seconds_a: float
    seconds_b: float

    @property
    def differences(self) -> int:
        return sum(r.differs for r in self.rows)

    @property
    def flagged_a(self) -> int:
        return sum(bool(r.flags_a) for r in self.rows)

    @property
    def flagged_b(self) -> int:
        return sum(bool(r.flags_b) for r in self.rows)

    @property
    def test_model(self) -> bool:
        return self.model_a.test_fixture or self.model_b.test_fixture


def _spec(value: str | None) -> str | None:
    return None if value is None or value == INSTALLED else value


def compare_models(model_a: str, model_b: str, article: Path, *, decoding=None, glossary: Path | None = None) -> Comparison:
    """Translate ``article`` with both models (``"installed"`` names the installed one)."""
    article = Path(article)
    if not article.is_file():
        raise InputError(f"article not found: {article}")
    loaded_a = load_model(_spec(model_a))
    loaded_b = load_model(_spec(model_b))
    doc = read_segmented(article)
    glossary_path = glossary or default_glossary([article])
    gloss = load_glossary(glossary_path) if glossary_path is not None else None
    settings = decoding or TranslateSettings()
    outs, secs = [], []
    for loaded in (loaded_a, loaded_b):
        t0 = time.perf_counter()
        [done] = Translator(open_engine(loaded, settings), glossary=gloss).translate_articles([doc])
        secs.append(time.perf_counter() - t0)
        outs.append(done)
    rows = []
    for (block_a, seg_a), (_, seg_b) in zip(outs[0].iter_segments(), outs[1].iter_segments()):
        if not seg_a.text.strip():
            continue
        rows.append(CompareRow(seg_a.id, block_a.kind, seg_a.text, seg_a.en or "", seg_b.en or "", tuple(seg_a.flags), tuple(seg_b.flags)))
    return Comparison(article.name, loaded_a.info, loaded_b.info, settings.decoding_name, tuple(rows), secs[0], secs[1])


def render_comparison(comparison: Comparison) -> str:
    """The comparison page (self-contained HTML)."""
    return render_template("compare.html.j2", c=comparison, kinds=KIND_LABELS)


def write_comparison(comparison: Comparison, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_text(path, render_comparison(comparison))
