"""MNIST for the network: read the IDX files, check them, split them as Nielsen does, cut the web subset.

Where the four files come from, in order: the ``directory`` argument, the ``MNIST_DIR`` environment
variable, else a download from public mirrors into a cache folder (``BACKPROP_CACHE``/mnist, default
``~/.cache/backprop/mnist``). Every file is checked against the sha256 of its *decompressed* contents,
so recompressed copies pass and a wrong or damaged file never reaches training. numpy and the standard
library only. What it leaves out: other datasets, augmentation, any pickle.

Nielsen's split: the first 50,000 training images train, the last 10,000 validate, t10k tests.
"""

import gzip
import hashlib
import io
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from ..fileio import write_atomically

# decompressed sha256 of the canonical files (the hashes in shared/README.md)
SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
# their decompressed sizes: a file is never decompressed past these (a gzip bomb stops at once)
SIZES = {
    "train-images-idx3-ubyte": 47_040_016,
    "train-labels-idx1-ubyte": 60_008,
    "t10k-images-idx3-ubyte": 7_840_016,
    "t10k-labels-idx1-ubyte": 10_008,
}
MAX_IDX_BYTES = 1 << 30  # any other IDX file: what read_idx will decompress at most
FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")

# Public mirrors of the canonical .gz files; MNIST_MIRRORS (space or comma separated) overrides them.
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
N_VALIDATION = 10_000
DOWNLOAD_TIMEOUT = 60  # seconds without data before a mirror counts as failed

# IDX type codes (the third magic byte) -> big-endian numpy dtypes
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


class ChecksumError(ValueError):
    """A file's decompressed sha256 is not the canonical one."""

    def __init__(self, message, expected, actual):
        super().__init__(message)
        self.expected, self.actual = expected, actual


class DownloadError(OSError):
    """No mirror delivered a file (offline, blocked, or every copy failed its checksum)."""


# -- IDX ------------------------------------------------------------------------------------------
def _raw_bytes(path, limit=MAX_IDX_BYTES):
    """The file's contents, gunzipped when it is gzip (judged by its magic bytes, not its name),
    decompressed in a stream that stops with a ValueError as soon as it passes ``limit`` bytes."""
    path = Path(path)
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        raise FileNotFoundError(f"MNIST file not found: {path}") from None
    with f:
        gz = f.read(2) == b"\x1f\x8b"
        f.seek(0)
        try:
            stream = gzip.GzipFile(fileobj=f) if gz else f
            data = stream.read(limit + 1)
        except (EOFError, OSError, zipfile.BadZipFile) as e:  # truncated stream, bad CRC, garbage
            raise ValueError(f"{path}: not a readable gzip file ({e})") from None
    if len(data) > limit:
        raise ValueError(f"{path}: {'decompresses to' if gz else 'is'} more than {limit:,} bytes")
    return data


