"""Sentence segmentation benchmark on the kss gold sets (../shared/eval/segmentation/kss).

Run from the repository root:  .venv/bin/python tests/bench/bench_segment.py

Format of the gold files: one gold sentence per line, a blank line ends a document; the
input of a document is "".join(lines) (lines keep their trailing spaces, so some gold
boundaries have no space at all). A predicted sentence counts when its whitespace-free
character span equals a gold span exactly; precision, recall and F1 are over sentences.

Three splitters are compared: a naive split after . ? ! followed by a space, kiwipiepy's
split_into_sents alone, and publisher.segment.split_sentences (kiwipiepy + our rules).
Times exclude the one-off model load (and a warm-up call), which is reported separately.

Then the glued variants: each document's gold sentences (trimmed) joined with "" (news text
glued with no space, "…밝혔다.의약생산센터는…") and with " ", per file, for kiwipiepy alone
and for publisher. The rule: publisher is never below kiwipiepy alone on any of them.
The machine may be shared: run it twice if a time looks odd.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
KSS = ROOT.parent / "shared" / "eval" / "segmentation" / "kss"


def load_documents(path: Path) -> list[list[str]]:
    """Gold documents of one file: lists of sentence lines (trailing spaces kept)."""
    docs: list[list[str]] = []
    current: list[str] = []
    for raw in path.read_text(encoding="utf-8").split("\n"):
        line = raw.rstrip("\r")
        if line.strip() == "":
            if current:
                docs.append(current)
            current = []
        else:
            current.append(line)
    if current:
        docs.append(current)
    return docs


def spans(sentences: list[str]) -> set[tuple[int, int]]:
    """Whitespace-free (start, end) character spans of consecutive sentences."""
    out: set[tuple[int, int]] = set()
    pos = 0
    for s in sentences:
        n = len(re.sub(r"\s+", "", s))
        if n:
            out.add((pos, pos + n))
        pos += n
    return out


def naive_split(text: str) -> list[str]:
    parts = re.split(r"(?<=[.?!])\s+", text)
    return [p for p in parts if p.strip()]


def kiwi_split(text: str) -> list[str]:
    from publisher.segment import _kiwi

    return [s.text for s in _kiwi().split_into_sents(text, return_sub_sents=False)]


GLUED = {"glued ''": "", "glued ' '": " "}


def evaluate(split: Callable[[str], list[str]], files: list[Path], joiner: str | None = None) -> tuple[dict, float]:
    """Per-file (tp, predicted, gold) and seconds. ``joiner``: None for the gold set as it
    is ("".join of the lines, spaces kept), else the trimmed sentences joined with it."""
    per_file: dict[str, tuple[int, int, int]] = {}
    t0 = time.perf_counter()
    for path in files:
        tp = n_pred = n_gold = 0
        for doc in load_documents(path):
            if joiner is not None:
                doc = [line.strip() for line in doc]
            gold = spans(doc)
            pred = spans(split((joiner if joiner is not None else "").join(doc)))
            tp += len(gold & pred)
            n_pred += len(pred)
            n_gold += len(gold)
        per_file[path.name] = (tp, n_pred, n_gold)
    return per_file, time.perf_counter() - t0


def prf(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def main() -> int:
    if not KSS.is_dir():
        print(f"skipped: gold set not found at {KSS} (it lives in ../shared beside the repository)")
        return 0
    files = sorted(KSS.glob("*.txt"))
    from publisher.segment import _kiwi, split_sentences

    t0 = time.perf_counter()
    _kiwi().split_into_sents("모델을 불러온 뒤 한 번 써 봅니다. 준비가 끝났다.")  # load and warm up
    load = time.perf_counter() - t0
    chars = sum(len("".join(line for doc in load_documents(f) for line in doc)) for f in files)
    print(f"kss gold set: {len(files)} files, {chars:,} characters; kiwipiepy model load {load:.2f} s")
    systems = [("naive .?!", naive_split), ("kiwipiepy alone", kiwi_split), ("publisher", split_sentences)]
    results = {name: evaluate(fn, files) for name, fn in systems}
    header = f"{'file':<16}" + "".join(f"{name:>26}" for name, _ in systems)
    print("\nper file P / R / F1")
    print(header)
    for f in files:
        row = f"{f.name:<16}"
        for name, _ in systems:
            p, r, f1 = prf(*results[name][0][f.name])
            row += f"{p:>10.3f}{r:>7.3f}{f1:>7.3f}  "
        print(row)
    print("\noverall (all files together)")
    print(f"{'system':<18}{'P':>7}{'R':>7}{'F1':>7}{'time s':>9}")
    for name, _ in systems:
        per_file, secs = results[name]
        tot = [sum(v[i] for v in per_file.values()) for i in range(3)]
        p, r, f1 = prf(*tot)
        print(f"{name:<18}{p:>7.3f}{r:>7.3f}{f1:>7.3f}{secs:>9.2f}")
    return glued(files, split_sentences)


def glued(files: list[Path], ours: Callable[[str], list[str]]) -> int:
    """F1 of kiwipiepy alone and of publisher on each glued variant, per file and overall."""
    worse = []
    for label, joiner in GLUED.items():
        kiwi_res, _ = evaluate(kiwi_split, files, joiner)
        ours_res, _ = evaluate(ours, files, joiner)
        print(f"\n{label}: F1 per file, kiwipiepy alone / publisher")
        for f in files + [None]:
            if f is None:
                k = prf(*[sum(v[i] for v in kiwi_res.values()) for i in range(3)])[2]
                o = prf(*[sum(v[i] for v in ours_res.values()) for i in range(3)])[2]
                name = "overall"
            else:
                k, o, name = prf(*kiwi_res[f.name])[2], prf(*ours_res[f.name])[2], f.name
            flag = "  <-- publisher below kiwipiepy" if o < k else ""
            print(f"{name:<16}{k:>9.3f}{o:>9.3f}{flag}")
            if flag:
                worse.append(f"{label} {name}")
    if worse:
        print(f"\npublisher is below kiwipiepy alone on: {', '.join(worse)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
