"""Build the bundled "Brief Gothic" fonts from Debian's fonts-nanum.

NanumGothic is licensed under the SIL Open Font License 1.1 with Reserved Font Names
(Nanum, NanumGothic, ...). A subset is a *Modified Version* under the OFL, so it may
not carry a reserved name: this script subsets NanumGothic Regular and Bold to the
characters a Korean/English news brief needs, drops the hinting, and renames the
family to "Brief Gothic" in the name table.

Run it only to rebuild the committed .ttf files (it needs the fonts-nanum package as a
source; the product itself never reads fonts-nanum):

    .venv/bin/python templates/fonts/make_fonts.py [--source-dir DIR]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

HERE = Path(__file__).resolve().parent
SOURCE_DIR = Path("/usr/share/fonts/truetype/nanum")

FAMILY = "Brief Gothic"
PS_FAMILY = "BriefGothic"
COPYRIGHT = (
    "Copyright (c) 2010, NAVER Corporation (http://www.nhncorp.com), with Reserved Font Name "
    "Nanum, Naver Nanum, NanumGothic, Naver NanumGothic (and others, see OFL.txt). "
    "Brief Gothic is a Modified Version: a renamed subset."
)
DESCRIPTION = (
    "Brief Gothic: derived from NanumGothic by NAVER, subset (Latin, punctuation, "
    "symbols, Hangul Jamo and all 11,172 Hangul syllables), hinting removed, renamed "
    "as the SIL Open Font License requires."
)
LICENSE_DESCRIPTION = (
    "This Font Software is licensed under the SIL Open Font License, Version 1.1. "
    "This license is available with a FAQ at: https://openfontlicense.org"
)
LICENSE_URL = "https://openfontlicense.org"

# (first, last) code points kept in the subset.
RANGES: tuple[tuple[int, int], ...] = (
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x00FF),  # Latin-1 Supplement
    (0x2000, 0x206F),  # General Punctuation
    (0x2100, 0x214F),  # Letterlike Symbols (℃, №, ™)
    (0x2150, 0x218F),  # Number Forms (Ⅰ, ⅓)
    (0x2190, 0x21FF),  # Arrows
    (0x2200, 0x22FF),  # Mathematical Operators (∼, ≤, ×-like signs)
    (0x2460, 0x24FF),  # Enclosed Alphanumerics (ⓒ)
    (0x25A0, 0x25FF),  # Geometric Shapes (■, ▲, ◆: Korean list and section marks)
    (0x2600, 0x26FF),  # Miscellaneous Symbols (★, ☎)
    (0x3000, 0x303F),  # CJK Symbols and Punctuation
    (0x3200, 0x32FF),  # Enclosed CJK Letters and Months (㈜, ㉠)
    (0x3300, 0x33FF),  # CJK Compatibility (㎡, ㎞, ㎏)
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x3130, 0x318F),  # Hangul Compatibility Jamo
    (0xAC00, 0xD7A3),  # Hangul Syllables (all 11,172)
    (0xFF00, 0xFFEF),  # Halfwidth and Fullwidth Forms
)

# (source file, style name, output file)
FACES: tuple[tuple[str, str, str], ...] = (
    ("NanumGothic.ttf", "Regular", "BriefGothic-Regular.ttf"),
    ("NanumGothicBold.ttf", "Bold", "BriefGothic-Bold.ttf"),
)


def unicodes() -> list[int]:
    return [cp for first, last in RANGES for cp in range(first, last + 1)]


def subset_font(source: Path) -> TTFont:
    """Load ``source`` and subset it in memory to ``RANGES``, without hinting."""
    options = subset.Options()
    options.hinting = False
    # TSI*: Visual TrueType hinting sources, useless without the hints.
    options.drop_tables += ["TSI0", "TSI1", "TSI2", "TSI3", "TSI5"]
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.recalc_timestamp = False
    font = TTFont(source, recalcTimestamp=False)
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=unicodes())
    subsetter.subset(font)
    return font


def rename(font: TTFont, style: str, source_version: str) -> None:
    """Replace the whole name table: no record may keep a Reserved Font Name."""
    name = font["name"]
    name.names = []
    full = f"{FAMILY} {style}"
    ps_name = f"{PS_FAMILY}-{style}"
    records = {
        0: COPYRIGHT,
        1: FAMILY,
        2: style,
        3: f"{source_version};publisher;{ps_name}",
        4: full,
        5: f"Version {source_version}; subset for publisher",
        6: ps_name,
        10: DESCRIPTION,
        13: LICENSE_DESCRIPTION,
        14: LICENSE_URL,
    }
    for name_id, text in records.items():
        name.setName(text, name_id, 3, 1, 0x409)  # Windows, Unicode BMP, English (US)
        name.setName(text, name_id, 1, 0, 0)  # Macintosh, Roman, English
    # The OS/2 vendor id of the original names its foundry; a modified version is not theirs.
    font["OS/2"].achVendID = "NONE"


def source_version(font: TTFont) -> str:
    """The upstream version string ("3.021"), from name ID 5 ("Version 3.021;...")."""
    text = font["name"].getDebugName(5) or ""
    match = re.search(r"(\d+\.\d+)", text)
    return match.group(1) if match else f"{font['head'].fontRevision:.3f}"


def build(source_dir: Path, out_dir: Path) -> list[Path]:
    written = []
    for src_name, style, out_name in FACES:
        src = source_dir / src_name
        if not src.is_file():
            raise SystemExit(f"error: {src} not found; install Debian's fonts-nanum or pass --source-dir")
        font = subset_font(src)
        rename(font, style, source_version(font))
        out = out_dir / out_name
        font.save(out)
        written.append(out)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source-dir", type=Path, default=SOURCE_DIR, help="folder with NanumGothic*.ttf")
    parser.add_argument("--out-dir", type=Path, default=HERE, help="where to write BriefGothic-*.ttf")
    args = parser.parse_args(argv)
    for path in build(args.source_dir, args.out_dir):
        font = TTFont(path)
        glyphs = len(font.getGlyphOrder())
        print(f"{path.name}: {path.stat().st_size:,} bytes, {glyphs:,} glyphs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
