"""Editors' corrections files: export, apply, stale detection, never overwritten."""

from __future__ import annotations

import csv
import dataclasses
import io

import pytest
from conftest import write_corrections_csv

from publisher.document import BODY, ORIGIN_EDITED, Article, Block, InputError, OutputError, Segment
from publisher.corrections import COLUMNS, CorrectionsTable, apply_corrections, export_csv, read_table, write_table
from publisher.fsutil import fingerprint, write_new_text


def _article(*sentences: str) -> Article:
    segs = tuple(Segment(id=f"p1.{i}", text=t, en=f"machine {i}", origin="machine", flags=("hangul",)) for i, t in enumerate(sentences, 1))
    return Article(slug="x", source="x.txt", blocks=(Block(id="p1", kind=BODY, text=" ".join(sentences), segments=segs),))


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
    write_corrections_csv(path, rows[1:])
    corrections = read_table(path).corrections
    assert [(c.id, c.english) for c in corrections] == [("p1.2", "The second sentence.")]
    new, applied, stale = apply_corrections(art, corrections)
    assert applied == 1 and stale == []
    segs = [s for _, s in new.iter_segments()]
    assert segs[1].en == "The second sentence." and segs[1].origin == ORIGIN_EDITED
    assert segs[1].flags == ()  # the editor's English replaces the machine's problems
    assert segs[0].en == "machine 1" and segs[0].origin == "machine"


def test_a_correction_follows_its_sentence_when_ids_shift(tmp_path):
    path = tmp_path / "c.csv"
    write_corrections_csv(path, [["p1.1", "둘째 문장입니다.", "m", "Second."]])
    new, applied, stale = apply_corrections(_article("새로 끼운 문장입니다.", "둘째 문장입니다."), read_table(path).corrections)
    assert applied == 1 and not stale
    assert [s.en for _, s in new.iter_segments()] == ["machine 1", "Second."]


def test_a_stale_correction_is_reported_not_applied_and_kept(tmp_path):
    path = tmp_path / "c.csv"
    write_corrections_csv(path, [["p1.1", "예전 문장입니다.", "m", "Old."]])
    before = path.read_bytes()
    new, applied, stale = apply_corrections(_article("고친 문장입니다."), read_table(path).corrections)
    assert applied == 0
    assert len(stale) == 1 and "changed" in stale[0] and "p1.1" in stale[0]
    assert [s.en for _, s in new.iter_segments()] == ["machine 1"]
    assert path.read_bytes() == before


def test_whitespace_and_nfd_differences_do_not_make_a_correction_stale(tmp_path):
    import unicodedata

    path = tmp_path / "c.csv"
    write_corrections_csv(path, [["p1.1", unicodedata.normalize("NFD", "첫  문장입니다."), "m", "First."]])
    _, applied, stale = apply_corrections(_article("첫 문장입니다."), read_table(path).corrections)
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
        read_table(path)


def test_no_file_means_an_empty_table(tmp_path):
    assert read_table(tmp_path / "absent.csv") == CorrectionsTable(header=COLUMNS, rows=(), delimiter=",", version="-")


def test_an_editors_file_is_never_overwritten(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("editor's work", encoding="utf-8")
    with pytest.raises(OutputError, match="never overwritten"):
        write_new_text(path, "new")
    assert path.read_text(encoding="utf-8") == "editor's work"


# ------------------------------------------------------------------ spreadsheet safety (CSV injection)

from hypothesis import given, settings
from hypothesis import strategies as st

from publisher.corrections import (
    Correction,
    Row,
    edit_correction,
    export_table,
    neutralize,
    restore,
    summarize_stale,
)


@given(st.text())
def test_neutralise_then_restore_is_exact(text):
    assert restore(neutralize(text)) == text
    assert not neutralize(text)[:1] or neutralize(text)[0] not in "=+-@\t\r"


@pytest.mark.parametrize("cell", ["=1+2는 3입니다.", "+82 2 123", "-5%", "@SUM(A1)", "\tx", "'=literal", "'plain"])
def test_formula_leading_cells_are_written_with_an_apostrophe(cell):
    assert neutralize(cell) == "'" + cell
    assert restore("'" + cell) == cell


def test_plain_cells_are_left_alone():
    for cell in ("서울시가 발표했다.", "It's fine.", "a=b", ""):
        assert neutralize(cell) == cell and restore(cell) == cell


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r\n"), min_size=1).filter(str.strip),
            st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r\n")),
        ),
        max_size=6,
    )
)
def test_export_then_import_round_trips_every_cell_exactly(tmp_path_factory, pairs):
    # Cells are compared after strip(): the reader trims the spaces a spreadsheet adds around cells.
    rows = [Row(id=f"p1.{i}", korean=ko.strip(), machine_english=en.strip()) for i, (ko, en) in enumerate(pairs, 1)]
    path = tmp_path_factory.mktemp("rt") / "a.corrections.csv"
    write_table(path, CorrectionsTable(rows=tuple(rows)))
    back = read_table(path).rows
    assert [(r.id, r.korean, r.machine_english) for r in back] == [(r.id, r.korean, r.machine_english) for r in rows]


