"""Moving in and out through the Python bindings: every import fixture (plain and encrypted, all
formats) imported with the codes the exporting app shows, a wrong password refused, the backup round
trip, and the Aegis export decrypted by an independent reader written here with `cryptography`
and hashlib (scrypt, AES-GCM) — not by otpvault."""

import base64
import hashlib
import hmac
import json
import struct
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import otpvault
from conftest import PIN, ManualClock, make_vault, run

FIXTURES = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "import"
STRONG = "violin tundra marble compass 1887"


def outcome_name(outcome):
    if outcome.is_imported():
        return "imported"
    if outcome.is_duplicate_of():
        return "duplicate"
    if outcome.is_duplicate_in_file():
        return "duplicate_in_file"
    return outcome.reason.name.lower()


EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(EXPECTED["formats"]))
def test_every_import_fixture_gives_the_apps_codes(tmp_path, name):
    """The conformance vector every language reads: each file of tests/fixtures/import is
    recognised as its format and imports entry by entry with the codes the exporting app shows."""
    expected = EXPECTED
    password = expected["passwords"].get(name)
    clock = ManualClock(wall=expected["time"])
    vault = make_vault(str(tmp_path / "v.db"), clock)
    data = (FIXTURES / name).read_bytes()
    if password:
        with pytest.raises(otpvault.OtpError.ImportPasswordRequired):
            run(vault.preview_import(data, None))
        with pytest.raises(otpvault.OtpError.ImportWrongPassword):
            run(vault.import_file(data, "not the password"))
        assert vault.list() == []
    preview = run(vault.preview_import(data, password))
    assert preview.format == expected["formats"][name]
    assert vault.list() == []
    report = run(vault.import_file(data, password))
    want = expected["files"][name]
    assert [e.issuer for e in report.entries] == [w["issuer"] for w in want]
    assert [e.account for e in report.entries] == [w["account"] for w in want]
    assert [outcome_name(e.outcome) for e in report.entries] == [w["outcome"] for w in want]
    for entry, w in zip(report.entries, want):
        if w["outcome"] != "imported":
            continue
        if w.get("hotp"):
            assert vault.next_hotp(entry.outcome.id).value == w["code"], w["account"]
        else:
            assert vault.code(entry.outcome.id, expected["time"]).value == w["code"], w["account"]


def totp(secret, unix, period, digits, algo):
    mac = hmac.new(secret, struct.pack(">Q", unix // period), getattr(hashlib, algo.lower())).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10 ** digits).zfill(digits)


def sample_vault(path, clock):
    vault = make_vault(path, clock)
    vault.add_uri("otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    vault.add_uri("otpauth://totp/Bank:bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA256&digits=8&period=60")
    vault.set_time_offset(12)
    return vault


def test_a_backup_round_trips_and_weak_passphrases_are_refused(tmp_path):
    clock = ManualClock()
    vault = sample_vault(str(tmp_path / "a.db"), clock)
    with pytest.raises(otpvault.OtpError.WeakPassphrase):
        run(vault.export_backup(PIN, "password123"))
    data = run(vault.export_backup(PIN, STRONG))
    other = make_vault(str(tmp_path / "b.db"), clock)
    with pytest.raises(otpvault.OtpError.ImportWrongPassword):
        run(other.restore(PIN, data, "violin tundra marble compass 1888"))
    report = run(other.restore(PIN, data, STRONG))
    assert report.format == "otpvault-backup"
    assert [e.outcome.is_imported() for e in report.entries] == [True, True]
    assert other.time_offset() == 12
    assert [(t.issuer, t.account) for t in other.list()] == [(t.issuer, t.account) for t in vault.list()]
    assert other.codes(1_700_000_000).values == vault.codes(1_700_000_000).values


def test_a_passphrase_is_judged_before_any_pin_or_vault():
    with pytest.raises(otpvault.OtpError.WeakPassphrase) as weak:
        otpvault.check_export_passphrase("password123")
    assert weak.value.score < 3
    assert weak.value.hint
    otpvault.check_export_passphrase(STRONG)


def test_the_aegis_export_opens_with_an_independent_reader(tmp_path):
    clock = ManualClock()
    vault = sample_vault(str(tmp_path / "a.db"), clock)
    doc = json.loads(run(vault.export_aegis(PIN, STRONG)))
    slot = doc["header"]["slots"][0]
    key = hashlib.scrypt(STRONG.encode(), salt=bytes.fromhex(slot["salt"]), n=slot["n"], r=slot["r"],
                         p=slot["p"], maxmem=64 * 1024 * 1024, dklen=32)
    master = AESGCM(key).decrypt(bytes.fromhex(slot["key_params"]["nonce"]),
                                 bytes.fromhex(slot["key"]) + bytes.fromhex(slot["key_params"]["tag"]), None)
    params = doc["header"]["params"]
    db = json.loads(AESGCM(master).decrypt(bytes.fromhex(params["nonce"]),
                                           base64.b64decode(doc["db"]) + bytes.fromhex(params["tag"]), None))
    now = 1_700_000_000
    codes = vault.codes(now - 12).values  # the vault adds its 12 s correction
    for entry, code in zip(db["entries"], codes):
        info = entry["info"]
        raw = base64.b32decode(info["secret"] + "=" * (-len(info["secret"]) % 8))
        assert entry["type"] == "totp"
        assert totp(raw, now, info["period"], info["digits"], info["algo"]) == code
    google = run(vault.export_google(PIN))
    assert [(x.index, x.reason) for x in google.left_out] == [(1, "period_not_30")]
    assert len(google.uris) == 1 and google.uris[0].startswith("otpauth-migration://offline?data=")


def test_adding_a_token_already_there_is_refused_with_its_id(tmp_path):
    vault = make_vault(str(tmp_path / "v.db"), ManualClock())
    first = vault.add_uri("otpauth://totp/ACME:alice?secret=JBSWY3DPEHPK3PXP")
    with pytest.raises(otpvault.OtpError.DuplicateToken) as raised:
        vault.add_uri("otpauth://totp/acme:ALICE?secret=jbsw-y3dp-ehpk-3pxp")
    assert raised.value.id == first.id
    assert len(vault.list()) == 1
    # The same secret under other names is another account enrolled with it: added.
    vault.add_uri("otpauth://totp/Renamed:bob?secret=jbsw-y3dp-ehpk-3pxp")
    assert len(vault.list()) == 2
