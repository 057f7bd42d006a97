"""Activation with a 5-digit code through the Python bindings: the fixed-randomness vector of
tests/vectors/activation.json replayed (every request must match; the stored token gives the
recorded code), and recorded answers tampered with (nothing may be stored)."""

import json

import pytest

import otpvault
from conftest import ManualClock, make_vault, vectors


def replay(doc, tamper=None):
    clock = ManualClock(wall=doc["device_wall_seconds"])
    client = otpvault.ActivationClient.new_deterministic(
        doc["origin"], doc["username"], doc["password"], doc["code"], clock,
        doc["seed_utf8"].encode(),
    )
    request = client.first_request()
    for number, step in enumerate(doc["steps"]):
        assert request.path == step["request"]["path"]
        assert json.loads(request.body) == json.loads(step["request"]["body"])
        body = step["response"]["body"]
        if tamper:
            body = tamper(number, body)
        outcome = client.handle(step["response"]["status"], body)
        if outcome.is_done():
            return clock, outcome.result
        request = outcome.request
    raise AssertionError("the vector ended before the activation")


def test_the_fixed_randomness_vector_replays_and_stores_the_token(tmp_path):
    doc = vectors("activation.json")
    clock, result = replay(doc)
    info = result.info()
    expected = doc["result"]
    assert (info.issuer, info.account, info.credential_id, info.clock_offset) == (
        expected["issuer"], expected["account"], expected["credential_id"], expected["clock_offset"])
    vault = make_vault(str(tmp_path / "v.db"), clock)
    token = vault.activate(result)
    assert vault.time_offset() == expected["clock_offset"]
    code = vault.code(token.id, doc["device_wall_seconds"])
    assert code.value == expected["code_at_device_time"]
    with pytest.raises(otpvault.OtpError.ActivationUsed):
        vault.activate(result)


def edit(step_number, field, value):
    def tamper(number, body):
        if number != step_number:
            return body
        data = json.loads(body)
        if isinstance(field, tuple):
            data[field[0]][field[1]] = value
        else:
            data[field] = value
        return json.dumps(data)
    return tamper


@pytest.mark.parametrize("tamper, error", [
    (edit(1, ("credential", "digits"), 8), otpvault.OtpError.ActivationWrongCode),
    (edit(1, ("credential", "issuer"), "Evil"), otpvault.OtpError.ActivationWrongCode),
    (edit(1, "yb", "00" * 32), otpvault.OtpError.ActivationServerNotAuthenticated),
    (edit(2, "server_time_ms", 1), otpvault.OtpError.ActivationServerNotAuthenticated),
    (edit(0, "session", "zz"), otpvault.OtpError.ActivationFailed),
])
def test_a_tampered_answer_ends_the_activation_with_a_typed_error(tamper, error):
    with pytest.raises(error):
        replay(vectors("activation.json"), tamper)


def test_server_statuses_become_typed_errors():
    client = otpvault.ActivationClient("https://portal.example.org", "mario", "pw", "04217")
    with pytest.raises(otpvault.OtpError.ActivationBurned):
        client.handle(410, json.dumps({"error": "burned"}))
    with pytest.raises(otpvault.OtpError.ActivationFailed):
        client.handle(200, "{}")
    with pytest.raises(otpvault.OtpError.ActivationFailed):
        otpvault.ActivationClient("https://portal.example.org", "mario", "pw", "12a45")
