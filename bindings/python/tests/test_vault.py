"""A full vault scenario driven from Python: a Python clock, a Python device key, wrong PINs up
to the lockout, a callback that throws, and several threads on one vault."""

import threading

import pytest

import otpvault
from conftest import KDF, PIN, T0, WRONG, ManualClock, XorDeviceKey, make_vault

RFC_URI = "otpauth://totp/ACME%20Co:alice@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME%20Co&digits=8"


def test_create_add_codes_and_reopen(vault_path, clock):
    vault = make_vault(vault_path, clock)
    info = vault.add_uri(None, RFC_URI)
    assert (info.spec.issuer, info.spec.account) == ("ACME Co", "alice@example.com")
    assert vault.code(None, info.id, 59).value == "94287082"
    spec = otpvault.TokenSpec(issuer="GitHub", account="octo", algorithm=otpvault.Algorithm.SHA256, digits=6,
                              kind=otpvault.TokenKind.TOTP(period=60))
    typed = vault.add_typed(None, "jbsw y3dp ehpk 3pxp", spec)
    assert typed.weak_secret
    entries = vault.entries(None, 59)
    assert [e.info.id for e in entries] == [info.id, typed.id]
    assert entries[0].code.value == "94287082"
    del vault
    again = otpvault.OtpVault.open(vault_path, None, clock)
    with pytest.raises(otpvault.OtpError.VaultLocked):
        again.codes(None, 59)
    assert again.unlock(PIN).session_seconds == 300
    assert [c.code.value for c in again.codes(None, 59)][0] == "94287082"


def test_five_and_ten_minute_sessions_follow_the_python_clock(vault_path, tmp_path):
    for policy, seconds in [(otpvault.UnlockPolicy.FIVE_MINUTES, 300), (otpvault.UnlockPolicy.TEN_MINUTES, 600)]:
        clock = ManualClock()
        path = str(tmp_path / f"{seconds}.db")
        vault = make_vault(path, clock, policy)
        token = vault.add_uri(None, RFC_URI).id
        vault.lock()
        with pytest.raises(otpvault.OtpError.VaultLocked):
            vault.code(None, token, 59)
        vault.unlock(PIN)
        clock.advance(seconds - 1)
        assert vault.code(None, token, 59).value == "94287082"
        clock.advance(2)
        with pytest.raises(otpvault.OtpError.VaultLocked):
            vault.code(None, token, 59)
        assert not vault.status().unlocked


def test_every_code_policy_needs_the_pin_each_time(vault_path, clock):
    vault = make_vault(vault_path, clock, otpvault.UnlockPolicy.EVERY_CODE)
    token = vault.add_uri(PIN, RFC_URI).id
    assert vault.unlock(PIN).session_seconds is None
    with pytest.raises(otpvault.OtpError.VaultLocked):
        vault.code(None, token, 59)
    assert vault.code(PIN, token, 59).value == "94287082"
    assert not vault.status().unlocked


def test_wrong_pins_up_to_the_lockout(vault_path, clock):
    make_vault(vault_path, clock)
    vault = otpvault.OtpVault.open(vault_path, None, clock)
    for left in [4, 3, 2, 1, 0]:
        with pytest.raises(otpvault.OtpError.WrongPin) as err:
            vault.unlock(WRONG)
        assert err.value.attempts_before_delay == left
    with pytest.raises(otpvault.OtpError.LockedOut) as err:
        vault.unlock(PIN)
    assert err.value.seconds_left == 60
    clock.advance(60)
    vault.unlock(PIN)
    assert vault.status().failed_attempts == 0
    with pytest.raises(otpvault.OtpError.InvalidPin):
        vault.unlock("12")
    with pytest.raises(otpvault.OtpError.WeakPin):
        vault.change_pin(PIN, "12345")


def test_python_device_key(vault_path, clock):
    device = XorDeviceKey()
    vault = make_vault(vault_path, clock, device_key=device)
    token = vault.add_uri(None, RFC_URI).id
    assert vault.status().device_bound
    assert device.calls == 1
    with pytest.raises(otpvault.OtpError.DeviceKeyRequired):
        otpvault.OtpVault.open(vault_path, None, clock).unlock(PIN)
    # Another device's key: the protector reports KeyInvalidated, which arrives as its own case.
    with pytest.raises(otpvault.OtpError.DeviceKeyInvalidated):
        otpvault.OtpVault.open(vault_path, XorDeviceKey(), clock).unlock(PIN)
    right = otpvault.OtpVault.open(vault_path, device, clock)
    right.unlock(PIN)
    assert right.code(None, token, 59).value == "94287082"


