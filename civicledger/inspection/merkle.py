"""Leaves, running log hash and Merkle trees over the global log (RFC 9162 §2.1 hashing).

Each event is one leaf, in position order:

    leaf data      = position (8 bytes, big-endian) || stream id (16 bytes) || version (8 bytes, big-endian)
                     || chain_hash (32 bytes)
    leaf hash      = SHA-256(0x00 || leaf data)
    node hash      = SHA-256(0x01 || left || right)
    log hash       = SHA-256(previous log hash || leaf hash), from 32 zero bytes before position 1

The chain hash already commits to the event's contents and its stream's history, so a leaf commits to what
the event is, where it sits in its stream, and where it sits in the global log. The running log hash does not
depend on where checkpoints fall, so a checkpoint kept outside the system can be checked against the log
alone; the Merkle root of a checkpoint's range lets an export prove one event's inclusion with a short path.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from uuid import UUID

ZERO = bytes(32)


def leaf_data(position: int, stream_id: UUID, version: int, chain_hash: bytes) -> bytes:
    return position.to_bytes(8, "big") + stream_id.bytes + version.to_bytes(8, "big") + bytes(chain_hash)


def leaf_hash(position: int, stream_id: UUID, version: int, chain_hash: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf_data(position, stream_id, version, chain_hash)).digest()


def fold(log_hash: bytes, leaf: bytes) -> bytes:
    return hashlib.sha256(log_hash + leaf).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def levels(leaves: Sequence[bytes]) -> list[list[bytes]]:
    """The tree bottom-up; an odd last node is carried up unchanged (the RFC's left-balanced tree)."""
    if not leaves:
        return [[hashlib.sha256(b"").digest()]]
    out = [list(leaves)]
    while len(out[-1]) > 1:
        level = out[-1]
        nxt = [_node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        out.append(nxt)
    return out


def root(leaves: Sequence[bytes]) -> bytes:
    return levels(leaves)[-1][0]


def inclusion_path(tree: list[list[bytes]], index: int) -> list[bytes]:
    """The audit path of leaf `index` in a tree built by `levels`."""
    path = []
    for level in tree[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            path.append(level[sibling])
        index >>= 1
    return path


def verify_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes], expected_root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does `path` prove `leaf` at `index` in a tree of `size` leaves with this root?"""
    if index >= size or index < 0:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = _node(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = _node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == expected_root
