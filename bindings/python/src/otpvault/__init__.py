"""otpvault: RFC 4226/6238 one-time codes and a PIN-locked vault (Python bindings).

The subpackage ``otpvault.otpvault`` (the generated module and the native library) is produced
by maturin from the Rust library when the wheel is built (``pip install ./bindings/python``);
this file re-exports it.
"""

from .otpvault.otpvault import *  # noqa: F401,F403 (the generated module defines __all__)
from .otpvault.otpvault import __all__  # noqa: F401
