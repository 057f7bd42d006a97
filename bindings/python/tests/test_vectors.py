"""The shared conformance vectors in tests/vectors, through the Python bindings."""

import pytest

import otpvault
from conftest import vectors

ALGORITHMS = {"SHA1": otpvault.Algorithm.SHA1, "SHA256": otpvault.Algorithm.SHA256, "SHA512": otpvault.Algorithm.SHA512}


def test_rfc4226_appendix_d():
    doc = vectors("rfc4226.json")
    secret = bytes.fromhex(doc["secret_hex"])
    assert len(doc["cases"]) == 10
    for case in doc["cases"]:
        assert otpvault.hotp_code(secret, otpvault.Algorithm.SHA1, 6, case["counter"]) == case["code"]


def test_rfc6238_appendix_b():
    doc = vectors("rfc6238.json")
    assert len(doc["cases"]) == 18
    for case in doc["cases"]:
        seed = bytes.fromhex(doc["seeds_hex"][case["algorithm"]])
        code = otpvault.totp_code(seed, ALGORITHMS[case["algorithm"]], 8, 30, case["time"])
        assert code.value == case["code"], case
        assert code.step == int(case["step_hex"], 16)


def test_generated_code_vectors():
    for case in vectors("codes.json")["cases"]:
        secret = otpvault.decode_secret(case["secret"]).bytes
        if case["kind"] == "hotp":
            got = otpvault.hotp_code(secret, ALGORITHMS[case["algorithm"]], case["digits"], case["counter"])
            assert got == case["code"], case
            continue
        if case["kind"] == "steam":
            code = otpvault.steam_code(secret, case["time"])
        else:
            code = otpvault.totp_code(secret, ALGORITHMS[case["algorithm"]], case["digits"], case["period"], case["time"])
        assert (code.value, code.next_value, code.seconds_left) == (case["code"], case["next_code"], case["seconds_left"]), case


def kind_name(kind):
    if isinstance(kind, otpvault.OtpKind.TOTP):
        return "totp"
    if isinstance(kind, otpvault.OtpKind.HOTP):
        return "hotp"
    return "steam"


def test_valid_uris_parse_to_the_expected_fields_and_round_trip():
    for case in vectors("uris.json")["valid"]:
        parsed = otpvault.parse_uri(case["uri"])
        expect = case["expect"]
        spec = parsed.params
        assert (spec.issuer, spec.account, parsed.secret) == (expect["issuer"], expect["account"], expect["secret"]), case["name"]
        assert spec.algorithm == ALGORITHMS[expect["algorithm"]]
        assert spec.digits == expect["digits"]
        assert kind_name(spec.kind) == expect["type"], case["name"]
        if expect["type"] == "totp":
            assert spec.kind.period == expect["period"]
        if expect["type"] == "hotp":
            assert spec.kind.counter == expect["counter"]
        assert otpvault.parse_uri(otpvault.build_uri(parsed.secret, spec)) == parsed


def test_invalid_uris_raise_typed_errors_with_the_expected_kind():
    for case in vectors("uris.json")["invalid"]:
        with pytest.raises((otpvault.OtpError.InvalidUri, otpvault.OtpError.InvalidSecret)) as err:
            otpvault.parse_uri(case["uri"])
        expected = case["error"]
        if isinstance(err.value, otpvault.OtpError.InvalidSecret):
            assert expected == "invalid_secret", case["name"]
        else:
            assert err.value.kind.name.lower() == expected, case["name"]
        # Errors never echo the URI (it carries the secret).
        assert "JBSWY3DPEHPK3PXP" not in str(err.value)


def test_secret_table():
    doc = vectors("secrets.json")
    for case in doc["valid"]:
        decoded = otpvault.decode_secret(case["input"])
        assert (decoded.canonical, len(decoded.bytes), decoded.weak) == (case["canonical"], case["bytes"], case["weak"])
    for case in doc["invalid"]:
        with pytest.raises(otpvault.OtpError.InvalidSecret) as err:
            otpvault.decode_secret(case["input"])
        assert err.value.kind.name.lower() == case["error"]
        assert err.value.position == case.get("position")
