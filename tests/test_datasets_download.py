"""Download helpers, without any network: file:// URLs, a refused connection, a hostile archive."""
import hashlib
import io
import tarfile
import urllib.error

import pytest

from lecturelib.datasets import download as D


def test_fetch_verifies_checksum(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"voc" * 1000)
    good = D.Resource(src.as_uri(), "a.bin", hashlib.md5(src.read_bytes()).hexdigest())
    path = D.fetch(good, tmp_path / "out")
    assert path.read_bytes() == src.read_bytes() and D.md5sum(path) == good.md5
    bad = D.Resource(src.as_uri(), "b.bin", "0" * 32)
    with pytest.raises(RuntimeError, match="checksum mismatch"):
        D.fetch(bad, tmp_path / "out")
    assert not (tmp_path / "out" / "b.bin").exists() and not (tmp_path / "out" / "b.bin.part").exists()


def test_no_network_message(tmp_path, monkeypatch):
    def refuse(*a, **k):
        raise urllib.error.URLError("Name or service not known")
    monkeypatch.setattr(D.urllib.request, "urlopen", refuse)
    with pytest.raises(RuntimeError) as err:
        D.download("voc2012", tmp_path)
    msg = str(err.value)
    assert "by hand" in msg and "VOCtrainval_11-May-2012.tar" in msg and "host.robots.ox.ac.uk" in msg


def test_extract_refuses_path_traversal(tmp_path):
    archive = tmp_path / "evil.tar"
    with tarfile.open(archive, "w") as t:
        info = tarfile.TarInfo("../evil.txt")
        info.size = 3
        t.addfile(info, io.BytesIO(b"bad"))
    with pytest.raises(RuntimeError, match="outside"):
        D.extract(archive, tmp_path / "dest")
    assert not (tmp_path / "evil.txt").exists()


def test_unknown_name():
    with pytest.raises(ValueError, match="name"):
        D.download("imagenet", "/tmp")


def test_download_end_to_end_from_a_local_archive(tmp_path, monkeypatch):
    """download() fetches (file:// URL), verifies, unpacks a VOC-layout tar, and the readers open the result."""
    from lecturelib.datasets import synthetic, voc
    src = tmp_path / "src"
    synthetic.write_voc(src, n_images=6, size=32, seed=4, val_fraction=0.5)
    archive = tmp_path / "VOCtrainval.tar"
    with tarfile.open(archive, "w") as t:
        t.add(src / "VOCdevkit", arcname="VOCdevkit")
    res = D.Resource(archive.as_uri(), "VOCtrainval.tar", D.md5sum(archive))
    monkeypatch.setitem(D.RESOURCES, "voc2012", [res])
    root = D.download("voc2012", tmp_path / "data")
    assert root == tmp_path / "data" / "VOCdevkit" / "VOC2012"
    images, masks = voc.load_segmentation(root, "train")
    assert len(images) == 3 and masks[0].shape == (32, 32)
    again = D.download("voc2012", tmp_path / "data")      # already there: checksum matches, no refetch
    assert again == root
