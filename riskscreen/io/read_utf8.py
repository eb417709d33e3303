"""Is it UTF-8, and which lines are not: answered over a file's bytes without decoding them.

`is_utf8` judges bytes exactly as ``bytes.decode("utf-8")`` does (Arrow's validator for a big
file, Python's decoder for a small one). `line_flags` says, for every line, whether it holds a
non-ASCII byte and whether it is valid UTF-8 on its own, in numpy passes over blocks of the
file rather than one Python decode per line: a byte is flagged when it is invalid anywhere
(C0, C1, F5-FF), a lead byte lacks its continuation bytes or has a second byte outside the
ranges of Unicode's table 3-7 (no overlong form, surrogate or code point past U+10FFFF), or a
continuation byte has no lead; a line is invalid when one of its bytes is flagged. A sequence
never spans a line feed (it is not a continuation byte), so each line is judged on its own, as
decoding it alone would.
"""

from __future__ import annotations

import codecs
import mmap

import numpy as np

__all__ = ["Buffer", "is_utf8", "line_flags", "line_spans"]

#: Bytes of a file's text: `bytes`, or the file itself memory-mapped (read only where looked at).
Buffer = bytes | mmap.mmap
#: Below this many bytes Python's own decoder checks UTF-8 (no pyarrow import for a small file).
ARROW_CHECK_BYTES = 1 << 23
_BLOCK = 1 << 22
#: A block with more than 1 in `_DENSE` bytes non-ASCII is checked in whole-block passes.
_DENSE = 8
#: Bytes judged at a time in whole-block passes (their masks stay in the CPU's cache).
_STEP = 1 << 16


def is_utf8(data: Buffer) -> bool:
    """Strict UTF-8, as ``bytes.decode('utf-8')`` judges it. A big file is checked by Arrow's
    validator over the bytes in place: no text object the size of the file is made."""
    if len(data) < ARROW_CHECK_BYTES:
        try:
            codecs.utf_8_decode(data, "strict", True)
        except UnicodeDecodeError:
            return False
        return True
    import pyarrow as pa

    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))  # (pa.array would import
    # pandas when it is installed: a quarter of a second)
    text = pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        text.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _kinds() -> np.ndarray:
    """Each byte value's kind: 0 ASCII, 1 continuation, 2-4 lead of a sequence of that many
    bytes, 5 never in UTF-8 (C0, C1, F5-FF)."""
    kinds = np.zeros(256, dtype=np.uint8)
    kinds[0x80:0xC0] = 1
    kinds[0xC0:0xC2] = 5
    kinds[0xC2:0xE0] = 2
    kinds[0xE0:0xF0] = 3
    kinds[0xF0:0xF5] = 4
    kinds[0xF5:] = 5
    return kinds


_KINDS = _kinds()


#: What `_breaks` needs of the bytes at each offset from the byte judged: the kind's tests.
_TESTS = {"cont": (-2, -1, 0, 1, 2, 3), "lead": (-1, 0), "long3": (-2, 0), "long4": (-3, 0),
          "never": (0,)}  # fmt: skip


def _test(name: str, kinds: np.ndarray) -> np.ndarray:
    """One of `_TESTS` on byte kinds (`_KINDS`)."""
    if name == "cont":
        return kinds == 1
    if name == "lead":
        return (kinds >= 2) & (kinds <= 4)
    if name == "long3":
        return (kinds == 3) | (kinds == 4)
    return kinds == (4 if name == "long4" else 5)


def _breaks(x: np.ndarray, nxt: np.ndarray, t: dict[tuple[str, int], np.ndarray]) -> np.ndarray:
    """Which bytes `x` break UTF-8, given the next byte (`nxt`) and `t[(test, offset)]`, the
    `_TESTS` of the bytes' kinds at each offset from them."""
    cont = {s: t["cont", s] for s in _TESTS["cont"]}
    claimed = t["lead", -1] | (t["long3", -2] & cont[-1]) | (t["long4", -3] & cont[-1] & cont[-2])
    bad = t["never", 0] | (cont[0] & ~claimed)
    bad |= t["lead", 0] & ~cont[1]
    bad |= t["long3", 0] & ~cont[2]
    bad |= t["long4", 0] & ~cont[3]
    bad |= (((x == 0xE0) & (nxt < 0xA0)) | ((x == 0xED) & (nxt > 0x9F))
            | ((x == 0xF0) & (nxt < 0x90)) | ((x == 0xF4) & (nxt > 0x8F)))  # fmt: skip
    return bad


