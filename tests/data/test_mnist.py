"""backprop.mnist: IDX reading, checksums, the download path (against a local server), split and subset."""

import functools
import gzip
import hashlib
import http.server
import os
import threading

import numpy as np
import pytest

from backprop.data import mnist
from ci_support import skip_or_fail

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
FIRST_TRAIN_LABELS = [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]


def synthetic_arrays(n_train=12, n_test=5, seed=0):
    rng = np.random.default_rng(seed)
    return {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, n_train, dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test, dtype=np.uint8),
    }


def write_synthetic(directory, arrays, gz=True):
    directory.mkdir(parents=True, exist_ok=True)
    for name, arr in arrays.items():
        mnist.write_idx(directory / (name + (".gz" if gz else "")), arr)
    return directory


def hashes_of(directory):
    return {name: hashlib.sha256(mnist._raw_bytes(mnist._find(directory, name))).hexdigest() for name in mnist.FILES}


@pytest.fixture
def no_env(monkeypatch, tmp_path):
    """No MNIST_DIR, a private cache, and no real mirror ever contacted."""
    monkeypatch.delenv("MNIST_DIR", raising=False)
    monkeypatch.setenv("BACKPROP_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("MNIST_MIRRORS", "http://127.0.0.1:9/unused/")
    return tmp_path / "cache" / "mnist"


@pytest.fixture
def server(tmp_path):
    """A local http.server on 127.0.0.1 serving tmp_path/www; yields (www dir, base url)."""
    www = tmp_path / "www"
    www.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(www)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield www, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


# -- IDX --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize("dtype", [np.uint8, np.int32, np.float64])
def test_idx_round_trip(tmp_path, suffix, dtype):
    arr = (np.arange(2 * 3 * 4) * 7 - 20).reshape(2, 3, 4).astype(dtype)
    if dtype == np.uint8:
        arr = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    path = tmp_path / f"a.idx{suffix}"
    mnist.write_idx(path, arr)
    raw = path.read_bytes()
    assert (raw[:2] == b"\x1f\x8b") == (suffix == ".gz")
    back = mnist.read_idx(path)
    assert back.dtype == arr.dtype and back.shape == arr.shape
    np.testing.assert_array_equal(back, arr)
    back[0] = 0  # a writable copy, not a view of read-only bytes


def test_idx_layout_is_big_endian_with_magic(tmp_path):
    mnist.write_idx(tmp_path / "l", np.array([1, 2, 3], dtype=np.uint8))
    assert (tmp_path / "l").read_bytes() == bytes([0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3])


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "too short"),
        (bytes([1, 2, 8, 1, 0, 0, 0, 1, 5]), "magic"),
        (bytes([0, 0, 0x42, 1, 0, 0, 0, 1, 5]), "magic"),
        (bytes([0, 0, 8, 0]), "0 dimensions"),
        (bytes([0, 0, 8, 3, 0, 0, 0, 2]), "truncated IDX header"),
        (bytes([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3]), "truncated IDX data"),
        (bytes([0, 0, 8, 1, 0, 0, 0, 1, 5, 6]), "unexpected bytes"),
        (b"<html>404 not found</html>", "magic"),
    ],
)
def test_bad_idx_is_a_clear_error(tmp_path, data, message):
    path = tmp_path / "bad-idx"
    path.write_bytes(data)
    with pytest.raises(ValueError, match=message) as err:
        mnist.read_idx(path)
    assert "bad-idx" in str(err.value)


def test_truncated_gzip_is_a_clear_error(tmp_path):
    path = tmp_path / "t.gz"
    path.write_bytes(gzip.compress(bytes([0, 0, 8, 1, 0, 0, 1, 0]) + bytes(256))[:-12])
    with pytest.raises(ValueError, match="gzip") as err:
        mnist.read_idx(path)
    assert str(path) in str(err.value)


def test_missing_file_names_the_path(tmp_path):
    arrays = synthetic_arrays()
    del arrays["t10k-labels-idx1-ubyte"]
    write_synthetic(tmp_path / "m", arrays)
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte") as err:
        mnist.load_data(tmp_path / "m")
    assert str(tmp_path / "m") in str(err.value)
    with pytest.raises(FileNotFoundError, match="nope.idx"):
        mnist.read_idx(tmp_path / "nope.idx")


