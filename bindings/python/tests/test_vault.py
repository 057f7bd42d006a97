"""A full vault scenario driven from Python: a Python clock, device key and biometric key, asyncio,
wrong PINs up to the lockout, a callback that throws, and several threads on one vault."""

import asyncio
import threading

import pytest

import otpvault
from conftest import PIN, T0, WRONG, BiometricKey, GatedDeviceKey, ManualClock, XorDeviceKey, make_vault, run

RFC_URI = "otpauth://totp/ACME%20Co:alice@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME%20Co&digits=8"
Error = otpvault.OtpError


def test_create_add_codes_and_reopen(vault_path, clock):
    vault = make_vault(vault_path, clock)
    info = vault.add_uri(RFC_URI)
    assert (info.issuer, info.account) == ("ACME Co", "alice@example.com")
    assert vault.code(info.id, 59).value == "94287082"
    params = otpvault.TokenParams(issuer="GitHub", account="octo", algorithm=otpvault.Algorithm.SHA256,
                                  kind=otpvault.OtpKind.TOTP(period=60))
    typed = vault.add_typed("jbsw y3dp ehpk 3pxp", params)
    assert typed.weak_secret and typed.digits == 6
    entries = vault.entries(59)
    assert [e.info.id for e in entries] == [info.id, typed.id]
    assert entries[0].code.value == "94287082"
    del vault
    again = otpvault.OtpVault.open(vault_path, clock=clock)
    with pytest.raises(Error.VaultLocked):
        again.codes(59)
    assert run(again.unlock(PIN)).session_seconds == 300
    # The main screen: codes aligned with list(), each period's step once.
    sheet = again.codes(59)
    assert [t.id for t in again.list()] == [info.id, typed.id]
    assert len(sheet.values) == 2 and sheet.values[0] == "94287082"
    assert [(p.period, p.seconds_left) for p in sheet.periods] == [(30, 1), (60, 1)]
    assert again.codes(60).revision == sheet.revision
    again.remove(typed.id)
    assert again.codes(60).revision != sheet.revision, "the list changed"


def test_unlock_runs_off_the_event_loop_while_other_calls_proceed(vault_path, clock):
    device = XorDeviceKey()
    make_vault(vault_path, clock, device_key=device)
    gate = GatedDeviceKey(device.key)
    vault = otpvault.OtpVault.open(vault_path, gate, clock)

    async def scenario():
        task = asyncio.create_task(vault.unlock(PIN))
        # The unlock is now waiting in the device key, on the library's thread; this loop is free.
        while not gate.entered.is_set():
            await asyncio.sleep(0.001)
        assert not vault.status().unlocked, "a call proceeds while the unlock is in flight"
        gate.release.set()
        return await task

    assert asyncio.run(scenario()).session_seconds == 300
    assert vault.status().unlocked


def test_five_and_ten_minute_sessions_follow_the_python_clock(tmp_path):
    for policy, seconds in [(otpvault.UnlockPolicy.FIVE_MINUTES, 300), (otpvault.UnlockPolicy.TEN_MINUTES, 600)]:
        clock = ManualClock()
        vault = make_vault(str(tmp_path / f"{seconds}.db"), clock, policy)
        token = vault.add_uri(RFC_URI).id
        vault.lock()
        with pytest.raises(Error.VaultLocked):
            vault.code(token, 59)
        run(vault.unlock(PIN))
        clock.advance(seconds - 1)
        assert vault.code(token, 59).value == "94287082"
        clock.advance(2)
        with pytest.raises(Error.VaultLocked):
            vault.code(token, 59)
        assert not vault.status().unlocked


