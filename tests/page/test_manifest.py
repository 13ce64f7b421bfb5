"""The raw folder and its manifest: every failure names the file."""

from __future__ import annotations

import json
import shutil

import pytest

from helpers import files, paths
from helpers.errors import DeskError
from helpers.page import manifest


@pytest.fixture()
def raw(tmp_path):
    """A copy of data/raw to break."""
    dest = tmp_path / "raw"
    shutil.copytree(paths.RAW, dest)
    return dest


def _edit(raw, change):
    mpath = raw / "manifest.json"
    doc = json.loads(mpath.read_text(encoding="utf-8"))
    change(doc)
    mpath.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return mpath


def test_committed_raw_folder_verifies():
    entries = manifest.verify_all()
    assert entries and entries[0].path.name == "000_106e376f0b9f6718.txt"
    for e in entries:
        assert files.sha256_of(e.path) == e.sha256


def test_raw_page_is_the_supplied_source_byte_for_byte():
    shared = paths.ROOT.parent / "shared" / "source" / "000_106e376f0b9f6718.txt"
    if not shared.exists():
        pytest.skip(f"{shared} not present on this machine")
    assert (paths.RAW / shared.name).read_bytes() == shared.read_bytes()


def test_checksum_mismatch_names_file_and_both_hashes(raw):
    page = raw / "000_106e376f0b9f6718.txt"
    page.write_bytes(page.read_bytes() + b"\n")
    entry = manifest.entry(manifest_path=raw / "manifest.json")
    with pytest.raises(manifest.ChecksumError) as err:
        manifest.verify(entry)
    msg = str(err.value)
    assert str(page) in msg and entry.sha256 in msg and files.sha256_of(page) in msg


def test_listed_file_missing(raw):
    (raw / "000_106e376f0b9f6718.txt").unlink()
    with pytest.raises(manifest.ManifestError, match="000_106e376f0b9f6718.txt.*missing"):
        manifest.load(raw / "manifest.json")


def test_unlisted_file_in_raw(raw):
    (raw / "stray.txt").write_text("本报讯", encoding="utf-8")
    with pytest.raises(manifest.ManifestError, match="stray.txt.*not listed"):
        manifest.load(raw / "manifest.json")


def test_duplicate_slug(raw):
    shutil.copy(raw / "000_106e376f0b9f6718.txt", raw / "copy.txt")

    def dup(doc):
        second = dict(doc["pages"][0], path="copy.txt")
        doc["pages"].append(second)

    mpath = _edit(raw, dup)
    with pytest.raises(manifest.ManifestError, match="duplicate slug 'tsq-2024-spring'"):
        manifest.load(mpath)


def test_missing_field_and_bad_json(raw):
    mpath = _edit(raw, lambda doc: doc["pages"][0].pop("sha256"))
    with pytest.raises(manifest.ManifestError, match=r"pages\[0\]: missing field\(s\) sha256"):
        manifest.load(mpath)
    mpath.write_text("{not json", encoding="utf-8")
    with pytest.raises(manifest.ManifestError, match="not valid JSON"):
        manifest.load(mpath)


def test_path_must_stay_inside_raw(raw):
    mpath = _edit(raw, lambda doc: doc["pages"][0].update(path="../secret.txt"))
    with pytest.raises(manifest.ManifestError, match="plain file name"):
        manifest.load(mpath)


def test_verify_all_refuses_page_content_before_any_build(raw):
    page = raw / "000_106e376f0b9f6718.txt"
    page.write_bytes(page.read_bytes() + "\u2067hidden\u2069\n".encode())
    _edit(raw, lambda doc: doc["pages"][0].update(sha256=files.sha256_of(page)))
    with pytest.raises(DeskError, match=r"000_106e376f0b9f6718\.txt: bidirectional control U\+2067"):
        manifest.verify_all(raw / "manifest.json")


def test_find_maps_a_raw_file_to_its_entry(raw, tmp_path):
    mpath = raw / "manifest.json"
    entry = manifest.find(raw / "000_106e376f0b9f6718.txt", mpath)
    assert entry.slug == "tsq-2024-spring"
    assert manifest.find(tmp_path / "elsewhere.txt", mpath) is None
    (raw / "stray.txt").write_text("x")
    with pytest.raises(manifest.ManifestError, match="stray.txt"):
        manifest.find(raw / "stray.txt", mpath)