def test_a_callback_that_throws_becomes_a_clean_error(vault_path, clock):
    device = XorDeviceKey()
    make_vault(vault_path, clock, device_key=device)
    broken = XorDeviceKey(key=device.key, fail_with=RuntimeError("keystore crashed"))
    vault = otpvault.OtpVault.open(vault_path, broken, clock)
    with pytest.raises(otpvault.OtpError.DeviceKeyFailed):
        vault.unlock(PIN)
    declared = XorDeviceKey(key=device.key, fail_with=otpvault.ProtectorFailure.Failed("user not authenticated"))
    vault = otpvault.OtpVault.open(vault_path, declared, clock)
    with pytest.raises(otpvault.OtpError.DeviceKeyFailed) as err:
        vault.unlock(PIN)
    assert "user not authenticated" in err.value.reason
    # Each report of the platform reaches the caller as its own case, costing no PIN attempt.
    cancelled = XorDeviceKey(key=device.key, fail_with=otpvault.ProtectorFailure.Cancelled())
    with pytest.raises(otpvault.OtpError.DeviceKeyCancelled):
        otpvault.OtpVault.open(vault_path, cancelled, clock).unlock(PIN)
    unavailable = XorDeviceKey(key=device.key, fail_with=otpvault.ProtectorFailure.Unavailable("device locked"))
    with pytest.raises(otpvault.OtpError.DeviceKeyUnavailable) as err:
        otpvault.OtpVault.open(vault_path, unavailable, clock).unlock(PIN)
    assert err.value.reason == "device locked"
    assert vault.status().failed_attempts == 0, "a failing device key costs no attempt"


def test_lock_wipes_access_and_hotp_advances(vault_path, clock):
    vault = make_vault(vault_path, clock)
    hotp = vault.add_uri(None, "otpauth://hotp/Y:k?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=0").id
    assert [vault.next_hotp(None, hotp).value for _ in range(3)] == ["755224", "287082", "359152"]
    with pytest.raises(otpvault.OtpError.NotTimeBased):
        vault.code(None, hotp, T0)
    vault.lock()
    for call in (lambda: vault.list(None), lambda: vault.next_hotp(None, hotp), lambda: vault.entries(None, T0)):
        with pytest.raises(otpvault.OtpError.VaultLocked):
            call()
    assert vault.next_hotp(PIN, hotp).value == "969429"


def test_time_offset_and_export(vault_path, clock):
    vault = make_vault(vault_path, clock)
    token = vault.add_uri(None, RFC_URI).id
    vault.set_time_offset(None, 1_111_111_109 - 59)
    assert vault.code(None, token, 59).value == "07081804"
    uris = vault.export_uris(PIN)
    assert uris[0].startswith("otpauth://totp/ACME%20Co:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
    with pytest.raises(otpvault.OtpError.WrongPin):
        vault.export_uris(WRONG)


def test_several_threads_share_one_vault(vault_path, clock):
    vault = make_vault(vault_path, clock, otpvault.UnlockPolicy.TEN_MINUTES)
    base = vault.add_uri(None, RFC_URI).id
    errors = []

    def worker(n):
        try:
            for i in range(20):
                spec = otpvault.TokenSpec(issuer="thread", account=f"{n}-{i}", algorithm=otpvault.Algorithm.SHA1,
                                          digits=6, kind=otpvault.TokenKind.TOTP(period=30))
                vault.add_typed(None, "JBSWY3DPEHPK3PXP", spec)
                assert vault.code(None, base, 59).value == "94287082"
                vault.codes(None, T0)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(vault.list(None)) == 81


def test_bad_inputs_are_typed_errors(vault_path, clock):
    vault = make_vault(vault_path, clock)
    with pytest.raises(otpvault.OtpError.InvalidUri) as err:
        vault.add_uri(None, "otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=12")
    assert err.value.kind == otpvault.UriErrorKind.INVALID_DIGITS
    with pytest.raises(otpvault.OtpError.InvalidSecret) as err:
        vault.add_uri(None, "otpauth://totp/a?secret=JBSW1Y3DP")
    assert err.value.position == 5
    assert err.value.kind == otpvault.SecretErrorKind.INVALID_CHARACTER
    with pytest.raises(otpvault.OtpError.NotFound):
        vault.remove(None, 42)
    with pytest.raises(otpvault.OtpError.AlreadyExists):
        otpvault.OtpVault.create(vault_path, PIN, otpvault.UnlockPolicy.FIVE_MINUTES, KDF, False, None, clock)
    with pytest.raises(otpvault.OtpError.KdfTooWeak) as err:
        otpvault.OtpVault.create(vault_path + "2", PIN, otpvault.UnlockPolicy.FIVE_MINUTES, 1000, False, None, clock)
    assert (err.value.iterations, err.value.minimum) == (1000, 600000)
    with pytest.raises(otpvault.OtpError.NoVault):
        otpvault.OtpVault.open(vault_path + ".missing", None, clock)
    with open(vault_path + ".txt", "w") as notes:
        notes.write("not a database")
    with pytest.raises(otpvault.OtpError.NotAVault):
        otpvault.OtpVault.open(vault_path + ".txt", None, clock)


def test_a_newer_vault_says_which_versions(vault_path, clock):
    import sqlite3
    vault = make_vault(vault_path, clock)
    del vault
    import gc
    gc.collect()
    with sqlite3.connect(vault_path) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(otpvault.OtpError.NewerSchema) as err:
        otpvault.OtpVault.open(vault_path, None, clock)
    assert err.value.found == 99
    assert 1 <= err.value.supported < 99
