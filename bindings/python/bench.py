"""Times the FFI from Python beside its floor: an exported no-op of the same shape as code()
(call_floor), one code(), and codes() over 1,000 tokens.

Run against the installed wheel (scripts/bench-all does):
    pip install --target SITE ./bindings/python && PYTHONPATH=SITE python3 bench.py
"""

import asyncio
import os
import tempfile
import time
from pathlib import Path

import otpvault


# scripts/bench-all --quick: a few rounds, only to prove the bench runs (CI).
SCALE = 100 if os.environ.get("OTPVAULT_BENCH_QUICK") else 1
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def secret(n):
    """A distinct 20-byte base32 secret per token (the vault refuses duplicates)."""
    return "GEZDGNBVGY3TQOJQGEZDGNBV" + "".join(ALPHABET[(n >> (5 * i)) & 31] for i in range(8))


def per_call(rounds, body):
    rounds = max(rounds // SCALE, 10)
    for _ in range(rounds // 10):
        body()
    start = time.perf_counter_ns()
    for _ in range(rounds):
        body()
    return (time.perf_counter_ns() - start) / rounds


def main():
    with tempfile.TemporaryDirectory() as tmp:
        options = otpvault.CreateOptions(kdf_iterations=600_000)
        vault = asyncio.run(otpvault.OtpVault.create(str(Path(tmp) / "bench.db"), "13579",
                                                     otpvault.UnlockPolicy.TEN_MINUTES, options))
        params = lambda n: otpvault.TokenParams(issuer=f"Issuer {n}", account=f"user{n}",  # noqa: E731
                                                algorithm=otpvault.Algorithm.SHA1, kind=otpvault.OtpKind.TOTP(period=30))
        ids = [vault.add_typed(secret(n), params(n)).id for n in range(1000)]
        t = 1_700_000_000
        floor = per_call(50_000, lambda: otpvault.call_floor(500, t))
        one = per_call(50_000, lambda: vault.code(ids[500], t))
        codes = per_call(500, lambda: vault.codes(t))
        print(f"Python: floor (no-op, code()'s shape) {floor / 1000:.2f} µs; code() {one / 1000:.2f} µs (goal ≤ 10)")
        print(f"Python: codes() for 1000 tokens {codes / 1000:.1f} µs (goal ≤ 1000)")


if __name__ == "__main__":
    main()