def parse_idx(data, name="<bytes>"):
    """An IDX byte string -> ndarray, checking the magic number and that the size matches the dims."""
    if len(data) < 4:
        raise ValueError(f"{name}: {len(data)} bytes is too short for an IDX header")
    if data[0] != 0 or data[1] != 0 or data[2] not in _IDX_TYPES:
        raise ValueError(
            f"{name}: bad IDX magic number 0x{data[:4].hex()}: expected 0x0000, a type code "
            f"({', '.join(f'0x{t:02x}' for t in _IDX_TYPES)}) and the number of dimensions"
        )
    ndim = data[3]
    if ndim == 0:
        raise ValueError(f"{name}: IDX header says 0 dimensions")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{name}: truncated IDX header ({len(data)} bytes, {ndim} dimensions need {header})")
    dims = tuple(int(d) for d in np.frombuffer(data, ">u4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_TYPES[data[2]])
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    got = len(data) - header
    if got < expected:
        raise ValueError(f"{name}: truncated IDX data: dims {dims} need {expected:,} bytes, file has {got:,}")
    if got > expected:
        raise ValueError(f"{name}: {got - expected:,} unexpected bytes after the IDX data of dims {dims}")
    arr = np.frombuffer(data, dtype, offset=header).reshape(dims)
    return arr.astype(dtype.newbyteorder("="))  # a writable native-endian copy


def read_idx(path, limit=MAX_IDX_BYTES):
    """Read an IDX file, gzip-compressed or raw, into an ndarray (uint8 for MNIST); at most ``limit``
    bytes are decompressed."""
    return parse_idx(_raw_bytes(path, limit), str(path))


def write_idx(path, arr):
    """Write ``arr`` as IDX (gzip when the name ends in .gz): for tests and for making small files."""
    arr = np.asarray(arr)
    codes = {np.dtype(v).newbyteorder("="): k for k, v in _IDX_TYPES.items()}
    code = codes.get(arr.dtype.newbyteorder("="))
    if code is None:
        raise ValueError(f"IDX cannot store dtype {arr.dtype}")
    data = (
        bytes([0, 0, code, arr.ndim]) + np.asarray(arr.shape, ">u4").tobytes() + arr.astype(_IDX_TYPES[code]).tobytes()
    )
    Path(path).write_bytes(gzip.compress(data) if str(path).endswith(".gz") else data)


# -- finding and checking the files --------------------------------------------------------------
def _find(directory, name):
    """``name.gz`` or raw ``name`` in directory; a FileNotFoundError naming both paths otherwise."""
    directory = Path(directory)
    for candidate in (directory / f"{name}.gz", directory / name):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"MNIST file not found: {directory / (name + '.gz')} (nor raw {directory / name})")


def _verified_bytes(path, name):
    try:
        data = _raw_bytes(path, SIZES[name])
    except ValueError as e:
        if "more than" not in str(e):
            raise
        raise ChecksumError(
            f"{e}, the size of {name}; the file is damaged or not MNIST", SHA256[name], "(too large)"
        ) from None
    actual = hashlib.sha256(data).hexdigest()
    if actual != SHA256[name]:
        raise ChecksumError(
            f"{path}: decompressed sha256 {actual} does not match the expected {SHA256[name]} "
            f"for {name}; the file is damaged or not MNIST",
            SHA256[name],
            actual,
        )
    return data


def cache_dir():
    root = os.environ.get("BACKPROP_CACHE")
    return Path(root) / "mnist" if root else Path.home() / ".cache" / "backprop" / "mnist"


def mirrors():
    text = os.environ.get("MNIST_MIRRORS", "")
    urls = [u for u in text.replace(",", " ").split() if u]
    return urls or list(MIRRORS)


def _download(name, dest_dir):
    """Fetch name.gz from the first mirror whose copy passes the checksum; rename into place only then."""
    # imported here, not at the top: the page imports this module in Pyodide, where urllib's
    # machinery costs load time and downloading is never done
    import urllib.error
    import urllib.request

    dest_dir.mkdir(parents=True, exist_ok=True)
    tried = []
    for mirror in mirrors():
        url = mirror.rstrip("/") + f"/{name}.gz"
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=dest_dir)
        try:
            with os.fdopen(fd, "wb") as f, urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response:
                while chunk := response.read(1 << 20):
                    f.write(chunk)
            _verified_bytes(tmp, name)
            final = dest_dir / f"{name}.gz"
            os.replace(tmp, final)
            return final
        except urllib.error.HTTPError as e:
            tried.append(f"{url} (HTTP {e.code} {e.reason})")
        except urllib.error.URLError as e:  # refused, no route, DNS: offline
            tried.append(f"{url} ({e.reason})")
        except ChecksumError as e:
            tried.append(f"{url} (sha256 mismatch: {e.actual} instead of {e.expected})")
        except (OSError, ValueError) as e:  # timeouts, resets mid-transfer, a garbage gzip
            tried.append(f"{url} ({e})")
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    raise DownloadError(
        f"could not download {name}.gz; tried: {'; '.join(tried)}. "
        f"If you are offline, put the four MNIST .gz files in a folder and set MNIST_DIR "
        f"(or pass the directory / --mnist-dir)"
    )


def fetch(directory=None):
    """Paths of the four files: from directory > MNIST_DIR > the download cache (downloading if needed)."""
    directory = directory if directory is not None else os.environ.get("MNIST_DIR") or None
    if directory is not None:
        return {name: _find(directory, name) for name in FILES}
    cache = cache_dir()
    paths = {}
    for name in FILES:
        try:
            path = _find(cache, name)
            _verified_bytes(path, name)
        except (FileNotFoundError, ValueError):  # missing or damaged in the cache: fetch it again
            path = _download(name, cache)
        paths[name] = path
    return paths


def load_raw(directory=None):
    """The four arrays, checked: (train_images (60000,28,28), train_labels, test_images, test_labels)."""
    arrays = []
    for name, path in fetch(directory).items():
        arrays.append(parse_idx(_verified_bytes(path, name), str(path)))
    x_tr, y_tr, x_te, y_te = arrays
    for x, y, what in ((x_tr, y_tr, "train"), (x_te, y_te, "t10k")):
        if x.ndim != 3 or x.dtype != np.uint8 or y.ndim != 1 or y.dtype != np.uint8 or len(x) != len(y):
            raise ValueError(
                f"{what}: expected uint8 images (n, rows, cols) and n uint8 labels, "
                f"got images {x.dtype}{x.shape} and labels {y.dtype}{y.shape}"
            )
    return x_tr, y_tr, x_te, y_te


