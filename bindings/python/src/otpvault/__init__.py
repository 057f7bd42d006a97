"""otpvault: RFC 4226/6238 one-time codes and a PIN-locked vault (Python bindings).

The subpackage ``otpvault.otpvault`` (the generated module and the native library) is produced
by maturin from the Rust library when the wheel is built (``pip install ./bindings/python``);
this file re-exports it.
"""

from .otpvault.otpvault import *  # noqa: F401,F403 (the generated module defines __all__)
from .otpvault.otpvault import __all__  # noqa: F401

from .otpvault import otpvault as _generated


def _otp_error_str(self):
    """The error's message, the Rust `Display` text (uniffi's Python errors otherwise show only
    their fields: "" for `VaultLocked`, "attempts_before_delay=4" for `WrongPin`)."""
    try:
        return _generated._UniffiFfiConverterString.lift(_generated._uniffi_rust_call(
            _generated._UniffiLib.uniffi_otpvault_ffi_fn_method_otperror_uniffi_trait_display,
            _generated._UniffiFfiConverterTypeOtpError.lower(self)))
    except Exception:  # noqa: BLE001 - a message must never fail
        return Exception.__str__(self) or type(self).__name__


OtpError.__str__ = _otp_error_str  # noqa: F405 (OtpError comes from the star import)