def test_every_code_policy_serves_one_call_per_unlock(vault_path, clock):
    vault = make_vault(vault_path, clock, otpvault.UnlockPolicy.EVERY_CODE)
    with pytest.raises(Error.VaultLocked):
        vault.add_uri(RFC_URI)
    assert run(vault.unlock(PIN)).session_seconds is None
    token = vault.add_uri(RFC_URI).id
    with pytest.raises(Error.VaultLocked):
        vault.code(token, 59)
    run(vault.unlock(PIN))
    assert vault.code(token, 59).value == "94287082"
    assert not vault.status().unlocked
    with pytest.raises(Error.VaultLocked):
        vault.code(token, 59)


def test_wrong_pins_up_to_the_lockout(vault_path, clock):
    make_vault(vault_path, clock)
    vault = otpvault.OtpVault.open(vault_path, clock=clock)
    for left in [4, 3, 2, 1, 0]:
        with pytest.raises(Error.WrongPin) as err:
            run(vault.unlock(WRONG))
        assert err.value.attempts_before_delay == left
    with pytest.raises(Error.LockedOut) as err:
        run(vault.unlock(PIN))
    assert err.value.seconds_left == 60
    clock.advance(60)
    run(vault.unlock(PIN))
    assert vault.status().failed_attempts == 0
    with pytest.raises(Error.InvalidPin):
        run(vault.unlock("12"))
    with pytest.raises(Error.WeakPin):
        run(vault.change_pin(PIN, "12345"))


def test_quick_unlock_with_a_python_biometric_key(vault_path, clock):
    vault = make_vault(vault_path, clock)
    token = vault.add_uri(RFC_URI).id
    biometric = BiometricKey()
    with pytest.raises(Error.QuickUnlockNotSet):
        run(vault.quick_unlock(biometric))
    with pytest.raises(Error.WrongPin):
        run(vault.enable_quick_unlock(WRONG, biometric))
    run(vault.enable_quick_unlock(PIN, biometric))
    assert vault.status().quick_unlock and not vault.status().quick_unlock_every_code
    vault.lock()
    # Success: the prompt ran on the library's thread, not the event loop's.
    assert run(vault.quick_unlock(biometric)).session_seconds == 300
    assert biometric.prompt_thread != threading.get_ident()
    assert vault.code(token, 59).value == "94287082"
    vault.lock()
    # Cancelled: its own error, no PIN attempt counted, the slot kept.
    biometric.outcome = otpvault.ProtectorFailure.Cancelled()
    with pytest.raises(Error.QuickUnlockCancelled):
        run(vault.quick_unlock(biometric))
    assert vault.status().failed_attempts == 0 and vault.status().quick_unlock
    # Invalidated (new fingerprint enrolled): the slot goes, the PIN still opens.
    biometric.outcome = otpvault.ProtectorFailure.KeyInvalidated()
    with pytest.raises(Error.QuickUnlockInvalidated):
        run(vault.quick_unlock(biometric))
    assert not vault.status().quick_unlock
    assert biometric.deletions == 1, "the app is told to delete the invalidated key"
    prompts = biometric.prompts
    with pytest.raises(Error.QuickUnlockNotSet):
        run(vault.quick_unlock(biometric))
    assert biometric.prompts == prompts, "no prompt without a slot"
    run(vault.unlock(PIN))
    assert vault.code(token, 59).value == "94287082"
    # Disabling removes the slot and calls back to delete the platform key.
    run(vault.enable_quick_unlock(PIN, biometric))
    run(vault.disable_quick_unlock(biometric))
    assert biometric.deletions == 2 and not vault.status().quick_unlock


def test_quick_unlock_stands_in_for_the_every_code_pin_only_when_allowed(vault_path, clock):
    vault = make_vault(vault_path, clock, otpvault.UnlockPolicy.EVERY_CODE)
    run(vault.unlock(PIN))
    token = vault.add_uri(RFC_URI).id
    biometric = BiometricKey()
    run(vault.enable_quick_unlock(PIN, biometric))
    with pytest.raises(Error.QuickUnlockNotAllowed):
        run(vault.quick_unlock(biometric))
    run(vault.enable_quick_unlock(PIN, biometric, allow_every_code=True))
    run(vault.quick_unlock(biometric))
    assert vault.code(token, 59).value == "94287082"
    with pytest.raises(Error.VaultLocked):
        vault.code(token, 59)
    run(vault.change_pin(PIN, "97531"))
    assert not vault.status().quick_unlock, "a PIN change removes quick unlock"


