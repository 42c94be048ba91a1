"""Argument checks shared by every module: one place for the project's error-message rule.

Every bad input gets a ``ValueError`` or ``TypeError`` whose message names the argument, repeats
the value that was given and says what is allowed; an unknown name suggests the closest valid one.
"""

from __future__ import annotations

import difflib
import math
import numbers

import numpy as np

# The largest array any nninit function allocates in one piece: 1 GiB. The course's biggest arrays are
# tens of MB; a student's Binder or Colab kernel has about 2 GB and dies (losing its state) when an
# allocation outgrows it, before numpy can raise MemoryError. Sizes above this limit are refused up
# front with the argument named, instead of being tried.
MAX_BYTES = 2**30

# The largest |z| numpy's standard_normal can return: its ziggurat's tail draws r − ln(1 − U)/r with
# r = 3.6541528853610088 and U < 1 − 2⁻⁵³, so |z| <= r + 53·ln 2 / r = 13.70. A draw times std plus
# mean therefore stays below |mean| + NORMAL_REACH·std (checked against the dtype's range up front).
NORMAL_REACH = 14.0


def suggestion(value: str, allowed) -> str:
    """`` Did you mean 'x'?`` for the closest name in ``allowed``, or ``''`` if none is close."""
    close = difflib.get_close_matches(str(value).lower(), list(allowed), n=1, cutoff=0.5)
    return f" Did you mean {close[0]!r}?" if close else ""


def choice(arg: str, value, allowed) -> str:
    """Return ``value`` if it is one of the strings ``allowed``, else raise naming ``arg``."""
    allowed = list(allowed)
    if not isinstance(value, str):
        raise TypeError(f"{arg} must be a string, one of {', '.join(allowed)}; got {value!r}")
    if value not in allowed:
        raise ValueError(
            f"{arg}={value!r} is not known; allowed: {', '.join(allowed)}.{suggestion(value, allowed)}"
        )
    return value


def positive_int(arg: str, value) -> int:
    """Return ``value`` as an int if it is an integer >= 1, else raise naming ``arg``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{arg} must be a positive integer; got {value!r}")
    if value < 1:
        raise ValueError(f"{arg} must be a positive integer (>= 1); got {value!r}")
    return int(value)


def real(arg: str, value, *, positive: bool = False, nonnegative: bool = False) -> float:
    """Return ``value`` as a float if it is a finite real number (optionally > 0 or >= 0)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{arg} must be a real number; got {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{arg} must be finite; got {value!r}")
    if positive and value <= 0:
        raise ValueError(f"{arg} must be > 0; got {value!r}")
    if nonnegative and value < 0:
        raise ValueError(f"{arg} must be >= 0; got {value!r}")
    return value


def shape(value, *, min_rank: int = 1, arg: str = "shape") -> tuple[int, ...]:
    """Return ``value`` as a tuple of positive ints with at least ``min_rank`` entries.

    Pair it with :func:`allocation` once the dtype is known, before allocating the array.
    """
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value,)
    try:
        dims = tuple(value)
    except TypeError:
        raise TypeError(f"{arg} must be a tuple of positive integers; got {value!r}") from None
    for d in dims:
        if isinstance(d, bool) or not isinstance(d, numbers.Integral) or d < 1:
            raise ValueError(f"{arg} must contain positive integers only; got {value!r}")
    if len(dims) < min_rank:
        raise ValueError(
            f"{arg}={dims!r} has rank {len(dims)}; this scheme needs rank >= {min_rank}"
            " (a dense weight is (fan_in, fan_out), a conv kernel (*k, in, out))"
        )
    return tuple(int(d) for d in dims)


