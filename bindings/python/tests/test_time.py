"""Authenticated time (otpvault-time/v1) through the Python bindings: tests/vectors/time.json
(made by an independent reference) replayed, an answer shifted in the middle refused, a Date
header read, and a vault token asking its issuer (the answer made here with Python's hmac)."""

import hashlib
import hmac
import json
import struct

import pytest

import otpvault
from conftest import T0, ManualClock, make_vault, vectors


def test_the_time_vectors_replay():
    doc = vectors("time.json")
    nonce = bytes.fromhex(doc["nonce_hex"])
    for case in doc["cases"]:
        client = otpvault.TimeSyncClient.for_vector(doc["uri"], nonce, case["sent_ms"])
        assert client.path() == "/v1/time"
        assert client.body() == case["request_body"]
        if case["valid"]:
            sync = client.finish_at(200, case["answer_body"], case["received_ms"])
            assert (sync.offset_ms, sync.uncertainty_ms, sync.authenticated, sync.far_off) == (
                case["offset_ms"], case["uncertainty_ms"], True, case["far_off"]), case["name"]
        else:
            with pytest.raises(otpvault.OtpError.ActivationServerNotAuthenticated):
                client.finish_at(200, case["answer_body"], case["received_ms"])
    for case in doc["date_headers"]:
        sync = otpvault.time_from_date_header(case["date"], case["sent_ms"], case["received_ms"])
        assert (sync.offset_ms, sync.uncertainty_ms, sync.authenticated) == (
            case["offset_ms"], case["uncertainty_ms"], False)


def test_a_vault_token_asks_its_issuer(tmp_path):
    doc = vectors("time.json")
    clock = ManualClock(wall=T0)
    vault = make_vault(str(tmp_path / "v.db"), clock)
    info = vault.add_uri(doc["uri"])
    client = vault.time_sync(info.id)
    request = json.loads(client.body())
    assert request["account"] == "mario" and len(request["nonce"]) == 32
    # The issuer's answer, 20 s ahead of the device, made with the reference's key.
    key = bytes.fromhex(doc["key_hex"])
    nonce = bytes.fromhex(request["nonce"])
    server_ms = T0 * 1000 + 20_000
    data = b"otpvault-time/v1" + struct.pack(">Q", 5) + b"mario" + nonce + struct.pack(">Q", server_ms)
    answer = json.dumps({"server_time_ms": server_ms, "mac": hmac.new(key, data, hashlib.sha256).hexdigest()})
    sync = client.finish(200, answer)
    assert sync.authenticated and sync.far_off
    assert abs(sync.offset_ms - 20_000) <= 1000
    # The same answer shifted by someone in the middle is refused.
    shifted = answer.replace(str(server_ms), str(server_ms + 60_000))
    with pytest.raises(otpvault.OtpError.ActivationServerNotAuthenticated):
        client.finish(200, shifted)