def test_python_device_key(vault_path, clock):
    device = XorDeviceKey()
    vault = make_vault(vault_path, clock, device_key=device)
    token = vault.add_uri(RFC_URI).id
    assert vault.status().device_bound
    assert device.calls == 1
    with pytest.raises(Error.DeviceKeyRequired):
        run(otpvault.OtpVault.open(vault_path, clock=clock).unlock(PIN))
    # Another device's key: the protector reports KeyInvalidated, which arrives as its own case.
    with pytest.raises(Error.DeviceKeyInvalidated):
        run(otpvault.OtpVault.open(vault_path, XorDeviceKey(), clock).unlock(PIN))
    right = otpvault.OtpVault.open(vault_path, device, clock)
    run(right.unlock(PIN))
    assert right.code(token, 59).value == "94287082"


def test_a_callback_that_throws_becomes_a_clean_error(vault_path, clock):
    device = XorDeviceKey()
    make_vault(vault_path, clock, device_key=device)

    def unlock_with(failure):
        protector = XorDeviceKey(key=device.key, fail_with=failure)
        vault = otpvault.OtpVault.open(vault_path, protector, clock)
        run(vault.unlock(PIN))

    with pytest.raises(Error.DeviceKeyFailed):
        unlock_with(RuntimeError("keystore crashed"))
    with pytest.raises(Error.DeviceKeyFailed) as err:
        unlock_with(otpvault.ProtectorFailure.Failed("user not authenticated"))
    assert "user not authenticated" in err.value.reason
    # Each report of the platform reaches the caller as its own case, costing no PIN attempt.
    with pytest.raises(Error.DeviceKeyCancelled):
        unlock_with(otpvault.ProtectorFailure.Cancelled())
    with pytest.raises(Error.DeviceKeyUnavailable) as err:
        unlock_with(otpvault.ProtectorFailure.Unavailable("device locked"))
    assert err.value.reason == "device locked"
    status = otpvault.OtpVault.open(vault_path, device, clock).status()
    assert status.failed_attempts == 0, "a failing device key costs no attempt"


def test_lock_wipes_access_and_hotp_advances(vault_path, clock):
    vault = make_vault(vault_path, clock)
    hotp = vault.add_uri("otpauth://hotp/Y:k?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&counter=0").id
    assert [vault.next_hotp(hotp).value for _ in range(3)] == ["755224", "287082", "359152"]
    with pytest.raises(Error.NotTimeBased):
        vault.code(hotp, T0)
    vault.lock()
    for call in (vault.list, lambda: vault.next_hotp(hotp), lambda: vault.entries(T0)):
        with pytest.raises(Error.VaultLocked):
            call()
    run(vault.unlock(PIN))
    assert vault.next_hotp(hotp).value == "969429"


