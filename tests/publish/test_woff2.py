"""helpers.publish.woff2: the WOFF2 container fontTools writes, at a Brotli quality we choose."""

from __future__ import annotations

import io
import struct

import pytest
from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.ttLib.sfnt import calcChecksum
from fontTools.ttLib.woff2 import packBase128
from hypothesis import given
from hypothesis import strategies as st

from helpers.publish import fonts, woff2

TEXT = "张坂镇 Zhangban town, 3,000 jobs — 泉州台商投资区"


@pytest.fixture(scope="module")
def otf() -> bytes:
    """A small CFF subset of Noto Sans SC, saved as plain OpenType."""
    tt = TTFont(str(fonts.font_path()), recalcTimestamp=False, recalcBBoxes=False, lazy=True)
    options = subset.Options()
    options.desubroutinize = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(c) for c in fonts.charset(TEXT)))
    subsetter.subset(tt)
    buf = io.BytesIO()
    tt.save(buf)
    return buf.getvalue()


def _fonttools_woff2(otf: bytes) -> bytes:
    tt = TTFont(io.BytesIO(otf), recalcTimestamp=False, recalcBBoxes=False)
    tt.flavor = "woff2"
    buf = io.BytesIO()
    tt.save(buf)
    return buf.getvalue()


def test_at_quality_11_the_bytes_are_fonttools_own(otf):
    assert woff2.encode(otf, quality=11) == _fonttools_woff2(otf)


def test_the_default_quality_decodes_to_the_same_font(otf):
    data = woff2.encode(otf)
    decoded = TTFont(io.BytesIO(data), recalcTimestamp=False, recalcBBoxes=False)
    source = TTFont(io.BytesIO(otf), recalcTimestamp=False, recalcBBoxes=False)
    assert decoded.flavor == "woff2"
    assert sorted(decoded.keys()) == sorted(source.keys())
    for tag in source.keys():
        if tag in ("GlyphOrder", "head"):
            continue
        assert decoded.reader[tag] == source.reader[tag], tag
    assert decoded["head"].flags == source["head"].flags | (1 << 11)
    assert decoded.getBestCmap() == source.getBestCmap()
    # head.checkSumAdjustment makes the decoded sfnt (directory + tables) sum to 0xB1B0AFBA;
    # the directory records head's checksum as if the adjustment were 0 (OpenType spec)
    tags = sorted(decoded.reader.keys())
    offset, records, total = 12 + 16 * len(tags), [], 0
    for tag in tags:
        data = decoded.reader[tag]
        summed = data[:8] + b"\0\0\0\0" + data[12:] if tag == "head" else data
        records.append((tag.encode("latin-1"), calcChecksum(summed), offset, len(data)))
        total += calcChecksum(data)
        offset += (len(data) + 3) & ~3
    directory = woff2._sfnt_directory(b"OTTO", records)
    assert (calcChecksum(directory) + total) & 0xFFFFFFFF == 0xB1B0AFBA


def test_quality_changes_only_the_brotli_stream(otf):
    """Quality changes only the Brotli stream: same header fields but the sizes."""
    q10, q11 = woff2.encode(otf, 10), woff2.encode(otf, 11)
    header = struct.Struct(">4s4sLHHLLHH")
    a, b = header.unpack_from(q10), header.unpack_from(q11)
    assert a[:2] == b[:2] == (b"wOF2", b"OTTO")
    assert a[3:6] == b[3:6]  # tables, reserved, decoded size
    assert len(q10) % 4 == 0 and a[2] == len(q10)


def test_dsig_is_dropped(otf):
    tt = TTFont(io.BytesIO(otf), recalcTimestamp=False, recalcBBoxes=False)
    from fontTools.ttLib import newTable

    dsig = newTable("DSIG")
    dsig.ulVersion, dsig.usFlag, dsig.usNumSigs, dsig.signatureRecords = 1, 0, 0, []
    tt["DSIG"] = dsig
    buf = io.BytesIO()
    tt.save(buf)
    decoded = TTFont(io.BytesIO(woff2.encode(buf.getvalue())))
    assert "DSIG" not in decoded.keys()


@pytest.mark.parametrize(
    "data, message",
    [(b"", "too short"),
     (b"\x00\x01\x00\x00" + b"\x00" * 8, "only CFF-flavoured"),
     (b"OTTO\x00\x02" + b"\x00" * 6 + b"head", "truncated table directory"),
     (b"OTTO\x00\x01" + b"\x00" * 6 + b"head" + struct.pack(">LLL", 0, 28, 100), "'head' runs past the end"),
     (b"OTTO\x00\x00" + b"\x00" * 6, "no 'head' table")],
)
def test_what_it_refuses(data, message):
    with pytest.raises(woff2.Woff2Error, match=message):
        woff2.encode(data)


@pytest.mark.parametrize("quality", [-1, 12])
def test_quality_out_of_range(otf, quality):
    with pytest.raises(ValueError, match="quality must be 0-11"):
        woff2.encode(otf, quality)


@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_base128_is_the_specs(n):
    assert woff2._base128(n) == packBase128(n)