def _bad_sparse(array: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Which of the non-ASCII bytes at positions `high` break UTF-8 (an ASCII byte never does),
    their neighbours gathered (zeros beyond the file's ends): for text with few of them."""

    def around(shift: int) -> np.ndarray:
        at = high + shift
        values = array[np.clip(at, 0, array.size - 1)]
        values[(at < 0) | (at >= array.size)] = 0
        return values

    near = {shift: around(shift) for shift in range(-3, 4)}
    kinds = {shift: _KINDS[values] for shift, values in near.items()}
    t = {(name, s): _test(name, kinds[s]) for name, shifts in _TESTS.items() for s in shifts}
    return high[_breaks(near[0], near[1], t)]


def _bad_dense(array: np.ndarray, start: int, end: int) -> np.ndarray:
    """Positions in ``array[start:end]`` of bytes that break UTF-8, from shifted views of the
    block's kinds (zeros beyond the file's ends): for text where most bytes are non-ASCII."""
    zeros = np.zeros(3, dtype=np.uint8)
    behind = np.concatenate((zeros[: max(0, 3 - start)], array[max(0, start - 3) : start]))
    ahead = array[end : end + 3]
    w = np.concatenate((behind, array[start:end], ahead, zeros[: 3 - ahead.size]))
    n = end - start
    kinds = _KINDS[w]
    t = {}
    for name, shifts in _TESTS.items():
        whole = _test(name, kinds)
        t.update({(name, s): whole[3 + s : 3 + s + n] for s in shifts})
    return np.flatnonzero(_breaks(w[3 : 3 + n], w[4 : 4 + n], t)) + start


def line_spans(data: Buffer) -> np.ndarray:
    """Positions of the line feeds: line k is ``data[feeds[k-1] + 1 : feeds[k]]`` (the first
    from 0, the last to the end), as ``data.split(b"\\n")`` cuts it."""
    array = np.frombuffer(data, dtype=np.uint8)
    parts = [np.flatnonzero(array[start : start + _BLOCK] == 10) + start
             for start in range(0, array.size, _BLOCK)]  # fmt: skip
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.intp)


def line_flags(data: Buffer, feeds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every line (`feeds` from `line_spans`): (holds a byte >= 0x80, is not valid UTF-8)."""
    array = np.frombuffer(data, dtype=np.uint8)
    high = np.zeros(feeds.size + 1, dtype=bool)
    invalid = np.zeros(feeds.size + 1, dtype=bool)
    for start in range(0, array.size, _BLOCK):
        end = min(start + _BLOCK, array.size)
        mask = array[start:end] >= 0x80
        count = int(np.count_nonzero(mask))
        if not count:
            continue  # ASCII: nothing to break UTF-8
        if count * _DENSE > end - start:  # mostly non-ASCII: whole-block passes
            first, last = np.searchsorted(feeds, [start, end])  # the block's lines
            bounds = np.concatenate(([0], feeds[first:last] - start + 1))
            bounds = bounds[bounds < end - start]  # where each line starts in the block
            found = np.logical_or.reduceat(mask, bounds)
            high[first : first + found.size] |= found
            bad = np.concatenate([_bad_dense(array, at, min(at + _STEP, end))
                                  for at in range(start, end, _STEP)])  # fmt: skip
        else:
            above = np.flatnonzero(mask) + start
            high[np.searchsorted(feeds, above)] = True
            bad = _bad_sparse(array, above)
        invalid[np.searchsorted(feeds, bad)] = True
    return high, invalid
