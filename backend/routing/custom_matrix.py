"""Custom matrices given in a problem (``matrices``): read whole, or lazily entry by entry.

A plan operation on a city's routes reads a few legs of a matrix of a million
entries; reading (and validating) the whole of it would cost more than the
operation itself, so nested lists can be wrapped in a :class:`LazyMatrix`.
"""

from __future__ import annotations

import numpy as np

from .errors import refuse


class LazyMatrix:
    """A matrix read entry by entry, for plan operations that only need a few legs
    (insertion reads the legs of the current routes and the new stop's row and
    column, not a city's million entries).  ``m[a, b]`` is a Python number;
    ``row(a)`` / ``col(b)`` are numpy vectors; ``array()`` is the whole matrix."""

    shape: tuple
    _full = None

    @property
    def size(self) -> int:
        return self.shape[0] * self.shape[1]

    def array(self) -> np.ndarray:
        if self._full is None:
            self._full = self._compute_full()
        return self._full

    def max(self):
        return self.array().max()

    def row(self, a: int) -> np.ndarray:
        cache = self.__dict__.setdefault("_rows", {})
        if a not in cache:
            cache[a] = self._row(a)
        return cache[a]

    def col(self, b: int) -> np.ndarray:
        cache = self.__dict__.setdefault("_cols", {})
        if b not in cache:
            cache[b] = self._col(b)
        return cache[b]

    def __array__(self, dtype=None, copy=None):
        return self.array() if dtype is None else self.array().astype(dtype)


class ListMatrix(LazyMatrix):
    """A custom matrix as given (nested lists): shape checked at once, entries on reading."""

    def __init__(self, rows, what: str):
        n = len(rows)
        for row in rows:
            if len(row) != n:
                refuse(f"{what} must be a square matrix, got a row of {len(row)} entries for {n} rows")
        self.rows, self.what, self.shape = rows, what, (n, n)

    def _bad(self):
        refuse(f"Invalid matrix entry ({self.what}).")

    def __getitem__(self, key):
        x = self.rows[key[0]][key[1]]
        if type(x) is not int or x < 0:  # VROOM refuses floats (even 3.0), negatives and booleans
            self._bad()
        return x

    def _vector(self, values) -> np.ndarray:
        return _integers(values, self.what)

    def _row(self, a: int) -> np.ndarray:
        return self._vector(self.rows[a])

    def _col(self, b: int) -> np.ndarray:
        return self._vector([r[b] for r in self.rows])

    def _compute_full(self) -> np.ndarray:
        return read_matrix(self.rows, self.what)


class LazyZeros(LazyMatrix):
    def __init__(self, n: int):
        self.shape = (n, n)

    def __getitem__(self, key):
        return 0

    def _row(self, a):
        return np.zeros(self.shape[0], dtype=np.int64)

    _col = _row

    def _compute_full(self):
        return np.zeros(self.shape, dtype=np.int64)


class LazyScaled(LazyMatrix):
    """Travel times at a vehicle's speed (multiplied by ``scale``, see model.speed_scale)."""

    def __init__(self, base: LazyMatrix, scale: float):
        self.base, self.scale, self.shape = base, scale, base.shape

    def __getitem__(self, key):
        return int(np.rint(self.base[key] * self.scale))

    def _row(self, a):
        return np.rint(self.base.row(a) * self.scale).astype(np.int64)

    def _col(self, b):
        return np.rint(self.base.col(b) * self.scale).astype(np.int64)

    def _compute_full(self):
        return np.rint(np.asarray(self.base) * self.scale).astype(np.int64)


class LazyCost(LazyMatrix):
    """Float travel costs: ``formula`` applied to the source matrices' entries."""

    def __init__(self, formula, sources: tuple):
        self.formula, self.sources, self.shape = formula, sources, sources[0].shape

    def __getitem__(self, key):
        return float(self.formula(*(float(m[key]) for m in self.sources)))

    def _row(self, a):
        return np.asarray(self.formula(*(_vec(m, "row", a) for m in self.sources)), dtype=np.float64)

    def _col(self, b):
        return np.asarray(self.formula(*(_vec(m, "col", b) for m in self.sources)), dtype=np.float64)

    def _compute_full(self):
        return np.asarray(self.formula(*(np.asarray(m) for m in self.sources)), dtype=np.float64)


def read_matrix_lazily(value, what: str):
    """Nested lists (JSON) are read lazily; anything else (e.g. a numpy array) at once."""
    if isinstance(value, (list, tuple)) and all(isinstance(row, (list, tuple)) for row in value):
        return ListMatrix(value, what)
    return read_matrix(value, what)


def _vec(m, kind: str, i: int) -> np.ndarray:
    if isinstance(m, LazyMatrix):
        return m.row(i) if kind == "row" else m.col(i)
    return np.asarray(m[i, :] if kind == "row" else m[:, i])


def compact_int(arr: np.ndarray) -> np.ndarray:
    """Integers as int32 when they fit (half the memory of int64), else int64."""
    fits = not arr.size or (arr.min() >= np.iinfo(np.int32).min and arr.max() <= np.iinfo(np.int32).max)
    dtype = np.int32 if fits else np.int64
    return arr.astype(dtype, copy=arr.dtype != dtype)


def _integers(values, what: str) -> np.ndarray:
    """Entries as integers: JSON lists must hold non-negative integers (VROOM refuses any other
    number, even 3.0); an array built by our own code may hold integral floats."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "iu":
        arr = values  # already integers (e.g. road matrices from a provider): no copy
    else:
        try:
            arr = np.asarray(values)
        except (TypeError, ValueError):
            refuse(f"Invalid matrix entry ({what}).")
        if arr.dtype.kind == "f" and isinstance(values, np.ndarray):
            if not np.all(np.isfinite(arr)) or np.any(arr != np.rint(arr)):
                refuse(f"Invalid matrix entry ({what}).")
            arr = arr.astype(np.int64)
        if arr.dtype.kind not in "iu":
            refuse(f"Invalid matrix entry ({what}).")
    if arr.size and arr.min() < 0:
        refuse(f"Invalid matrix entry ({what}).")
    return arr


def read_matrix(value, what: str) -> np.ndarray:
    """A validated integer matrix, int32 when its values fit."""
    if isinstance(value, (list, tuple)):
        n = len(value)
        if n == 0:
            refuse(f"{what} is empty")
        for row in value:
            if not isinstance(row, (list, tuple)) or len(row) != n:
                refuse(f"{what} must be a square matrix, got a row of "
                        f"{len(row) if isinstance(row, (list, tuple)) else 'no'} entries for {n} rows")
    arr = _integers(value, what)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        refuse(f"{what} must be a square matrix, got shape {arr.shape}")
    return compact_int(arr)