# -- checksums and the split ------------------------------------------------------------------------
def test_checksum_mismatch_names_file_and_both_hashes(tmp_path):
    d = write_synthetic(tmp_path / "m", synthetic_arrays())
    with pytest.raises(mnist.ChecksumError) as err:
        mnist.load_data(d, n_validation=2)
    msg = str(err.value)
    assert "train-images-idx3-ubyte" in msg
    assert mnist.SHA256["train-images-idx3-ubyte"] in msg
    assert hashes_of(d)["train-images-idx3-ubyte"] in msg


@pytest.mark.parametrize("gz", [True, False])
def test_split_and_dtypes_on_synthetic_files(tmp_path, monkeypatch, gz):
    arrays = synthetic_arrays(n_train=12, n_test=5)
    d = write_synthetic(tmp_path / "m", arrays, gz=gz)
    monkeypatch.setattr(mnist, "SHA256", hashes_of(d))
    (x, y), (xv, yv), (xt, yt) = mnist.load_data(d, n_validation=4)
    assert x.shape == (8, 784) and xv.shape == (4, 784) and xt.shape == (5, 784)
    assert x.dtype == np.float64 and y.dtype == np.int64
    assert 0.0 <= x.min() and x.max() <= 1.0
    np.testing.assert_allclose(x * 255, arrays["train-images-idx3-ubyte"][:8].reshape(8, 784))
    np.testing.assert_array_equal(yv, arrays["train-labels-idx1-ubyte"][8:])
    np.testing.assert_array_equal(yt, arrays["t10k-labels-idx1-ubyte"])
    (x8, _), _, (xt8, _) = mnist.load_data(d, dtype=np.uint8, n_validation=4)
    assert x8.dtype == np.uint8
    np.testing.assert_array_equal(xt8, arrays["t10k-images-idx3-ubyte"].reshape(5, 784))
    (x32, _), _, _ = mnist.load_data(d, dtype=np.float32, n_validation=4)
    assert x32.dtype == np.float32
    with pytest.raises(ValueError, match="int16"):
        mnist.load_data(d, dtype=np.int16, n_validation=4)


def test_mnist_dir_env_is_used(tmp_path, monkeypatch):
    d = write_synthetic(tmp_path / "m", synthetic_arrays())
    monkeypatch.setattr(mnist, "SHA256", hashes_of(d))
    monkeypatch.setenv("MNIST_DIR", str(d))
    (x, _), _, _ = mnist.load_data(n_validation=2)
    assert x.shape == (10, 784)


def test_mismatched_image_and_label_counts(tmp_path, monkeypatch):
    arrays = synthetic_arrays()
    arrays["train-labels-idx1-ubyte"] = arrays["train-labels-idx1-ubyte"][:-1]
    d = write_synthetic(tmp_path / "m", arrays)
    monkeypatch.setattr(mnist, "SHA256", hashes_of(d))
    with pytest.raises(ValueError, match="labels"):
        mnist.load_data(d, n_validation=2)


