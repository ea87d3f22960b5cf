from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from typing_extensions import Buffer as _Buffer

# inputs: anything with the buffer protocol (numpy's stubs do not declare it on ndarray)
Buffer = _Buffer | np.ndarray[Any, Any]

def canon(
    texts: Sequence[str],
    ocr_fold: bool,
    table: Buffer,
    fold: Callable[[int], Sequence[int]],
    /,
) -> tuple[Buf, Buf, Buf, Buf, Buf]: ...
def candidates(
    texts: Sequence[str],
    ocr_fold: bool,
    table: Buffer,
    fold: Callable[[int], Sequence[int]],
    k: int,
    bloom: Buffer | None,
    /,
) -> tuple[Buf, Buf, Buf, Buf, Buf]: ...
def words_text(
    texts: Sequence[str],
    ocr_fold: bool,
    table: Buffer,
    fold: Callable[[int], Sequence[int]],
    /,
) -> list[str]: ...
def grams(word_hash: Buffer, word_len: Buffer, doc_words: Buffer, k: int, /) -> tuple[Buf, Buf]: ...
def bloom_build(keys: Buffer, nwords: int, /) -> Buf: ...
def lookup(queries: Buffer, keys: Buffer, buckets: Buffer, shift: int, /) -> tuple[Buf, Buf]: ...

class Buf:
    """An array owned by the kernel; read it with ``numpy.frombuffer``."""

    def __buffer__(self, flags: int, /) -> memoryview: ...