def test_export_of_an_article_with_formula_cells_in_both_columns(tmp_path):
    art = _article("=1+2는 3입니다.", "둘째 문장입니다.")
    segs = tuple(
        dataclasses.replace(s, en=en) for s, en in zip(art.blocks[0].segments, ['=HYPERLINK("http://x.example","click")', "-3 percent"])
    )
    art = dataclasses.replace(art, blocks=(dataclasses.replace(art.blocks[0], segments=segs),))
    text = export_csv(art)
    raw = list(csv.reader(io.StringIO(text[1:])))
    assert raw[1][1] == "'=1+2는 3입니다." and raw[1][2] == "'=HYPERLINK(\"http://x.example\",\"click\")"
    assert raw[2][2] == "'-3 percent"
    assert not any(cell[:1] in ("=", "+", "-", "@") for row in raw for cell in row)
    path = tmp_path / "x.corrections.csv"
    path.write_text(text, encoding="utf-8")
    table = read_table(path)
    assert [(r.korean, r.machine_english) for r in table.rows] == [(s.text, s.en) for s in segs]
    # The editor corrects the formula-looking sentence; the correction applies to it exactly.
    rows = tuple(dataclasses.replace(r, corrected_english="=not a formula" if r.line == 2 else "") for r in table.rows)
    write_table(path, dataclasses.replace(table, rows=rows))
    new, applied, stale = apply_corrections(art, read_table(path).corrections)
    assert applied == 1 and not stale
    assert new.blocks[0].segments[0].en == "=not a formula"


# ------------------------------------------------------------------ odd files


