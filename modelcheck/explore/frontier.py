"""The queue of one breadth-first level: (index, state) pairs in the order they were added.

Three tiers, filled in order, so that a level costs what it must and no more:

  1. the first `keep_objects` states stay Python objects (small searches pay nothing);
  2. later states are packed by the model's codec into chunks: one bytes blob, one array of
     lengths and, unless the indices are consecutive (they are in a BFS), one of indices;
     no Python object per state;
  3. once the packed chunks in memory would exceed `memory_budget` bytes, each chunk filled
     from then on is written to a temporary file in `spill_dir` instead.

Iterating gives the pairs back in insertion order; `drain()` does the same while freeing
each chunk and deleting each file as soon as it has been read, so that a level shrinks
while the next one grows. Files left over are deleted by `close()`, or when the frontier is
garbage collected.
"""
from __future__ import annotations

import marshal
import os
import tempfile
import weakref
from array import array
from dataclasses import dataclass
from typing import Iterable, Iterator

from .model import Codec, State

CHUNK_BYTES = 1 << 20  # packed bytes per chunk: the unit of spilling


class MarshalCodec:
    """States as marshal bytes: exact for ints, bools, strings, tuples and frozensets."""
    encode = staticmethod(marshal.dumps)
    decode = staticmethod(marshal.loads)


@dataclass
class _Chunk:
    """Packed states: state i is blob[sum(lengths[:i]) : sum(lengths[:i + 1])]."""
    first: int                  # index of the first state
    indices: array | None       # every state's index, unless they run first, first + 1, ...
    lengths: array
    blob: bytes | bytearray

    def __len__(self) -> int:
        return len(self.lengths)

    @property
    def nbytes(self) -> int:
        return (len(self.blob) + len(self.lengths) * self.lengths.itemsize
                + (0 if self.indices is None else len(self.indices) * self.indices.itemsize))

    def pairs(self, decode) -> Iterator[tuple[int, State]]:
        indices = range(self.first, self.first + len(self)) if self.indices is None else self.indices
        blob, pos = self.blob, 0
        for index, n in zip(indices, self.lengths):
            yield index, decode(blob[pos:pos + n])
            pos += n

    def write(self, path: str) -> None:
        indices = None if self.indices is None else self.indices.tobytes()
        with open(path, "wb") as f:
            marshal.dump((self.first, indices, self.lengths.typecode, self.lengths.tobytes(), bytes(self.blob)), f)

    @staticmethod
    def read(path: str) -> "_Chunk":
        with open(path, "rb") as f:
            first, indices, typecode, lengths, blob = marshal.load(f)
        return _Chunk(first, None if indices is None else array("q", indices), array(typecode, lengths), blob)


@dataclass
class _Spilled:
    path: str
    count: int

    def __len__(self) -> int:
        return self.count


class Frontier:
    """(index, state) pairs in insertion order, kept as objects, packed, or on disk.

    codec: the model's (`model.codec`), or None to marshal; keep_objects: states kept as
    objects; memory_budget: bytes of sealed packed chunks to keep in memory (None: no limit;
    the chunk being filled, up to chunk_bytes, comes on top); spill_dir: where chunk files
    go (None: the system's temporary directory)."""

    def __init__(self, codec: Codec | None = None, keep_objects: int = 100_000,
                 memory_budget: int | None = None, spill_dir: str | None = None,
                 chunk_bytes: int = CHUNK_BYTES):
        self._codec = codec if codec is not None else MarshalCodec()
        self._keep = keep_objects
        self._budget = memory_budget
        self._spill_dir = spill_dir
        self._chunk_bytes = chunk_bytes
        self._objects: list[tuple[int, State]] = []
        self._sealed: list[_Chunk | _Spilled] = []
        self._open: _Chunk | None = None
        self._resident = 0  # bytes of the sealed chunks kept in memory
        self._files: list[str] = []
        weakref.finalize(self, _remove, self._files)

    def __len__(self) -> int:
        return len(self._objects) + sum(map(len, self._sealed)) + (0 if self._open is None else len(self._open))

    @property
    def nbytes(self) -> int:
        """Bytes of packed states held in memory (the objects of tier 1 are not counted)."""
        return self._resident + (0 if self._open is None else self._open.nbytes)

    @property
    def spilled(self) -> int:
        """States written to disk."""
        return sum(len(c) for c in self._sealed if isinstance(c, _Spilled))

    def append(self, index: int, state: State) -> None:
        if len(self._objects) < self._keep:
            self._objects.append((index, state))
            return
        chunk = self._open
        if chunk is None:
            chunk = self._open = _Chunk(index, None, array("B"), bytearray())
        data = self._codec.encode(state)
        if chunk.indices is None and index != chunk.first + len(chunk):
            chunk.indices = array("q", range(chunk.first, chunk.first + len(chunk)))
        if chunk.indices is not None:
            chunk.indices.append(index)
        if len(data) > 255 and chunk.lengths.typecode == "B":
            chunk.lengths = array("I", chunk.lengths)
        chunk.lengths.append(len(data))
        chunk.blob += data
        if len(chunk.blob) >= self._chunk_bytes:
            self._seal()

    def extend(self, pairs: Iterable[tuple[int, State]]) -> None:
        for index, state in pairs:
            self.append(index, state)

    def _seal(self) -> None:
        chunk, self._open = self._open, None
        chunk.blob = bytes(chunk.blob)
        if self._budget is not None and self._resident + chunk.nbytes > self._budget:
            fd, path = tempfile.mkstemp(prefix="modelcheck-frontier-", suffix=".chunk", dir=self._spill_dir)
            os.close(fd)
            self._files.append(path)
            chunk.write(path)
            self._sealed.append(_Spilled(path, len(chunk)))
        else:
            self._resident += chunk.nbytes
            self._sealed.append(chunk)

    def __iter__(self) -> Iterator[tuple[int, State]]:
        """The pairs in insertion order; the frontier keeps them (do not append meanwhile)."""
        yield from self._objects
        decode = self._codec.decode
        for chunk in self._sealed:
            yield from (_Chunk.read(chunk.path) if isinstance(chunk, _Spilled) else chunk).pairs(decode)
        if self._open is not None:
            yield from self._open.pairs(decode)

    def drain(self) -> Iterator[tuple[int, State]]:
        """The pairs in insertion order, each tier freed (each file deleted) once read; the
        frontier is empty afterwards."""
        objects, self._objects = self._objects, []
        yield from objects
        del objects
        decode = self._codec.decode
        if self._open is not None:
            self._seal_in_memory()
        while self._sealed:
            chunk = self._sealed.pop(0)
            if isinstance(chunk, _Spilled):
                loaded = _Chunk.read(chunk.path)
                self._delete(chunk.path)
            else:
                self._resident -= chunk.nbytes
                loaded = chunk
            yield from loaded.pairs(decode)

    def _seal_in_memory(self) -> None:
        """The chunk being filled joins the sealed ones as it is: draining reads it last."""
        chunk, self._open = self._open, None
        self._resident += chunk.nbytes
        self._sealed.append(chunk)

    def _delete(self, path: str) -> None:
        self._files.remove(path)
        os.unlink(path)

    def close(self) -> None:
        """Forget every state and delete every file."""
        _remove(self._files)
        self._objects, self._sealed, self._open = [], [], None
        self._resident = 0

    def __enter__(self) -> "Frontier":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _remove(paths: list[str]) -> None:
    for path in paths:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
    paths.clear()
