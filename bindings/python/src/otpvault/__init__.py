"""otpvault: RFC 4226/6238 one-time codes and a PIN-locked vault (Python bindings).

The module ``otpvault.otpvault`` and the native library beside it are generated from the Rust
library by ``scripts/gen-bindings``; this file re-exports them.
"""

from .otpvault import *  # noqa: F401,F403 (the generated module defines __all__)
from .otpvault import __all__  # noqa: F401