def test_a_semicolon_separated_file_is_read(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("\ufeffid;korean;machine_english;corrected_english\r\np1.1;첫 문장입니다.;m;First; really.\r\n", encoding="utf-8")
    found = read_table(path)
    assert found.delimiter == ";"
    [c] = found.corrections
    assert c.korean == "첫 문장입니다." and c.english == "First"  # the stray ';' starts a fifth, ignored cell


def test_a_tab_separated_file_is_read(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("id\tkorean\tmachine_english\tcorrected_english\np1.1\t첫 문장입니다.\tm\tFirst.\n", encoding="utf-8")
    assert [c.english for c in read_table(path).corrections] == ["First."]


def test_an_unknown_delimiter_is_named(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("id:korean:machine_english:corrected_english\np1.1:가:m:A\n", encoding="utf-8")
    with pytest.raises(InputError, match="':'-separated|colon"):
        read_table(path)


def test_identical_duplicate_rows_are_reported_with_line_numbers(tmp_path):
    path = tmp_path / "c.csv"
    write_corrections_csv(path, [["p1.1", "첫 문장입니다.", "m", "First."], ["p1.2", "둘째.", "m", ""], ["p1.1", "첫  문장입니다.", "m", "First."]])
    found = read_table(path)
    assert [c.line for c in found.corrections] == [2]
    assert found.warnings == (f"{path}: line 4 duplicates line 2 (same sentence, same correction); it is ignored",)
    _, applied, stale = apply_corrections(_article("첫 문장입니다."), list(found.corrections))
    assert applied == 1 and stale == []  # the duplicate is not called stale


def test_conflicting_duplicate_rows_are_an_error_naming_both_lines(tmp_path):
    path = tmp_path / "c.csv"
    write_corrections_csv(path, [["p1.1", "첫 문장입니다.", "m", "First."], ["p1.1", "첫 문장입니다.", "m", "The first."]])
    with pytest.raises(InputError, match=r"lines 2 and 3 correct the same Korean sentence differently"):
        read_table(path)


def test_line_numbers_count_cells_that_span_lines(tmp_path):
    path = tmp_path / "c.csv"
    write_corrections_csv(path, [["p1.1", "첫 문장\n입니다.", "m", ""], ["p1.2", "둘째.", "m", "Second."]])
    assert [c.line for c in read_table(path).corrections] == [4]


def test_many_stale_rows_are_one_line_with_a_count_and_the_first_few():
    stale = [f"line {n} (p{n}.1): the Korean sentence has changed since the correction was written; not applied" for n in range(2, 24002)]
    line = summarize_stale("a.corrections.csv", stale)
    assert "\n" not in line
    assert line.startswith("a.corrections.csv: 24000 stale correction(s): line 2 (p2.1)")
    assert "line 4 (p4.1)" in line and "line 5 (p5.1)" not in line and line.endswith("and 23997 more")
    assert summarize_stale("a", []) is None


def test_write_table_replaces_atomically_and_keeps_the_delimiter(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("id;korean;machine_english;corrected_english\np1.1;가;m;\n", encoding="utf-8")
    table = read_table(path)
    version = write_table(path, dataclasses.replace(table, rows=(dataclasses.replace(table.rows[0], corrected_english="A."),)))
    again = read_table(path)
    assert again.delimiter == ";" and version == again.version == fingerprint(path) != table.version
    assert path.read_bytes().decode("utf-8") == "\ufeffid;korean;machine_english;corrected_english\r\np1.1;가;m;A.\r\n"
    assert [c.english for c in again.corrections] == ["A."]
    assert [p.name for p in tmp_path.iterdir()] == ["c.csv"]  # no temporary or lock file left


def test_export_table_has_one_row_per_segment():
    table = export_table(_article("가.", "나."))
    assert table.header == COLUMNS and table.delimiter == ","
    assert [(r.id, r.korean, r.machine_english, r.corrected_english) for r in table.rows] == [("p1.1", "가.", "machine 1", ""), ("p1.2", "나.", "machine 2", "")]


def test_the_desks_edit_round_trips_formula_cells_and_keeps_the_files_semicolons(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("id;korean;machine_english;corrected_english\r\np1.1;'=1+2는 3입니다.;'-3;\r\n", encoding="utf-8")
    table = read_table(path)
    assert [r.cells for r in table.rows] == [("p1.1", "=1+2는 3입니다.", "-3", "")] and table.version == fingerprint(path)
    edit_correction(path, seg_id="p1.1", korean="=1+2는 3입니다.", machine_english="-3", english="+3, said the editor", base_version=table.version)
    raw = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")), delimiter=";"))
    assert raw[1] == ["p1.1", "'=1+2는 3입니다.", "'-3", "'+3, said the editor"]
    assert [r.cells for r in read_table(path).rows] == [("p1.1", "=1+2는 3입니다.", "-3", "+3, said the editor")]
    [c] = read_table(path).corrections
    assert (c.korean, c.english) == ("=1+2는 3입니다.", "+3, said the editor")


def test_the_desk_and_the_build_read_one_file_into_one_model(tmp_path):
    """A file as a spreadsheet saves it (BOM, CRLF, the editor's own columns, a blank row,
    spaces around a cell, a cell over two lines): the build's corrections and the desk's
    saved rows are the same table's rows, and the desk's save keeps every other row and
    column byte for byte."""
    path = tmp_path / "a.corrections.csv"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(
        [
            ["note", *COLUMNS, "checked by"],
            ["from the wire", "p1.1", " 첫 문장입니다. ", "m1", "First.", "kim"],
            ["", "", "", "", "", ""],
            ["two lines\nof note", "p1.2", "둘째 문장입니다.", "m2", "", ""],
            ["", "p1.3", "셋째 문장입니다.", "m3", "Third.", "lee"],
        ]
    )
    path.write_bytes(("\ufeff" + buf.getvalue()).encode("utf-8"))
    before = path.read_bytes()
    table = read_table(path)
    assert table.header == ("note", *COLUMNS, "checked by") and table.version == fingerprint(path)
    assert [r.line for r in table.rows] == [2, 3, 4, 6] and table.rows[0].cells[2] == " 첫 문장입니다. "
    # The build: the corrections are the rows that carry one, where they stand in the file.
    assert table.corrections == tuple(Correction(r.id, r.korean, r.corrected_english, r.line) for r in table.rows if r.corrected_english)
    assert [(c.id, c.korean, c.line) for c in table.corrections] == [("p1.1", "첫 문장입니다.", 2), ("p1.3", "셋째 문장입니다.", 6)]
    # The desk shows the same corrections, then saves one more into the same table.
    loaded = table.corrected_by_korean()
    assert loaded == {"첫 문장입니다.": ("p1.1", "First."), "셋째 문장입니다.": ("p1.3", "Third.")}
    version = edit_correction(
        path, seg_id="p1.2", korean="둘째 문장입니다.", machine_english="m2", english="Second.", base_version=table.version, loaded=loaded
    )
    after = read_table(path)
    assert version == after.version == fingerprint(path)
    old, new = before.split(b"\r\n"), path.read_bytes().split(b"\r\n")
    assert new[:3] + new[4:] == old[:3] + old[4:]  # header, extra columns, blank row: as they were
    assert new[3] == '"two lines\nof note",p1.2,둘째 문장입니다.,m2,Second.,'.encode("utf-8")
    assert after.header == table.header and [r.line for r in after.rows] == [r.line for r in table.rows]
    # The build reads the desk's save: three corrections, all applied.
    assert [(c.id, c.english) for c in after.corrections] == [("p1.1", "First."), ("p1.2", "Second."), ("p1.3", "Third.")]
    _, applied, stale = apply_corrections(_article("첫 문장입니다.", "둘째 문장입니다.", "셋째 문장입니다."), after.corrections)
    assert applied == 3 and stale == []
