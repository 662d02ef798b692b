"""Editors' corrections files: export, apply, stale detection, never overwritten."""

from __future__ import annotations

import csv
import io

import pytest

from publisher.article import BODY, ORIGIN_EDITED, Article, Block, InputError, OutputError, Segment
from publisher.corrections import COLUMNS, apply_corrections, export_csv, load_corrections
from publisher.fsutil import write_new_text


def _article(*sentences: str) -> Article:
    segs = tuple(Segment(id=f"p1.{i}", text=t, en=f"machine {i}", origin="machine", flags=("hangul",)) for i, t in enumerate(sentences, 1))
    return Article(slug="x", source="x.txt", blocks=(Block(id="p1", kind=BODY, text=" ".join(sentences), segments=segs),))


def _write(path, rows):
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(COLUMNS)
    w.writerows(rows)
    path.write_text("\ufeff" + buf.getvalue(), encoding="utf-8")


def test_export_is_a_spreadsheet_friendly_csv_with_one_row_per_segment():
    text = export_csv(_article("첫 문장입니다.", "둘째, \"인용\" 문장입니다."))
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == list(COLUMNS)
    assert rows[1] == ["p1.1", "첫 문장입니다.", "machine 1", ""]
    assert rows[2] == ["p1.2", "둘째, \"인용\" 문장입니다.", "machine 2", ""]


def test_round_trip_applies_a_filled_in_correction(tmp_path):
    art = _article("첫 문장입니다.", "둘째 문장입니다.")
    path = tmp_path / "x.corrections.csv"
    path.write_text(export_csv(art), encoding="utf-8")
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    rows[2][3] = "The second sentence."
    _write(path, rows[1:])
    corrections = load_corrections(path)
    assert [(c.id, c.english) for c in corrections] == [("p1.2", "The second sentence.")]
    new, applied, stale = apply_corrections(art, corrections)
    assert applied == 1 and stale == []
    segs = [s for _, s in new.iter_segments()]
    assert segs[1].en == "The second sentence." and segs[1].origin == ORIGIN_EDITED
    assert segs[1].flags == ()  # the editor's English replaces the machine's problems
    assert segs[0].en == "machine 1" and segs[0].origin == "machine"


def test_a_correction_follows_its_sentence_when_ids_shift(tmp_path):
    path = tmp_path / "c.csv"
    _write(path, [["p1.1", "둘째 문장입니다.", "m", "Second."]])
    new, applied, stale = apply_corrections(_article("새로 끼운 문장입니다.", "둘째 문장입니다."), load_corrections(path))
    assert applied == 1 and not stale
    assert [s.en for _, s in new.iter_segments()] == ["machine 1", "Second."]


def test_a_stale_correction_is_reported_not_applied_and_kept(tmp_path):
    path = tmp_path / "c.csv"
    _write(path, [["p1.1", "예전 문장입니다.", "m", "Old."]])
    before = path.read_bytes()
    new, applied, stale = apply_corrections(_article("고친 문장입니다."), load_corrections(path))
    assert applied == 0
    assert len(stale) == 1 and "changed" in stale[0] and "p1.1" in stale[0]
    assert [s.en for _, s in new.iter_segments()] == ["machine 1"]
    assert path.read_bytes() == before


def test_whitespace_and_nfd_differences_do_not_make_a_correction_stale(tmp_path):
    import unicodedata

    path = tmp_path / "c.csv"
    _write(path, [["p1.1", unicodedata.normalize("NFD", "첫  문장입니다."), "m", "First."]])
    _, applied, stale = apply_corrections(_article("첫 문장입니다."), load_corrections(path))
    assert applied == 1 and not stale


@pytest.mark.parametrize(
    "content, message",
    [
        (b"id,korean\nx,y\n", "lacks the column"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        ("id,korean,machine_english,corrected_english\np1.1,,m,Fixed\n".encode(), "needs the Korean"),
    ],
)
def test_a_broken_corrections_file_is_a_clear_input_error(tmp_path, content, message):
    path = tmp_path / "c.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        load_corrections(path)


def test_no_file_means_no_corrections(tmp_path):
    assert load_corrections(tmp_path / "absent.csv") == []


def test_an_editors_file_is_never_overwritten(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("editor's work", encoding="utf-8")
    with pytest.raises(OutputError, match="never overwritten"):
        write_new_text(path, "new")
    assert path.read_text(encoding="utf-8") == "editor's work"
