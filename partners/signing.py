"""The key that signs zero-PII certificates: Ed25519, from the environment.

``SAGE_PARTNER_SIGNING_KEY`` holds the private key, either as PEM (PKCS#8,
what ``sage partner keygen`` prints) or as the 32-byte seed in base64. It is a
secret: it lives in a secret store and reaches the bundle builder as an
environment variable, never in a file of the repository. The public key is
published with every bundle (``public_key.pem``) and should also be given to
partners out of band, so they can pin it rather than trust the copy that came
with the bundle.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ENV = "SAGE_PARTNER_SIGNING_KEY"
ALGORITHM = "Ed25519"


class SigningKeyError(RuntimeError):
    pass


def _private_key(text: str) -> Ed25519PrivateKey:
    text = text.strip()
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(text.encode(), password=None)
        except (ValueError, TypeError) as exc:
            raise SigningKeyError(f"{ENV} is not a readable PEM private key: {exc}") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise SigningKeyError(f"{ENV} holds a {type(key).__name__}, not an Ed25519 key")
        return key
    try:
        seed = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        seed = b""
    if len(seed) != 32:
        raise SigningKeyError(
            f"{ENV} must be an Ed25519 private key in PEM, or its 32-byte seed in base64 "
            "(`sage partner keygen` makes one)"
        )
    return Ed25519PrivateKey.from_private_bytes(seed)


def signing_key_from_env() -> Ed25519PrivateKey:
    text = os.environ.get(ENV, "")
    if not text.strip():
        raise SigningKeyError(
            f"{ENV} is not set: certificates cannot be signed. Create a key once with "
            f"`sage partner keygen`, keep it in your secret store and export it as {ENV}"
        )
    return _private_key(text)


def public_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def fingerprint(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """SHA-256 of the raw 32-byte public key, hex: how a partner pins the key."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def load_public_pem(data: bytes) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise SigningKeyError(f"not a PEM public key: {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError(f"the public key is a {type(key).__name__}, not Ed25519")
    return key


def sign(key: Ed25519PrivateKey, data: bytes) -> bytes:
    """The detached signature of ``data``, base64 (one line)."""
    return base64.b64encode(key.sign(data)) + b"\n"


def verify(public: Ed25519PublicKey, data: bytes, signature: bytes) -> bool:
    try:
        public.verify(base64.b64decode(signature.strip(), validate=True), data)
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def new_key_pem() -> tuple[bytes, bytes]:
    """(private PEM, public PEM) of a fresh key."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return private, public_pem(key)