def test_subset_round_trip_and_bad_subsets(tmp_path, monkeypatch):
    arrays = synthetic_arrays(n_train=12, n_test=5)
    d = write_synthetic(tmp_path / "m", arrays)
    monkeypatch.setattr(mnist, "SHA256", hashes_of(d))
    path = mnist.write_subset(tmp_path / "s.npz", n_train=6, n_test=3, directory=d, n_validation=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m", "s.npz"]  # no temp file left
    for source in (path, path.read_bytes()):
        s = mnist.read_subset(source)
        assert {k: (v.shape, v.dtype) for k, v in s.items()} == {
            "x_train": ((6, 784), np.uint8),
            "y_train": ((6,), np.uint8),
            "x_test": ((3, 784), np.uint8),
            "y_test": ((3,), np.uint8),
        }
        np.testing.assert_array_equal(s["x_train"], arrays["train-images-idx3-ubyte"][:6].reshape(6, 784))
        np.testing.assert_array_equal(s["y_test"], arrays["t10k-labels-idx1-ubyte"][:3])
    with pytest.raises(ValueError, match="n_train"):
        mnist.write_subset(tmp_path / "t.npz", n_train=11, n_test=3, directory=d, n_validation=2)
    with pytest.raises(ValueError, match="npz"):
        mnist.read_subset(b"garbage bytes")
    np.savez(tmp_path / "partial.npz", x_train=np.zeros((1, 784), np.uint8))
    with pytest.raises(ValueError, match="missing y_train"):
        mnist.read_subset(tmp_path / "partial.npz")
    np.savez(
        tmp_path / "obj.npz",
        x_train=np.array([{}], dtype=object),
        y_train=np.zeros(1, np.uint8),
        x_test=np.zeros((1, 784), np.uint8),
        y_test=np.zeros(1, np.uint8),
    )
    with pytest.raises(ValueError, match="obj.npz"):  # pickled object arrays are refused
        mnist.read_subset(tmp_path / "obj.npz")
    with pytest.raises(FileNotFoundError, match="absent.npz"):
        mnist.read_subset(tmp_path / "absent.npz")


# -- download --------------------------------------------------------------------------------------
def test_download_from_local_mirror_into_cache(tmp_path, monkeypatch, no_env, server):
    www, url = server
    write_synthetic(www / "mnist", synthetic_arrays())
    monkeypatch.setattr(mnist, "SHA256", hashes_of(www / "mnist"))
    # the first mirror refuses the connection, the second 404s, the third has the files
    monkeypatch.setenv("MNIST_MIRRORS", f"http://127.0.0.1:9/x/ {url}/missing/, {url}/mnist")
    (x, y), (xv, _), (xt, yt) = mnist.load_data(n_validation=2)
    assert x.shape == (10, 784) and xv.shape == (2, 784) and xt.shape == (5, 784)
    assert sorted(p.name for p in no_env.iterdir()) == sorted(f"{n}.gz" for n in mnist.FILES)
    # a second load reads the cache: it works with every mirror gone
    monkeypatch.setenv("MNIST_MIRRORS", "http://127.0.0.1:9/x/")
    (x2, _), _, _ = mnist.load_data(n_validation=2)
    np.testing.assert_array_equal(x, x2)
    # a damaged cached file is fetched again
    (no_env / "t10k-labels-idx1-ubyte.gz").write_bytes(b"junk")
    monkeypatch.setenv("MNIST_MIRRORS", f"{url}/mnist/")
    _, _, (_, yt2) = mnist.load_data(n_validation=2)
    np.testing.assert_array_equal(yt, yt2)


def test_failed_download_is_clear_and_leaves_nothing(tmp_path, monkeypatch, no_env, server):
    www, url = server
    write_synthetic(www / "wrong", synthetic_arrays(seed=1))  # served, but fails the checksum
    monkeypatch.setattr(mnist, "SHA256", hashes_of(write_synthetic(tmp_path / "right", synthetic_arrays())))
    mirror_list = [f"{url}/wrong/", f"{url}/missing/", "http://127.0.0.1:9/"]
    monkeypatch.setenv("MNIST_MIRRORS", " ".join(mirror_list))
    with pytest.raises(mnist.DownloadError) as err:
        mnist.load_data(n_validation=2)
    msg = str(err.value)
    for m in mirror_list:
        assert f"{m}train-images-idx3-ubyte.gz" in msg
    assert "sha256" in msg and "404" in msg and "MNIST_DIR" in msg
    assert list(no_env.iterdir()) == []  # no partial or unverified file left behind


# -- the real thing --------------------------------------------------------------------------------
def test_real_mnist_when_available():
    if not os.environ.get("MNIST_DIR"):
        skip_or_fail("MNIST_DIR is not set: the real-MNIST checks need the four IDX files")
    (x, y), (xv, yv), (xt, yt) = mnist.load_data(dtype=np.uint8)
    assert x.shape == (50000, 784) and xv.shape == (10000, 784) and xt.shape == (10000, 784)
    assert list(y[:10]) == FIRST_TRAIN_LABELS
    assert list(np.bincount(np.concatenate([y, yv]), minlength=10)) == TRAIN_COUNTS
    assert list(np.bincount(yt, minlength=10)) == TEST_COUNTS
    assert x.max() == 255 and x.min() == 0


def test_a_compressed_file_is_never_decompressed_past_its_size(tmp_path, monkeypatch):
    bomb = tmp_path / "train-labels-idx1-ubyte.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as f:  # 64 MB of zeros in about 64 kB
        for _ in range(64):
            f.write(bytes(1 << 20))
    assert bomb.stat().st_size < 200_000
    read = []
    real_read = gzip.GzipFile.read

    def counting_read(self, size=-1):
        data = real_read(self, size)
        read.append(len(data))
        return data

    monkeypatch.setattr(gzip.GzipFile, "read", counting_read)
    with pytest.raises(ValueError, match="decompresses to more than 1,000 bytes"):
        mnist.read_idx(bomb, limit=1000)
    with pytest.raises(mnist.ChecksumError, match="more than 60,008 bytes"):  # the canonical size
        mnist._verified_bytes(bomb, "train-labels-idx1-ubyte")
    assert sum(read) <= 1001 + 60_009  # it stopped there, not after 64 MB
