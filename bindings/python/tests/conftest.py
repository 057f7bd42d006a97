"""Shared helpers: the conformance vectors, a hand-driven clock, a test device key and a
simulated biometric key."""

import asyncio
import hashlib
import hmac
import json
import os
import threading
from pathlib import Path

import pytest

import otpvault

VECTORS = Path(__file__).resolve().parents[3] / "tests" / "vectors"
PIN = "13579"
WRONG = "24680"
# The smallest count the library accepts: 600,000 PBKDF2 iterations (~0.1 s an unlock here).
KDF = 600_000
T0 = 1_700_000_000


def vectors(name):
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


class ManualClock(otpvault.Clock):
    """A clock moved by hand, implemented in Python and called from Rust."""

    def __init__(self, wall=T0):
        self._lock = threading.Lock()
        self.wall = wall
        self.mono = 0

    def wall_seconds(self):
        with self._lock:
            return self.wall

    def monotonic_millis(self):
        with self._lock:
            return self.mono

    def advance(self, seconds):
        with self._lock:
            self.mono += seconds * 1000
            self.wall += seconds


class XorDeviceKey(otpvault.DeviceKeyProtector):
    """A stand-in for a hardware key store: XOR with a per-device key plus an HMAC tag, so
    another device's key is detected."""

    def __init__(self, key=None, fail_with=None):
        self.key = key or os.urandom(32)
        self.fail_with = fail_with
        self.calls = 0

    def _stream(self, n):
        out = b""
        counter = 0
        while len(out) < n:
            out += hashlib.sha256(self.key + counter.to_bytes(4, "big")).digest()
            counter += 1
        return out[:n]

    def wrap(self, data):
        self.calls += 1
        body = bytes(a ^ b for a, b in zip(data, self._stream(len(data))))
        return body + hmac.new(self.key, body, hashlib.sha256).digest()

    def unwrap(self, data):
        self.calls += 1
        if self.fail_with is not None:
            raise self.fail_with
        body, tag = data[:-32], data[-32:]
        if not hmac.compare_digest(tag, hmac.new(self.key, body, hashlib.sha256).digest()):
            raise otpvault.ProtectorFailure.KeyInvalidated()
        return bytes(a ^ b for a, b in zip(body, self._stream(len(body))))


class GatedDeviceKey(XorDeviceKey):
    """A device key whose unwrap (called during unlock, before the KDF) waits until the test
    releases it. If the library ran unlock on the caller's thread, the event loop would be stuck
    here and could never release it: the wait times out and the unlock fails."""

    def __init__(self, key):
        super().__init__(key=key)
        self.entered = threading.Event()
        self.release = threading.Event()

    def unwrap(self, data):
        self.entered.set()
        if not self.release.wait(5):
            raise otpvault.ProtectorFailure.Failed("the caller's thread was blocked")
        return super().unwrap(data)


class BiometricKey(otpvault.QuickUnlockProtector):
    """A biometric key simulated in Python: it encrypts like XorDeviceKey, and each prompt ends as
    the test says (``outcome`` None for success, or the platform's report to raise)."""

    def __init__(self):
        self.key = XorDeviceKey()
        self.outcome = None
        self.prompts = 0
        self.prompt_thread = None
        self.deletions = 0

    def wrap(self, data):
        return self.key.wrap(data)

    def unwrap(self, data):
        self.prompts += 1
        self.prompt_thread = threading.get_ident()
        if self.outcome is not None:
            raise self.outcome
        return self.key.unwrap(data)

    def delete_key(self):
        self.deletions += 1


def run(coroutine):
    """Awaits an async (KDF-bound) call from a plain test."""
    return asyncio.run(coroutine)


@pytest.fixture
def clock():
    return ManualClock()


@pytest.fixture
def vault_path(tmp_path):
    return str(tmp_path / "vault.db")


def make_vault(path, clock, policy=otpvault.UnlockPolicy.FIVE_MINUTES, device_key=None):
    options = otpvault.CreateOptions(kdf_iterations=KDF)
    return run(otpvault.OtpVault.create(path, PIN, policy, options, device_key=device_key, clock=clock))
