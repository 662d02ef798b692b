"""Build the bundled fonts: "Brief Gothic" and "Brief Hanja" from Debian's fonts-nanum,
"Brief Emoji" from Noto Emoji (monochrome, the @fontsource/noto-emoji npm package).

NanumGothic is licensed under the SIL Open Font License 1.1 with Reserved Font Names
(Nanum, NanumGothic, ...). A subset is a *Modified Version* under the OFL, so it may
not carry a reserved name: this script subsets NanumGothic Regular and Bold to the
characters a Korean/English news brief needs, drops the hinting, and renames the
family to "Brief Gothic" in the name table.

Brief Hanja is the same NanumGothic Regular cut down to the 4,888 Hanja of KS X 1001
(the set every Korean system font carries: 與, 野, 靑, 美, 中 ...), used after Brief Gothic in
the font list so that Hanja in headlines are real glyphs, not empty boxes.

Brief Emoji is Noto Emoji (Google, SIL OFL 1.1, no Reserved Font Name), the monochrome
outline emoji font, with all its glyphs and its GSUB ligatures (ZWJ sequences, flags,
skin tones), hinting and vertical metrics removed, renamed to say it was modified.

Run it only to rebuild the committed .ttf files (it needs the fonts-nanum package and, for
the emoji, the unpacked npm package; reading woff2 needs the brotli module; the product
itself never reads either source):

    apt-get install fonts-nanum
    npm pack @fontsource/noto-emoji && tar xzf fontsource-noto-emoji-*.tgz
    .venv/bin/pip install brotli
    .venv/bin/python tools/make_fonts.py [--source-dir DIR] --emoji-source package/files/noto-emoji-emoji-400-normal.woff2
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

# The fonts live in the package (package data); this script is a maintainer tool and is not shipped.
HERE = Path(__file__).resolve().parent.parent / "publisher" / "templates" / "fonts"
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


def ksx1001_hanja() -> list[int]:
    """The 4,888 Hanja of KS X 1001 (EUC-KR rows 0xCA-0xFD), as Unicode code points."""
    out = set()
    for lead in range(0xCA, 0xFE):
        for trail in range(0xA1, 0xFF):
            try:
                out.add(ord(bytes([lead, trail]).decode("euc-kr")))
            except UnicodeDecodeError:
                pass
    return sorted(out)


HANJA_DESCRIPTION = (
    "Brief Hanja: derived from NanumGothic by NAVER, subset (the 4,888 Hanja of KS X 1001), "
    "hinting removed, renamed as the SIL Open Font License requires."
)
EMOJI_COPYRIGHT = "Copyright 2013 Google LLC. Brief Emoji is a Modified Version of Noto Emoji: renamed, hinting and vertical metrics removed."
EMOJI_DESCRIPTION = "Brief Emoji: Noto Emoji by Google (monochrome), all glyphs and ligatures kept, renamed."


def subset_font(source: Path, codepoints: list[int] | None = None, drop: tuple[str, ...] = ()) -> TTFont:
    """Load ``source`` and subset it in memory to ``codepoints`` (default ``RANGES``), without hinting."""
    options = subset.Options()
    options.hinting = False
    # TSI*: Visual TrueType hinting sources, useless without the hints.
    options.drop_tables += ["TSI0", "TSI1", "TSI2", "TSI3", "TSI5", *drop]
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.recalc_timestamp = False
    font = TTFont(source, recalcTimestamp=False)
    font.flavor = None  # a woff2 source is written back as a plain TrueType file
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(unicodes=unicodes() if codepoints is None else codepoints)
    subsetter.subset(font)
    return font


def rename(
    font: TTFont,
    style: str,
    source_version: str,
    family: str = FAMILY,
    ps_family: str = PS_FAMILY,
    copyright: str = COPYRIGHT,
    description: str = DESCRIPTION,
) -> None:
    """Replace the whole name table: no record may keep a Reserved Font Name."""
    name = font["name"]
    name.names = []
    full = f"{family} {style}"
    ps_name = f"{ps_family}-{style}"
    records = {
        0: copyright,
        1: family,
        2: style,
        3: f"{source_version};publisher;{ps_name}",
        4: full,
        5: f"Version {source_version}; subset for publisher",
        6: ps_name,
        10: description,
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
    src = source_dir / "NanumGothic.ttf"
    # Spaces too: a space between two Hanja is drawn with the Hanja run's font, and a font
    # without one shows an empty box there.
    font = subset_font(src, [0x20, 0xA0, 0x3000, *ksx1001_hanja()])
    rename(font, "Regular", source_version(font), "Brief Hanja", "BriefHanja", COPYRIGHT.replace("Brief Gothic", "Brief Hanja"), HANJA_DESCRIPTION)
    # TrueType, not WOFF2: WOFF2 would halve the file, but WeasyPrint then decodes it with
    # fontTools on every run (measured: +4 s on the first PDF of a process, +0.5 s per PDF).
    out = out_dir / "BriefHanja-Regular.ttf"
    font.save(out)
    written.append(out)
    return written


def build_emoji(source: Path, out_dir: Path) -> Path:
    if not source.is_file():
        raise SystemExit(f"error: {source} not found; unpack the @fontsource/noto-emoji npm package and pass --emoji-source")
    font = TTFont(source, recalcTimestamp=False)
    codepoints = sorted(font.getBestCmap())
    font = subset_font(source, codepoints, drop=("vhea", "vmtx", "STAT"))
    rename(font, "Regular", source_version(font), "Brief Emoji", "BriefEmoji", EMOJI_COPYRIGHT, EMOJI_DESCRIPTION)
    out = out_dir / "BriefEmoji-Regular.ttf"
    font.save(out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source-dir", type=Path, default=SOURCE_DIR, help="folder with NanumGothic*.ttf")
    parser.add_argument("--out-dir", type=Path, default=HERE, help="where to write BriefGothic-*.ttf")
    parser.add_argument("--emoji-source", type=Path, help="noto-emoji-emoji-400-normal.woff2 from @fontsource/noto-emoji")
    args = parser.parse_args(argv)
    paths = build(args.source_dir, args.out_dir)
    if args.emoji_source is not None:
        paths.append(build_emoji(args.emoji_source, args.out_dir))
    for path in paths:
        font = TTFont(path)
        glyphs = len(font.getGlyphOrder())
        print(f"{path.name}: {path.stat().st_size:,} bytes, {glyphs:,} glyphs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
