"""Every error a Python app catches says what happened (issue 20, item 9): str() is the Rust
message, never empty, and a wrong PIN says it is wrong rather than naming a field."""

import pytest

import otpvault
from conftest import ManualClock, make_vault, run


def test_errors_raised_by_the_library_have_messages(tmp_path):
    vault = make_vault(str(tmp_path / "v.db"), ManualClock())
    vault.lock()
    with pytest.raises(otpvault.OtpError.VaultLocked) as locked:
        vault.list()
    assert str(locked.value) == "the vault is locked"
    with pytest.raises(otpvault.OtpError.WrongPin) as wrong:
        run(vault.unlock("24680"))
    assert str(wrong.value).startswith("wrong PIN"), str(wrong.value)
    run(vault.unlock("13579"))
    with pytest.raises(otpvault.OtpError.NotFound) as missing:
        vault.remove(12345)
    assert str(missing.value).strip()


def test_every_error_made_in_python_has_a_message():
    for error in (otpvault.OtpError.VaultLocked(), otpvault.OtpError.NotFound(),
                  otpvault.OtpError.NoVault(), otpvault.OtpError.WeakPin(),
                  otpvault.OtpError.WrongPin(4)):
        text = str(error)
        assert text.strip() and not text.startswith("attempts_before_delay"), type(error).__name__
