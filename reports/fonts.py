"""A font that covers Chinese: found on the machine, lent to matplotlib, subset and embedded in the HTML page.

The report needs one for its Chinese text. No font is bundled: the free CJK fonts are 16-25 MB each and
the PyPI packages that ship them bring proprietary fonts along or are unvetted. The machine's own is used
(Debian/Ubuntu `fonts-noto-cjk`, macOS PingFang, Windows YaHei, or the file TRACKER_CJK_FONT names), and
the HTML page carries a subset of it, so the page shows the same glyphs on a reader's machine without one.
With none found, charts are labelled in English only and the page falls back to the reader's fonts.
"""

from __future__ import annotations

import base64
import io
import logging
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

log = logging.getLogger("tracker")
logging.getLogger("fontTools").setLevel(logging.WARNING)  # a line per table subset drowns the tracker's own

# Preferred faces, best first: Simplified Chinese sans-serif forms, then other CJK sans faces.
PREFERRED = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "PingFang SC",
             "Microsoft YaHei", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Hiragino Sans GB", "Heiti SC",
             "Noto Sans CJK TC", "Noto Sans CJK JP", "Droid Sans Fallback", "SimHei", "AR PL UMing CN")
FILE_HINT = re.compile(r"cjk|han|hei|wqy|yahei|msyh|pingfang|fallback|uming|ukai|simsun|notosanssc", re.I)
PROBE = "开源模型领先"
EMBEDDED_FAMILY = "Tracker CJK"
ENVIRONMENT = "TRACKER_CJK_FONT"


@dataclass(frozen=True)
class CjkFont:
    path: Path
    index: int      # the face inside a .ttc/.otc collection
    family: str
    style: str = "Regular"


@lru_cache(maxsize=1)
def find() -> CjkFont | None:
    """The best CJK face on this machine (or in $TRACKER_CJK_FONT), or None."""
    named = os.environ.get(ENVIRONMENT)
    paths = [Path(named)] if named else [Path(p) for p in _system_fonts() if FILE_HINT.search(Path(p).name)]
    # Names are cheap to read, character maps are not (~0.3 s each): rank by name, then test coverage in order.
    for face in sorted((face for path in paths for face in _faces(path)), key=_rank):
        if _covers(face, PROBE):
            return face
    log.warning("no font covering Chinese found: charts are labelled in English only "
                "(install fonts-noto-cjk, or set %s to a font file)", ENVIRONMENT)
    return None


def _system_fonts() -> list[str]:
    from matplotlib import font_manager  # a fresh scan: matplotlib's own cache may predate the font

    return font_manager.findSystemFonts()


def _faces(path: Path) -> list[CjkFont]:
    """The faces of a font file, by name."""
    from fontTools.ttLib import TTCollection, TTFont, TTLibError

    try:
        if path.suffix.lower() in (".ttc", ".otc"):
            fonts = TTCollection(str(path), lazy=True).fonts
        else:
            fonts = [TTFont(str(path), lazy=True)]
        return [CjkFont(path, index, font["name"].getDebugName(1) or path.stem, font["name"].getDebugName(2) or "")
                for index, font in enumerate(fonts)]
    except (TTLibError, OSError, KeyError, AssertionError) as error:
        log.debug("skipping font %s: %s", path, error)
        return []


def _covers(face: CjkFont, text: str) -> bool:
    from fontTools.ttLib import TTFont, TTLibError

    try:
        cmap = TTFont(str(face.path), fontNumber=face.index, lazy=True).getBestCmap() or {}
    except (TTLibError, OSError, KeyError, AssertionError):
        return False
    return all(ord(c) in cmap for c in text)


def _rank(face: CjkFont) -> tuple:
    preferred = PREFERRED.index(face.family) if face.family in PREFERRED else len(PREFERRED)
    plain = face.style.lower() in ("regular", "normal", "book", "")
    return (preferred, not plain, "mono" in face.family.lower(), str(face.path), face.index)


@lru_cache(maxsize=1)
def matplotlib_families() -> tuple[str, ...]:
    """The font.family list for charts: DejaVu Sans for Latin, then the CJK face per missing glyph."""
    face = find()
    if face is None:
        return ("DejaVu Sans",)
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(face.path))  # every face of a collection, under its own name
    return ("DejaVu Sans", face.family)


def has_cjk() -> bool:
    return find() is not None


def embedded_css(text: str) -> str:
    """An @font-face rule carrying the CJK face reduced to the characters of `text` (WOFF, base64)."""
    face = find()
    wanted = "".join(sorted({c for c in text if ord(c) > 0x2000}))
    if face is None or not wanted:
        return ""
    data = base64.b64encode(_subset(face, wanted)).decode("ascii")
    return (f'@font-face {{ font-family: "{EMBEDDED_FAMILY}"; font-style: normal; font-weight: 400; '
            f'src: url(data:font/woff;base64,{data}) format("woff"); }}')


def _subset(face: CjkFont, text: str) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(str(face.path), fontNumber=face.index)
    options = subset.Options()
    options.flavor = "woff"  # zlib-compressed; WOFF2 would need brotli
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()
