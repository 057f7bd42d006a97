#!/usr/bin/env python3
"""The privacyIDEA side of scripts/bench-issuer (standard library only).

  setup  --venv V --work W                      keys, tables and an administrator (pi-manage)
  enrol  --url U --tokens N --pin on|off --prefix P --out FILE
         TOTP tokens (SHA-1, 6 digits, 30 s) with random secrets, through the REST API, each with
         the PIN "bench password" (hashed with the configured Argon2id) or none; writes the
         accounts for examples/load.rs: {"serial", "password" (the PIN), "secret_hex"}.

PRIVACYIDEA_CONFIGFILE names the configuration.
"""
import argparse
import concurrent.futures
import json
import os
import secrets
import subprocess
import urllib.parse
import urllib.request

ADMIN = "bench-admin"
ADMIN_PASSWORD_FILE = "admin-password"
PIN = "bench password"


def setup(args):
    manage = os.path.join(args.venv, "bin", "pi-manage")
    password = secrets.token_hex(16)
    with open(os.path.join(args.work, ADMIN_PASSWORD_FILE), "w", encoding="utf-8") as out:
        out.write(password)
    for command in (
        ["setup", "create_enckey"],
        ["setup", "create_audit_keys"],
        ["setup", "create_tables"],
        ["admin", "add", ADMIN, "-p", password],
    ):
        subprocess.run([manage, *command], check=True, cwd=args.work,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def call(url, path, fields, token=None):
    request = urllib.request.Request(
        url + path, data=urllib.parse.urlencode(fields).encode(), method="POST")
    if token:
        request.add_header("Authorization", token)
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.load(response)


def enrol(args):
    work = os.path.dirname(os.environ["PRIVACYIDEA_CONFIGFILE"])
    with open(os.path.join(work, ADMIN_PASSWORD_FILE), encoding="utf-8") as f:
        password = f.read()
    token = call(args.url, "/auth", {"username": ADMIN, "password": password})["result"]["value"]["token"]

    def one(i):
        secret = secrets.token_hex(20)
        serial = f"BENCH-{args.prefix}-{i}"
        fields = {"type": "totp", "otpkey": secret, "genkey": 0, "serial": serial,
                  "otplen": 6, "hashlib": "sha1", "timeStep": 30}
        if args.pin == "on":
            fields["pin"] = PIN
        answer = call(args.url, "/token/init", fields, token)
        if not answer["result"]["status"]:
            raise SystemExit(f"privacyIDEA refused a token: {answer}")
        return {"serial": serial, "password": PIN if args.pin == "on" else "",
                "secret_hex": secret, "user": ""}

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        accounts = list(pool.map(one, range(args.tokens)))
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(accounts, out)


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("setup")
    s.add_argument("--venv", required=True)
    s.add_argument("--work", required=True)
    e = sub.add_parser("enrol")
    e.add_argument("--url", required=True)
    e.add_argument("--tokens", type=int, required=True)
    e.add_argument("--pin", choices=["on", "off"], required=True)
    e.add_argument("--prefix", required=True)
    e.add_argument("--out", required=True)
    args = parser.parse_args()
    {"setup": setup, "enrol": enrol}[args.command](args)


if __name__ == "__main__":
    main()
