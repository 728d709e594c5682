"""Ed25519 signatures over checkpoints and exports.

The system signs with a private seed from its settings; inspectors keep the *public* key (printed by
`civicledger checkpoint --public-key`, embedded in every checkpoint file and export) and check signatures with
it. A signature proves the system vouched for a hash at the time; a copy kept outside the system proves the
system cannot later vouch for a different history without the difference showing."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def key_id(public_key: bytes) -> str:
    """A short fingerprint to compare by eye with the published key."""
    return hashlib.sha256(public_key).hexdigest()[:16]


def encode_key(public_key: bytes) -> str:
    return base64.b64encode(public_key).decode("ascii")


def decode_key(text: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except ValueError:
        raise ValueError("a public key is 32 bytes, base64-encoded") from None
    if len(raw) != 32:
        raise ValueError("a public key is 32 bytes, base64-encoded")
    return raw


@dataclass(frozen=True)
class Signer:
    """Signs with the system's checkpoint key."""

    seed: bytes
    # Made once from the seed (the sealer signs every tick that seals something).
    _private: Ed25519PrivateKey = field(init=False, repr=False, compare=False)
    public_key: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.seed) != 32:
            raise ValueError("the checkpoint signing seed must be 32 bytes")
        private = Ed25519PrivateKey.from_private_bytes(self.seed)
        object.__setattr__(self, "_private", private)
        object.__setattr__(self, "public_key", private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)

    def sign(self, message: bytes) -> bytes:
        return self._private.sign(message)


def signature_valid(public_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(bytes(public_key)).verify(bytes(signature), message)
    except (InvalidSignature, ValueError):
        return False
    return True
