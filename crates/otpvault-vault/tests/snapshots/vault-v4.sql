-- A schema-v4 otpvault vault as commit bf796e9 wrote it (token records v1, manifest v2), before
-- tokens carried groups, notes, icons and favourites. PIN 13579, PBKDF2 1,000 iterations (test
-- builds only). Tokens: ACME Co/alice@example.com (TOTP SHA1 8 digits, RFC 6238 seed), Yubi/me
-- (HOTP, counter 5), Provincia di Trento/mario (TOTP SHA512 60 s); policy 10 minutes; offset -15 s.
-- Written by tests/snapshot_writer.rs; loaded by tests/migrations.rs.
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE vault (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        vault_id BLOB NOT NULL,
        format INTEGER NOT NULL,
        settings BLOB NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0
    , wipe_after_failures INTEGER NOT NULL DEFAULT 0, manifest BLOB, delay_anchor_ms INTEGER, delay_wall_anchor_ms INTEGER);
INSERT INTO vault VALUES(1,X'23c20dbafe7677d2162b0ba02a7c992f',2,X'e2f41f8b5164227629417ad796a29ad25b695a3ec07598f9ee220f0209ed246ff291a28ed5d0',0,0,X'b8f3b954ed6081e1fb1d2d18bc248474fe20cf205cf71053157756ed8947deafeb93bc3a465dd40dae5060134baa6b981262a2e97ea45afc6afa22316852038dec58572a2659a136f877fef228e87a8eaa470a4fd901f0a2110ad6bbdb855d76549fa8d0ca978d0dc1eba17e6c9fa13b41e61cf4196135792654',NULL,NULL);
CREATE TABLE key_slots (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        kdf TEXT NOT NULL,
        salt BLOB NOT NULL,
        iterations INTEGER NOT NULL,
        device_bound INTEGER NOT NULL,
        wrapped_key BLOB NOT NULL,
        checksum BLOB NOT NULL
    );
INSERT INTO key_slots VALUES(1,'pin','pbkdf2-sha256',X'34bf0cccfa425163e3a1a53b4236dbaf',1000,0,X'8cfb7b64139e7b31949c2f97bd1894e9a1bdc9e93aa9fcf3e350cdebadaedeb6d83fdbafceff45bc054e39b925c6cc569076bcbaed8da56d5880c398',X'f6661a2da927ad2f82e1dbdada8fac66');
CREATE TABLE tokens (
        id INTEGER PRIMARY KEY,
        position INTEGER NOT NULL,
        sealed BLOB NOT NULL
    );
INSERT INTO tokens VALUES(1,0,X'3f612a248bb04d7ffa1f4e30513effa46ad10d1381d2e09a6e2794459338432b7883228eb91a39483840adc5a1caff707e98629eecae3e17ebe8b0d2ff8df3e9d005964a6677b48bfe17b47aeea9fafce4c42926c9a52e47e24e');
INSERT INTO tokens VALUES(2,1,X'56ea20b9aece63acc24d16324b085d292d90ca2083af2641039e87d5ebf729c0b00671c12b095cd945b1390cecf7233e380476fae2828b3e59094508e7dffe573e269a7c894c5786');
INSERT INTO tokens VALUES(3,2,X'05136a40929a6c12a6ffc48c9745cf598ce320e4b812cc45ff6bbcf4bb51511fa57da84f2d324aabdc94fd82d6376f0d6590c9078921efd58d93842a398c49015bd2d3a532eae0051932d537234c7a00');
CREATE INDEX tokens_by_position ON tokens (position, id);
PRAGMA user_version = 4;
COMMIT;