# -- the split and the subset ----------------------------------------------------------------------
def _as_inputs(images, dtype):
    """(n, 28, 28) uint8 -> (n, 784) rows: raw uint8, or floats in [0, 1]."""
    x = images.reshape(len(images), -1)
    if dtype == np.uint8:
        return np.ascontiguousarray(x)
    x = x.astype(dtype)
    x /= 255.0
    return x


def load_data(directory=None, dtype=np.float64, *, n_validation=N_VALIDATION):
    """Nielsen's split: ((x_train, y_train), (x_val, y_val), (x_test, y_test)).

    x is (n, 784): floats in [0, 1] of ``dtype``, or raw pixels when ``dtype=np.uint8``; y is (n,) int64.
    The first 50,000 training images train and the last ``n_validation`` (10,000) validate.
    """
    dtype = np.dtype(dtype)
    if dtype not in (np.uint8, np.float32, np.float64):
        raise ValueError(f"dtype must be uint8, float32 or float64, got {dtype}")
    x_tr, y_tr, x_te, y_te = load_raw(directory)
    if not 0 < n_validation < len(x_tr):
        raise ValueError(f"n_validation must be between 1 and {len(x_tr) - 1}, got {n_validation}")
    k = len(x_tr) - n_validation
    x, x_test = _as_inputs(x_tr, dtype), _as_inputs(x_te, dtype)
    y, y_test = y_tr.astype(np.int64), y_te.astype(np.int64)
    return (x[:k], y[:k]), (x[k:], y[k:]), (x_test, y_test)


SUBSET_KEYS = ("x_train", "y_train", "x_test", "y_test")


def write_subset(path, n_train=10000, n_test=2000, directory=None, *, n_validation=N_VALIDATION):
    """Save the web subset (np.savez_compressed, uint8): the first n_train of the 50k training split
    and the first n_test of t10k. Written through a temporary file, so a failed write leaves no file."""
    (x_tr, y_tr), _, (x_te, y_te) = load_data(directory, dtype=np.uint8, n_validation=n_validation)
    for name, n, limit in (("n_train", n_train, len(x_tr)), ("n_test", n_test, len(x_te))):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 0 < n <= limit:
            raise ValueError(f"{name} must be an integer between 1 and {limit}, got {n!r}")
    arrays = dict(
        x_train=x_tr[:n_train],
        y_train=y_tr[:n_train].astype(np.uint8),
        x_test=x_te[:n_test],
        y_test=y_te[:n_test].astype(np.uint8),
    )
    path = Path(path)
    # a file object: savez would otherwise append .npz to the temporary file's name
    write_atomically(path, lambda f: np.savez_compressed(f, **arrays))
    return path


def read_subset(source):
    """The subset's four uint8 arrays from a path or the file's bytes (never unpickles anything)."""
    name = "<bytes>" if isinstance(source, (bytes, bytearray, memoryview)) else str(source)
    f = io.BytesIO(bytes(source)) if name == "<bytes>" else source
    try:
        loaded = np.load(f, allow_pickle=False)
    except FileNotFoundError:
        raise FileNotFoundError(f"subset file not found: {name}") from None
    except (ValueError, EOFError, OSError, zipfile.BadZipFile) as e:  # garbage, a pickle, truncated
        raise ValueError(f"{name}: not a readable .npz subset ({e})") from None
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        raise ValueError(f"{name}: expected an .npz archive of {', '.join(SUBSET_KEYS)}, got a single array")
    with loaded as npz:
        missing = [k for k in SUBSET_KEYS if k not in npz.files]
        if missing:
            raise ValueError(f"{name}: subset is missing {', '.join(missing)} (expected {', '.join(SUBSET_KEYS)})")
        try:
            out = {k: npz[k] for k in SUBSET_KEYS}
        except (ValueError, EOFError, OSError, zipfile.BadZipFile) as e:
            raise ValueError(f"{name}: damaged .npz subset ({e})") from None
    for part in ("train", "test"):
        x, y = out[f"x_{part}"], out[f"y_{part}"]
        if (
            x.dtype != np.uint8
            or y.dtype != np.uint8
            or x.ndim != 2
            or x.shape[1] != 784
            or y.shape != (len(x),)
            or (len(y) and y.max() > 9)
        ):
            raise ValueError(
                f"{name}: expected x_{part} uint8 (n, 784) and y_{part} uint8 (n,) labels 0..9, "
                f"got {x.dtype}{x.shape} and {y.dtype}{y.shape}"
            )
    return out
