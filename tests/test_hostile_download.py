"""download.fetch and download.extract against hostile servers, names and archives.

No test writes a large file: the archives are small and either declare sizes past the caps
in their headers or are unpacked with caps set low. No test can hang: the slow server is
given a deadline of a fraction of a second, and every test runs under an alarm.
"""
import gzip
import hashlib
import http.server
import io
import tarfile
import threading
import time
import zipfile

import pytest

from lecturelib.datasets import download as D
from timeouts import alarm




def nothing_outside(tmp_path, dest):
    """Every file under tmp_path lies in dest or is one of the archives we built."""
    outside = [p for p in tmp_path.rglob("*") if p.is_file() and dest not in p.parents
               and p.suffix not in (".tar", ".zip", ".gz", ".tgz", ".bin")]
    assert outside == []


# ------------------------------------------------------------------ fetch

class Trickle(http.server.BaseHTTPRequestHandler):
    """Promises 10,000 bytes and sends one every 20 ms (the per-read timeout never fires)."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "10000")
        self.end_headers()
        try:
            for _ in range(10000):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.02)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def trickle_url():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/slow.tar"
    server.shutdown()
    server.server_close()


def test_fetch_gives_up_at_the_overall_deadline(tmp_path, trickle_url):
    res = D.Resource(trickle_url, "slow.tar", "0" * 32)
    start = time.monotonic()
    with alarm(10), pytest.raises(RuntimeError, match="deadline=0.5"):
        D.fetch(res, tmp_path, timeout=5.0, deadline=0.5)
    assert time.monotonic() - start < 5
    assert not (tmp_path / "slow.tar.part").exists() and not (tmp_path / "slow.tar").exists()


def test_fetch_stops_at_max_bytes(tmp_path):
    src = tmp_path / "big.bin"
    src.write_bytes(b"z" * 5000)
    res = D.Resource(src.as_uri(), "big.tar", hashlib.md5(src.read_bytes()).hexdigest())
    with pytest.raises(RuntimeError, match="max_bytes=1000"):
        D.fetch(res, tmp_path / "out", max_bytes=1000)
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize("name", ["../outside/escape.tar", "../escape.tar", "/tmp/abs.tar", "a/b.tar",
                                  "..", ".", "", "a\\b.tar", "nul\0.tar"])
def test_fetch_target_must_be_a_plain_name(tmp_path, name):
    src = tmp_path / "src.bin"
    src.write_bytes(b"data")
    res = D.Resource(src.as_uri(), name, hashlib.md5(b"data").hexdigest())
    with pytest.raises(ValueError, match="resource.filename"):
        D.fetch(res, tmp_path / "folder")
    assert not (tmp_path / "outside").exists() and not (tmp_path / "escape.tar").exists()
    assert not (tmp_path / "folder").exists()


@pytest.mark.parametrize("kw", [dict(timeout=0), dict(deadline=-1), dict(max_bytes=0), dict(timeout="3"),
                                dict(deadline=float("nan"))])
def test_fetch_limits_must_be_positive(tmp_path, kw):
    res = D.Resource("file:///nonexistent", "a.tar", "0" * 32)
    with pytest.raises(ValueError, match=next(iter(kw))):
        D.fetch(res, tmp_path, **kw)


# ------------------------------------------------------------------ extract: caps

def tar_with(tmp_path, members, mode="w", name="a.tar"):
    """A tar holding ``members``: (TarInfo, bytes or None). Headers are written as given, so a
    header may declare more bytes than follow (the reader must refuse before reading them)."""
    path = tmp_path / name
    with tarfile.open(path, mode) as t:
        for info, data in members:
            t.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def reg(name, data=b"", size=None):
    info = tarfile.TarInfo(name)
    info.size = len(data) if size is None else size
    return info, data


def test_extract_refuses_a_declared_100_gib_member_before_writing(tmp_path):
    # Only the header is written: it declares 100 GiB; the archive itself is a few kB.
    path = tmp_path / "bomb.tar"
    info = tarfile.TarInfo("zeros.bin")
    info.size = 100 * D.GiB
    path.write_bytes(info.tobuf(format=tarfile.PAX_FORMAT) + b"\0" * 1024)
    assert path.stat().st_size < 10_000
    with alarm(10), pytest.raises(RuntimeError, match=r"bomb.tar: .*max_bytes"):
        D.extract(path, tmp_path / "dest")
    assert not (tmp_path / "dest" / "zeros.bin").exists()


def test_extract_caps_a_gzip_tar_of_zeros(tmp_path):
    # 4 MB of zeros compress to about 4 kB; with max_bytes = 1 MB nothing is unpacked.
    path = tar_with(tmp_path, [reg("z1.bin", b"\0" * 2_000_000), reg("z2.bin", b"\0" * 2_000_000)], "w:gz",
                    "zeros.tar.gz")
    assert path.stat().st_size < 50_000
    with pytest.raises(RuntimeError, match=r"zeros.tar.gz: .*max_bytes=1000000"):
        D.extract(path, tmp_path / "dest", max_bytes=1_000_000)
    assert not (tmp_path / "dest").exists()


def test_extract_caps_a_zip_of_zeros(tmp_path):
    path = tmp_path / "zeros.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("zeros.bin", b"\0" * 3_000_000)
    assert path.stat().st_size < 50_000
    with pytest.raises(RuntimeError, match=r"zeros.zip: .*max_bytes=1000000"):
        D.extract(path, tmp_path / "dest", max_bytes=1_000_000)
    assert not (tmp_path / "dest").exists()


@pytest.mark.parametrize("kind", ["tar", "zip"])
def test_extract_caps_the_number_of_files(tmp_path, kind):
    if kind == "tar":
        path = tar_with(tmp_path, [reg(f"f{i}.txt", b"x") for i in range(50)])
    else:
        path = tmp_path / "many.zip"
        with zipfile.ZipFile(path, "w") as z:
            for i in range(50):
                z.writestr(f"f{i}.txt", b"x")
    with pytest.raises(RuntimeError, match="max_files=10"):
        D.extract(path, tmp_path / "dest", max_files=10)
    assert not (tmp_path / "dest").exists()


def test_extract_under_the_caps_works(tmp_path):
    path = tar_with(tmp_path, [reg("d/a.txt", b"hello"), reg("b.txt", b"")], "w:gz", "ok.tar.gz")
    D.extract(path, tmp_path / "dest", max_bytes=5, max_files=2)
    assert (tmp_path / "dest" / "d" / "a.txt").read_bytes() == b"hello"
    assert (tmp_path / "dest" / "b.txt").read_bytes() == b""


# ------------------------------------------------------------------ extract: members that reach outside

def special(name, kind, linkname=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    return info, None


@pytest.mark.parametrize("member,problem", [
    (special("fifo", tarfile.FIFOTYPE), "not a regular file"),
    (special("zero", tarfile.CHRTYPE), "not a regular file"),
    (special("disk", tarfile.BLKTYPE), "not a regular file"),
    (special("link", tarfile.SYMTYPE, "/etc/passwd"), "is a link"),
    (special("hard", tarfile.LNKTYPE, "/etc/passwd"), "is a link"),
    (special("rel", tarfile.SYMTYPE, "../../x"), "is a link"),
    (reg("../up.txt", b"x"), "outside"),
    (reg("/tmp/h17-absolute.txt", b"x"), "outside"),
    (reg("a/../../up.txt", b"x"), "outside"),
])
def test_extract_refuses_tar_members(tmp_path, member, problem):
    path = tar_with(tmp_path, [reg("fine.txt", b"ok"), member])
    with pytest.raises(RuntimeError, match=problem) as err:
        D.extract(path, tmp_path / "dest")
    assert "a.tar" in str(err.value) or "would be written outside" in str(err.value)
    assert not (tmp_path / "dest" / "fine.txt").exists()      # checked before anything is written
    nothing_outside(tmp_path, tmp_path / "dest")


@pytest.mark.parametrize("name,mode,problem", [
    ("../up.txt", 0o100644, "outside"),
    ("/tmp/h17-abs.txt", 0o100644, "outside"),
    ("link", 0o120777, "not a regular file"),
    ("fifo", 0o010644, "not a regular file"),
])
def test_extract_refuses_zip_members(tmp_path, name, mode, problem):
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as z:
        info = zipfile.ZipInfo(name)
        info.external_attr = mode << 16
        z.writestr(info, b"/etc/passwd")
    with pytest.raises(RuntimeError, match=problem):
        D.extract(path, tmp_path / "dest")
    nothing_outside(tmp_path, tmp_path / "dest")


@pytest.mark.parametrize("content", [b"", b"not an archive at all", gzip.compress(b"plain gzip, no tar inside"),
                                     b"PK\x03\x04truncated zip"])
def test_extract_names_the_archive_it_cannot_read(tmp_path, content):
    path = tmp_path / "broken.bin"
    path.write_bytes(content)
    with pytest.raises(RuntimeError, match="broken.bin: not a readable"):
        D.extract(path, tmp_path / "dest")


def test_a_gzip_of_zeros_is_refused_quickly_not_read_as_an_empty_tar(tmp_path):
    path = tmp_path / "zeros.gz"
    path.write_bytes(gzip.compress(b"\0" * 20_000_000, 1))
    start = time.monotonic()
    with alarm(10), pytest.raises(RuntimeError, match="zeros.gz: not a tar archive, or one that holds no files"):
        D.extract(path, tmp_path / "dest")
    assert time.monotonic() - start < 2 and not (tmp_path / "dest").exists()


def test_an_empty_zip_is_refused(tmp_path):
    path = tmp_path / "empty.zip"
    zipfile.ZipFile(path, "w").close()
    with pytest.raises(RuntimeError, match="empty.zip: the archive holds no files"):
        D.extract(path, tmp_path / "dest")


def test_extract_refuses_a_member_that_holds_less_than_declared(tmp_path):
    info = tarfile.TarInfo("short.bin")
    info.size = 4096
    path = tmp_path / "short.tar"
    path.write_bytes(info.tobuf() + b"x" * 100)           # the data stops after 100 of 4096 bytes
    with pytest.raises(RuntimeError, match="short.tar"):
        D.extract(path, tmp_path / "dest")


@pytest.mark.parametrize("kw", [dict(max_bytes=0), dict(max_files=-1)])
def test_extract_caps_must_be_positive(tmp_path, kw):
    path = tar_with(tmp_path, [reg("a.txt", b"x")])
    with pytest.raises(ValueError, match=next(iter(kw))):
        D.extract(path, tmp_path / "dest", **kw)


def test_extract_refuses_a_fifo_as_the_archive(tmp_path):
    import os
    fifo = tmp_path / "pipe.tar"
    os.mkfifo(fifo)
    with alarm(5), pytest.raises(RuntimeError, match="not a regular file"):
        D.extract(fifo, tmp_path / "dest")