def _size(nbytes: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if nbytes < 1024 or unit == "PiB":
            return f"{nbytes:.0f} {unit}" if unit == "bytes" else f"{nbytes:.3g} {unit}"
        nbytes /= 1024
    return ""  # pragma: no cover - the loop always returns


def allocation(arg: str, dims, dtype, *, what: str = "an array", given=None) -> int:
    """Refuse, before allocating, ``what`` of shape ``dims`` and ``dtype`` above :data:`MAX_BYTES`.

    Returns its size in bytes. ``arg`` names the argument(s) that set the shape, ``given`` their
    value (default: the shape).
    """
    nbytes = math.prod(dims) * np.dtype(dtype).itemsize
    if nbytes > MAX_BYTES:
        raise ValueError(
            f"{arg}={tuple(dims) if given is None else given!r} asks for {what} of {_size(nbytes)}"
            f" ({np.dtype(dtype).name}); nninit refuses to allocate more than {_size(MAX_BYTES)} at once"
            " (a 2 GB Binder or Colab kernel would die): use smaller sizes"
        )
    return nbytes


def fits(dtype, largest: float, smallest: float | None = None, *, given: str) -> None:
    """Refuse hyper-parameters whose values cannot be represented in ``dtype``, before drawing.

    ``largest`` is the biggest |value| the draw can produce (it must not exceed the dtype's largest
    finite number, else the array would hold inf), ``smallest`` a scale that must not be below its
    smallest normal number (else the array would be zeros or lose its precision in subnormals).
    ``given`` names the arguments and their values for the message, e.g. ``"std=1e+39"``.
    """
    dt = np.dtype(dtype)
    info = np.finfo(dt)
    wider = "" if dt.itemsize >= 8 else " (or dtype=float64)"
    if not largest <= float(info.max):  # also catches largest = inf or nan (compared as Python floats)
        raise ValueError(
            f"{given} is out of range for {dt.name}: the values would reach {largest:.3g}, above the"
            f" largest finite {dt.name} ({float(info.max):.3g}), and become inf; use smaller values{wider}"
        )
    if smallest is not None and smallest < float(info.tiny):
        raise ValueError(
            f"{given} makes the values too small for {dt.name}: their scale {smallest:.3g} is below its"
            f" smallest normal number ({float(info.tiny):.3g}), so they would round to zero or lose their"
            f" precision; use larger values{wider}"
        )


def real_array(arg: str, value, what: str = "an array of real numbers") -> np.ndarray:
    """``value`` as a numpy array of real numbers (bool, int or float), else ``TypeError`` naming
    ``arg``: complex values (whose imaginary part a float conversion would drop), strings, objects
    and ragged lists are refused."""
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):  # ragged lists, odd objects
        raise TypeError(f"{arg} must be {what}; got a {type(value).__name__}"
                        " that numpy cannot read as one") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{arg} must be {what}; got values of dtype {arr.dtype}"
                        + (" (complex: the imaginary part would be lost)" if arr.dtype.kind == "c" else ""))
    return arr


def finite_in(arg: str, arr: np.ndarray, dtype) -> np.ndarray:
    """``arr`` (real) converted to ``dtype``, refusing NaN, inf and values beyond the dtype's range
    (which the conversion would turn into inf) with a ``ValueError`` naming ``arg``."""
    dt = np.dtype(dtype)
    if arr.dtype.kind == "f":
        finite = np.isfinite(arr)
        if not finite.all():
            bad = np.argwhere(~finite)[0]
            where = f" at index {tuple(int(i) for i in bad)}" if arr.ndim else ""
            raise ValueError(f"{arg} must be finite (no NaN or inf); it holds"
                             f" {arr[tuple(bad)].item()!r}{where}"
                             f" ({int((~finite).sum())} non-finite entries in all)")
        if arr.size and arr.dtype.itemsize > dt.itemsize:
            biggest = float(np.max(np.abs(arr)))
            if biggest > float(np.finfo(dt).max):
                raise ValueError(f"{arg} holds values up to {biggest:.3g}, beyond the largest {dt.name}"
                                 f" ({float(np.finfo(dt).max):.3g}): they would become inf; rescale them")
    return arr.astype(dt, copy=False)


def instance(arg: str, value, cls, what: str):
    """Return ``value`` if it is a ``cls``, else ``TypeError`` naming ``arg``, what it must be and
    what it is (a History where a Probe belongs says so, instead of failing deep inside)."""
    if not isinstance(value, cls):
        raise TypeError(f"{arg} must be {what}; got {_a(value)}")
    return value


def items(arg: str, value, cls, what: str) -> dict:
    """``value`` as a non-empty ``{label: cls}``: a Mapping of them, or one ``cls`` (returned as
    ``{None: value}``). An empty Mapping (every run dropped, say) or a wrong item raises naming
    ``arg`` (and the item's label)."""
    from collections.abc import Mapping

    if isinstance(value, cls):
        return {None: value}
    if not isinstance(value, Mapping):
        raise TypeError(f"{arg} must be {what}; got {_a(value)}")
    if not value:
        raise ValueError(f"{arg} is empty: there is nothing to draw (it must be {what})")
    for label, item in value.items():
        if not isinstance(item, cls):
            names = " or ".join(c.__name__ for c in (cls if isinstance(cls, tuple) else (cls,)))
            raise TypeError(f"{arg}[{label!r}] must be a {names}; got {_a(item)}")
    return dict(value)


def _a(value) -> str:
    """'a History', 'an MLP', 'the int 3': what a value is, for messages."""
    name = type(value).__name__
    if isinstance(value, (numbers.Number, str)) or value is None:
        return f"{value!r}"
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"


def generator(rng) -> np.random.Generator:
    """Turn ``rng`` (None, an int seed or a ``numpy.random.Generator``) into a Generator.

    A Generator is returned as it is (so drawing from it advances the caller's stream).
    """
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"rng must be a non-negative int seed; got {rng!r}")
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"rng must be None, a non-negative int seed or a numpy.random.Generator; got {rng!r}"
    )


def float_dtype(dtype, default=np.float64) -> np.dtype:
    """Return ``dtype`` as a numpy floating dtype (``None`` gives ``default``)."""
    if dtype is None:
        return np.dtype(default)
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be a floating dtype such as float32 or float64; got {dtype!r}") from None
    if not np.issubdtype(dt, np.floating):
        raise TypeError(f"dtype must be a floating dtype such as float32 or float64; got {dtype!r}")
    return dt
