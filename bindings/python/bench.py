"""Times the FFI from Python: one codes() call over 1,000 tokens, and one code() call.

Run after scripts/gen-bindings:  python3 bench.py
"""

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))
import otpvault  # noqa: E402


def per_call(rounds, body):
    for _ in range(rounds // 10):
        body()
    start = time.perf_counter_ns()
    for _ in range(rounds):
        body()
    return (time.perf_counter_ns() - start) / rounds


def main():
    with tempfile.TemporaryDirectory() as tmp:
        vault = otpvault.OtpVault.create(str(Path(tmp) / "bench.db"), "13579", otpvault.UnlockPolicy.TEN_MINUTES,
                                         600_000, False, None, None)
        spec = lambda n: otpvault.TokenSpec(issuer=f"Issuer {n}", account=f"user{n}", algorithm=otpvault.Algorithm.SHA1,
                                            digits=6, kind=otpvault.TokenKind.TOTP(period=30))
        ids = [vault.add_typed(None, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", spec(n)).id for n in range(1000)]
        t = 1_700_000_000
        codes = per_call(200, lambda: vault.codes(None, t))
        one = per_call(20_000, lambda: vault.code(None, ids[500], t))
        print(f"Python: codes() for 1000 tokens {codes / 1000:.1f} µs (goal < 1000); code() {one / 1000:.2f} µs (goal < 10)")


if __name__ == "__main__":
    main()