def test_time_offset_and_export(vault_path, clock):
    vault = make_vault(vault_path, clock)
    token = vault.add_uri(RFC_URI).id
    vault.set_time_offset(1_111_111_109 - 59)
    assert vault.code(token, 59).value == "07081804"
    uris = run(vault.export_uris(PIN))
    assert uris[0].startswith("otpauth://totp/ACME%20Co:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
    with pytest.raises(Error.WrongPin):
        run(vault.export_uris(WRONG))
    # An offset that wrapped abs() (i64::MIN) or exceeds a century is refused; nothing changes.
    for absurd in (-(2**63), 2**63 - 1):
        with pytest.raises(Error.TimeOffsetOutOfRange):
            vault.set_time_offset(absurd)
    assert vault.time_offset() == 1_111_111_109 - 59


def test_several_threads_share_one_vault(vault_path, clock):
    vault = make_vault(vault_path, clock, otpvault.UnlockPolicy.TEN_MINUTES)
    base = vault.add_uri(RFC_URI).id
    errors = []

    def worker(n):
        try:
            for i in range(20):
                params = otpvault.TokenParams(issuer="thread", account=f"{n}-{i}", algorithm=otpvault.Algorithm.SHA1,
                                              kind=otpvault.OtpKind.TOTP(period=30))
                # A distinct secret per token: the same one twice is refused as a duplicate.
                k = n * 20 + i
                alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
                vault.add_typed("JBSWY3DPEHPK3P" + alphabet[k // 32] + alphabet[k % 32], params)
                assert vault.code(base, 59).value == "94287082"
                vault.codes(T0)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(vault.list()) == 81


def test_bad_inputs_are_typed_errors(vault_path, clock):
    vault = make_vault(vault_path, clock)
    with pytest.raises(Error.InvalidUri) as err:
        vault.add_uri("otpauth://totp/a?secret=JBSWY3DPEHPK3PXP&digits=12")
    assert err.value.kind == otpvault.UriErrorKind.INVALID_DIGITS
    with pytest.raises(Error.InvalidSecret) as err:
        vault.add_uri("otpauth://totp/a?secret=JBSW1Y3DP")
    assert err.value.position == 5
    assert err.value.kind == otpvault.SecretErrorKind.INVALID_CHARACTER
    with pytest.raises(Error.NotFound):
        vault.remove(42)
    with pytest.raises(Error.AlreadyExists):
        make_vault(vault_path, clock)
    weak = otpvault.CreateOptions(kdf_iterations=1000)
    with pytest.raises(Error.KdfTooWeak) as err:
        run(otpvault.OtpVault.create(vault_path + "2", PIN, otpvault.UnlockPolicy.FIVE_MINUTES, weak, clock=clock))
    assert (err.value.iterations, err.value.minimum) == (1000, 600000)
    with pytest.raises(Error.NoVault):
        otpvault.OtpVault.open(vault_path + ".missing", clock=clock)
    with open(vault_path + ".txt", "w") as notes:
        notes.write("not a database")
    with pytest.raises(Error.NotAVault):
        otpvault.OtpVault.open(vault_path + ".txt", clock=clock)
    # The period check lives in the core; the facade forwards it.
    with pytest.raises(Error.InvalidUri) as err:
        otpvault.totp_code(bytes(20), otpvault.Algorithm.SHA1, 6, 0, T0)
    assert err.value.kind == otpvault.UriErrorKind.INVALID_PERIOD


def test_a_newer_vault_says_which_versions(vault_path, clock):
    import gc
    import sqlite3
    vault = make_vault(vault_path, clock)
    del vault
    gc.collect()
    with sqlite3.connect(vault_path) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(Error.NewerSchema) as err:
        otpvault.OtpVault.open(vault_path, clock=clock)
    assert err.value.found == 99
    assert 1 <= err.value.supported < 99


def test_groups_notes_icons_and_favourites(vault_path, clock):
    vault = make_vault(vault_path, clock)
    token = vault.add_uri(RFC_URI).id
    assert vault.set_groups(token, ["Work", " work", "Bank"]).groups == ["Work", "Bank"]
    assert vault.set_note(token, "PUK in the drawer").note == "PUK in the drawer"
    assert vault.set_favourite(token, True).favourite
    png = b"\x89PNG\r\n\x1a\n" + bytes(16)
    assert vault.set_icon(token, png).icon == otpvault.IconKind.PNG
    icon = vault.icon(token)
    assert icon.kind == otpvault.IconKind.PNG and icon.bytes == png
    with pytest.raises(Error.InvalidDetails):
        vault.set_icon(token, b"GIF89a")
    listed = vault.list()[0]
    assert listed.groups == ["Work", "Bank"] and listed.favourite
    assert listed.note == "PUK in the drawer" and listed.icon == otpvault.IconKind.PNG
    vault.set_icon(token, None)
    assert vault.icon(token) is None
