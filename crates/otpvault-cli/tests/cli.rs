//! The real `otpvault` binary, run in a temporary directory: every command with `--pin-stdin`,
//! JSON output parsed and checked, every exit code, the stateless `otp` mode against the RFC
//! vectors, `add --qr` on PNG and JPEG images generated here, and `watch --frames 2`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use otpvault_core::secret::encode_base32;
use otpvault_core::{Algorithm, Format, Generator, Secret};
use serde_json::Value;

const PIN: &str = "13579";
const WRONG: &str = "24680";
const RFC_SHA1_B32: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Self {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn vault(&self) -> PathBuf {
        self.dir.path().join("data").join("vault.db")
    }

    /// Runs `otpvault --vault … --pin-stdin ARGS` with `stdin` as input (no agent: each run asks
    /// for the PIN, as scripts do; the agent has its own tests).
    fn run(&self, args: &[&str], stdin: &str) -> Output {
        run_with_input(
            Command::new(env!("CARGO_BIN_EXE_otpvault"))
                .arg("--vault")
                .arg(self.vault())
                .arg("--pin-stdin")
                .args(args)
                .env_remove("OTPVAULT_VAULT")
                .env("OTPVAULT_NO_AGENT", "1"),
            stdin,
        )
    }

    fn ok(&self, args: &[&str], stdin: &str) -> String {
        let out = self.run(args, stdin);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn json(&self, args: &[&str], stdin: &str) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all, stdin)).unwrap()
    }

    fn init(&self, policy: &str) {
        self.ok(
            &["init", "--policy", policy, "--kdf-iterations", "600000"],
            &format!("{PIN}\n"),
        );
    }
}

/// Spawns `command` with `input` written to its standard input (then closed).
fn spawn_with_input(command: &mut Command, input: &str) -> std::process::Child {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A child that fails early (usage errors) may not read its input: ignore a broken pipe.
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    child
}

/// Spawns `command` with `input` on its standard input and collects its output.
fn run_with_input(command: &mut Command, input: &str) -> Output {
    spawn_with_input(command, input).wait_with_output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn expected(secret_b32: &str, algorithm: Algorithm, digits: u8, unix: u64, period: u32) -> String {
    let secret = Secret::from_base32(secret_b32).unwrap();
    Generator::new(&secret, algorithm, Format::Decimal(digits))
        .unwrap()
        .totp(unix, period)
        .value
        .to_string()
}

fn vectors(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/vectors")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// `init --json` names the policy it set (issue 20, item 13).
#[test]
fn init_names_its_policy() {
    let env = Env::new();
    let created = env.json(
        &["init", "--policy", "10m", "--kdf-iterations", "600000"],
        &format!("{PIN}\n"),
    );
    assert_eq!(created["policy"], "10m");
}

/// oathtool's own spelling: `--totp[=MODE]` with the secret as the argument, over every RFC 6238
/// vector; `--totp` with `--counter` is refused.
#[test]
fn oathtool_totp_flag_computes_the_rfc_vectors() {
    let env = Env::new();
    let rfc6238 = vectors("rfc6238.json");
    for case in rfc6238["cases"].as_array().unwrap() {
        let algorithm = case["algorithm"].as_str().unwrap();
        let secret = encode_base32(&hex(rfc6238["seeds_hex"][algorithm].as_str().unwrap()));
        let time = format!("@{}", case["time"].as_u64().unwrap());
        let mode = format!("--totp={algorithm}");
        let flag = if algorithm == "SHA1" { "--totp" } else { &mode };
        let out = env.ok(&["otp", "-b", flag, "-d", "8", "--now", &time, &secret], "");
        assert_eq!(
            out.split_whitespace().next(),
            case["code"].as_str(),
            "{case}"
        );
    }
    let refused = env.run(&["otp", "--totp", "--counter", "1", RFC_SHA1_B32], "");
    assert_eq!(refused.status.code(), Some(2));
}

#[test]
fn stateless_otp_matches_the_rfc_vectors() {
    let env = Env::new();
    let rfc6238 = vectors("rfc6238.json");
    for case in rfc6238["cases"].as_array().unwrap() {
        let algorithm = case["algorithm"].as_str().unwrap();
        let secret = encode_base32(&hex(rfc6238["seeds_hex"][algorithm].as_str().unwrap()));
        let time = case["time"].as_u64().unwrap().to_string();
        let out = env.ok(
            &[
                "otp",
                "--secret",
                &secret,
                "--algorithm",
                &algorithm.to_lowercase(),
                "--digits",
                "8",
                "--at",
                &time,
            ],
            "",
        );
        assert_eq!(
            out.split_whitespace().next(),
            case["code"].as_str(),
            "{case}"
        );
    }
    let rfc4226 = vectors("rfc4226.json");
    let secret = encode_base32(&hex(rfc4226["secret_hex"].as_str().unwrap()));
    for case in rfc4226["cases"].as_array().unwrap() {
        let counter = case["counter"].as_u64().unwrap().to_string();
        let out = env.ok(&["otp", "--secret", &secret, "--counter", &counter], "");
        assert_eq!(out.trim(), case["code"].as_str().unwrap());
    }
    let uri = format!("otpauth://totp/ACME:a?secret={RFC_SHA1_B32}&digits=8");
    assert_eq!(env.ok(&["otp", &uri, "--at", "59"], "").trim(), "94287082");
    let json = env.json(&["otp", &uri, "--at", "59"], "");
    assert_eq!(json["code"], "94287082");
    assert_eq!(json["seconds_left"], 1);
    assert_eq!(
        json["next_code"],
        expected(RFC_SHA1_B32, Algorithm::Sha1, 8, 60, 30)
    );
    assert!(!env.vault().exists(), "otp never touches a vault");
}

#[test]
fn vault_lifecycle_with_json_output() {
    let env = Env::new();
    env.init("5m");
    let mode = std::fs::metadata(env.vault()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(mode.permissions().mode() & 0o777, 0o600);
    }
    let added = env.json(
        &[
            "add",
            &format!(
                "otpauth://totp/ACME%20Co:alice?secret={RFC_SHA1_B32}&issuer=ACME%20Co&digits=8"
            ),
        ],
        &format!("{PIN}\n"),
    );
    assert_eq!(added["issuer"], "ACME Co");
    assert_eq!(added["account"], "alice");
    assert_eq!(added["digits"], 8);
    assert_eq!(added["code"].as_str().unwrap().len(), 8);
    let acme = added["id"].as_i64().unwrap();

    // "Type the key by hand": lowercase, grouped, SHA256, 60 s.
    let out = env.ok(
        &[
            "add",
            "--secret",
            "jbsw y3dp ehpk 3pxp",
            "--account",
            "octo",
            "--issuer",
            "GitHub",
            "--algorithm",
            "sha256",
            "--period",
            "60",
        ],
        &format!("{PIN}\n"),
    );
    assert!(out.contains("Added #2 GitHub (octo)"), "{out}");
    assert!(out.contains("Current code: "), "{out}");
    assert!(out.contains("shorter than 128 bits"), "{out}");
    env.ok(
        &[
            "add",
            &format!("otpauth://hotp/Yubi:key?secret={RFC_SHA1_B32}&counter=0"),
        ],
        &format!("{PIN}\n"),
    );

    let list = env.json(&["list"], &format!("{PIN}\n"));
    let names: Vec<_> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["issuer"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["ACME Co", "GitHub", "Yubi"]);
    assert_eq!(list[2]["type"], "hotp");
    assert_eq!(list[1]["period"], 60);

    let codes = env.json(&["code", "--at", "59"], &format!("{PIN}\n"));
    assert_eq!(codes.as_array().unwrap().len(), 3, "HOTP rows are listed");
    assert_eq!(codes[2]["type"], "hotp");
    assert!(
        codes[2]["code"].is_null(),
        "HOTP is not advanced without a query"
    );
    assert_eq!(codes[2]["next_counter"], 0);
    assert_eq!(codes[0]["code"], "94287082");
    assert_eq!(codes[0]["seconds_left"], 1);
    assert_eq!(
        codes[1]["code"],
        expected("JBSWY3DPEHPK3PXP", Algorithm::Sha256, 6, 59, 60)
    );
    let text = env.ok(&["code", "acme", "--at", "59"], &format!("{PIN}\n"));
    assert!(text.starts_with("94287082  ACME Co (alice)"), "{text}");
    // HOTP: each request advances the counter (RFC 4226 Appendix D).
    assert_eq!(
        env.json(&["code", "yubi"], &format!("{PIN}\n"))[0]["code"],
        "755224"
    );
    assert_eq!(
        env.json(&["code", "yubi"], &format!("{PIN}\n"))[0]["code"],
        "287082"
    );

    let renamed = env.json(
        &["rename", &acme.to_string(), "--issuer", "ACME Corp"],
        &format!("{PIN}\n"),
    );
    assert_eq!(
        (renamed["issuer"].as_str(), renamed["account"].as_str()),
        (Some("ACME Corp"), Some("alice"))
    );
    // Without a terminal to confirm on (setsid: none, even when the tests run in one), remove
    // needs --yes and removes nothing.
    let refused = run_with_input(
        Command::new("setsid")
            .arg(env!("CARGO_BIN_EXE_otpvault"))
            .arg("--vault")
            .arg(env.vault())
            .args(["--pin-stdin", "remove", "2"])
            .env("OTPVAULT_NO_AGENT", "1"),
        &format!("{PIN}\n"),
    );
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("--yes"), "{}", stderr(&refused));
    let removed = env.json(&["remove", "2", "--yes"], &format!("{PIN}\n"));
    assert_eq!(removed["removed"], 2);
    assert_eq!(removed["token"]["issuer"], "GitHub");
    assert_eq!(
        env.json(&["list"], &format!("{PIN}\n"))
            .as_array()
            .unwrap()
            .len(),
        2
    );

    assert_eq!(
        env.json(&["time-offset", "30"], &format!("{PIN}\n"))["time_offset"],
        30
    );
    assert_eq!(
        env.json(&["code", "acme", "--at", "29"], &format!("{PIN}\n"))[0]["code"],
        "94287082"
    );
    assert_eq!(
        env.json(&["time-offset", "--", "-30"], &format!("{PIN}\n"))["time_offset"],
        -30
    );
    assert_eq!(
        env.json(&["code", "acme", "--at", "89"], &format!("{PIN}\n"))[0]["code"],
        "94287082"
    );

    let export = env.ok(&["export", "--uris"], &format!("{PIN}\n"));
    let lines: Vec<_> = export.lines().collect();
    assert_eq!(lines.len(), 2);
    assert!(
        lines[0].starts_with(
            "otpauth://totp/ACME%20Corp:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        ),
        "{export}"
    );
    assert!(lines[1].contains("counter=2"), "{export}");

    // change-pin reads the current PIN, then the new one.
    env.ok(&["change-pin"], &format!("{PIN}\n11235\n"));
    assert_eq!(
        env.run(&["list"], &format!("{PIN}\n")).status.code(),
        Some(3)
    );
    env.ok(&["list"], "11235\n");
    let weak = env.run(&["change-pin"], "11235\n12345\n");
    assert_eq!(weak.status.code(), Some(2));
    assert!(stderr(&weak).contains("too easy to guess"));
}

#[test]
fn every_code_policy_asks_for_each_frame_and_watch_prints_frames() {
    let env = Env::new();
    env.init("5m");
    env.ok(
        &[
            "add",
            &format!("otpauth://totp/ACME:alice?secret={RFC_SHA1_B32}"),
        ],
        &format!("{PIN}\n"),
    );
    let out = env.ok(&["watch", "--frames", "2"], &format!("{PIN}\n"));
    assert_eq!(out.matches("otpvault — locks in").count(), 2, "{out}");
    assert_eq!(out.matches("ACME (alice)").count(), 2, "{out}");
    assert!(out.contains('#') && out.contains("s"), "{out}");

    env.ok(&["policy", "every-code"], &format!("{PIN}\n"));
    // One PIN reveals the codes until the first of them expires; a token with a 1-second period
    // expires after every frame, so each frame needs the PIN, with a locked screen in between.
    env.ok(
        &[
            "add",
            "--secret",
            RFC_SHA1_B32,
            "--account",
            "fast",
            "--period",
            "1",
        ],
        &format!("{PIN}\n"),
    );
    let out = env.ok(&["watch", "--frames", "2"], &format!("{PIN}\n{PIN}\n"));
    assert_eq!(out.matches("PIN asked for every code").count(), 2, "{out}");
    assert!(out.contains("locked (the code expired)"), "{out}");
    let locked_at = out.find("locked (the code expired)").unwrap();
    assert!(
        !out[locked_at..]
            .lines()
            .nth(1)
            .unwrap_or("")
            .contains("ACME"),
        "the locked screen shows no code: {out}"
    );
    // Without a second PIN the second frame is not revealed.
    let out = env.run(&["watch", "--frames", "2"], &format!("{PIN}\n"));
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout)
            .matches("ACME (alice)")
            .count(),
        1
    );
    // Every other command still works with the PIN under every-code.
    assert_eq!(
        env.json(&["code", "--at", "59"], &format!("{PIN}\n"))[0]["code"],
        expected(RFC_SHA1_B32, Algorithm::Sha1, 6, 59, 30)
    );
}

fn qr_png(dir: &Path, name: &str, text: &str, jpeg: bool) -> PathBuf {
    let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
    let width = code.width();
    let (scale, quiet) = (8usize, 4usize);
    let size = ((width + 2 * quiet) * scale) as u32;
    let colors = code.to_colors();
    let image = image::GrayImage::from_fn(size, size, |x, y| {
        let (mx, my) = (
            (x as usize / scale).wrapping_sub(quiet),
            (y as usize / scale).wrapping_sub(quiet),
        );
        let dark = mx < width && my < width && colors[my * width + mx] == qrcode::Color::Dark;
        image::Luma([if dark { 0 } else { 255 }])
    });
    let path = dir.join(name);
    if jpeg {
        image::DynamicImage::ImageLuma8(image)
            .to_rgb8()
            .save(&path)
            .unwrap();
    } else {
        image.save(&path).unwrap();
    }
    path
}

/// A portal page as a screenshot: the QR code at a non-integer scale (smoothed) on a page with a
/// coloured background, in light or dark mode, saved as PNG or as JPEG at `quality`.
fn screenshot(dir: &Path, name: &str, text: &str, dark_mode: bool, quality: Option<u8>) -> PathBuf {
    let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
    let width = code.width();
    let colors = code.to_colors();
    let scale = 3.4f32;
    let (left, top) = (230.0f32, 140.0f32);
    let (page, module_dark, module_light) = if dark_mode {
        ([30u8, 30, 36], [235u8, 235, 235], [30u8, 30, 36])
    } else {
        ([238u8, 241, 245], [20u8, 20, 20], [255u8, 255, 255])
    };
    let image = image::RgbImage::from_fn(720, 520, |x, y| {
        // Supersample each pixel 4×4 so module edges blend as a browser draws them.
        let mut sum = [0u32; 3];
        for sy in 0..4 {
            for sx in 0..4 {
                let (fx, fy) = (
                    x as f32 + (sx as f32 + 0.5) / 4.0,
                    y as f32 + (sy as f32 + 0.5) / 4.0,
                );
                let (mx, my) = ((fx - left) / scale, (fy - top) / scale);
                let quiet = 4.0;
                let rgb = if mx >= -quiet
                    && my >= -quiet
                    && mx < width as f32 + quiet
                    && my < width as f32 + quiet
                {
                    let inside =
                        mx >= 0.0 && my >= 0.0 && (mx as usize) < width && (my as usize) < width;
                    if inside && colors[my as usize * width + mx as usize] == qrcode::Color::Dark {
                        module_dark
                    } else {
                        module_light
                    }
                } else if (fy as u32 / 24).is_multiple_of(3) && fx > 40.0 && fx < 200.0 {
                    [90, 90, 120] // a line of "text" beside the code
                } else {
                    page
                };
                for c in 0..3 {
                    sum[c] += u32::from(rgb[c]);
                }
            }
        }
        image::Rgb(sum.map(|v| (v / 16) as u8))
    });
    let path = dir.join(name);
    match quality {
        Some(quality) => {
            let file = std::fs::File::create(&path).unwrap();
            image::codecs::jpeg::JpegEncoder::new_with_quality(file, quality)
                .encode_image(&image)
                .unwrap();
        }
        None => image.save(&path).unwrap(),
    }
    path
}

#[test]
fn qr_codes_from_dark_mode_and_jpeg_screenshots() {
    let env = Env::new();
    env.init("every-code");
    for (name, dark, quality, secret) in [
        ("light.png", false, None, "JBSWY3DPEHPK3PXP"),
        ("dark.png", true, None, "GEZDGNBVGY3TQOJQ"),
        ("light-q85.jpg", false, Some(85), "MFRGGZDFMZTWQ2LK"),
        ("light-q70.jpg", false, Some(70), "KRUGS4ZANFZSAYLO"),
        ("dark-q75.jpg", true, Some(75), "OBQXG43XN5ZGIMJS"),
    ] {
        // A different account each time: the same one would be refused as a duplicate.
        let uri = format!("otpauth://totp/Portal:user?secret={secret}&issuer=Portal");
        let image = screenshot(env.dir.path(), name, &uri, dark, quality);
        let added = env.run(
            &["--json", "add", "--qr", image.to_str().unwrap()],
            &format!("{PIN}\n"),
        );
        assert!(added.status.success(), "{name}: {}", stderr(&added));
        let added: Value = serde_json::from_slice(&added.stdout).unwrap();
        assert_eq!(added["issuer"], "Portal", "{name}");
    }
    // A directory given as the image says so.
    let out = env.run(
        &["add", "--qr", env.dir.path().to_str().unwrap()],
        &format!("{PIN}\n"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is a directory"), "{}", stderr(&out));
}

#[test]
fn add_from_a_qr_code_image() {
    let env = Env::new();
    env.init("10m");
    let uri = format!(
        "otpauth://totp/Provincia%20di%20Trento:mario.rossi?secret={RFC_SHA1_B32}&issuer=Provincia%20di%20Trento&period=60&digits=8"
    );
    let image = qr_png(env.dir.path(), "enrol.png", &uri, false);
    let added = env.json(
        &["add", "--qr", image.to_str().unwrap()],
        &format!("{PIN}\n"),
    );
    assert_eq!(added["issuer"], "Provincia di Trento");
    assert_eq!(added["account"], "mario.rossi");
    assert_eq!(added["period"], 60);
    // The same enrolment scanned again (from a JPEG) is decoded, recognised and not added twice.
    let image = qr_png(env.dir.path(), "enrol.jpg", &uri, true);
    let again = env.run(
        &["--json", "add", "--qr", image.to_str().unwrap()],
        &format!("{PIN}\n"),
    );
    assert_eq!(again.status.code(), Some(2));
    let error: Value = serde_json::from_slice(&again.stderr).unwrap();
    assert_eq!(error["error"]["kind"], "duplicate");
    assert!(error["error"]["message"].as_str().unwrap().contains("#1"));
    assert_eq!(
        env.json(&["list"], &format!("{PIN}\n"))
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let codes = env.json(&["code", "--at", "59"], &format!("{PIN}\n"));
    assert_eq!(
        codes[0]["code"],
        expected(RFC_SHA1_B32, Algorithm::Sha1, 8, 59, 60)
    );
    // An image without a QR code, and a file that is not an image.
    let blank = env.dir.path().join("blank.png");
    image::GrayImage::from_pixel(64, 64, image::Luma([255]))
        .save(&blank)
        .unwrap();
    let out = env.run(
        &["add", "--qr", blank.to_str().unwrap()],
        &format!("{PIN}\n"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no readable QR code"));
    let text = env.dir.path().join("notes.png");
    std::fs::write(&text, "not an image").unwrap();
    assert_eq!(
        env.run(
            &["add", "--qr", text.to_str().unwrap()],
            &format!("{PIN}\n")
        )
        .status
        .code(),
        Some(2)
    );
}

#[test]
fn exit_codes_and_one_line_errors_that_never_echo_secrets() {
    let env = Env::new();
    // 5: no vault yet.
    let out = env.run(&["list"], &format!("{PIN}\n"));
    assert_eq!(out.status.code(), Some(5));
    assert_eq!(stderr(&out).lines().count(), 1);
    // 2: usage and invalid input.
    assert_eq!(env.run(&["frobnicate"], "").status.code(), Some(2));
    assert_eq!(
        env.run(&["init", "--policy", "1h"], "").status.code(),
        Some(2)
    );
    assert_eq!(env.run(&["init"], "1234\n").status.code(), Some(2));
    assert_eq!(env.run(&["init"], "11111\n").status.code(), Some(2));
    assert_eq!(
        env.run(&["init", "--kdf-iterations", "1000"], &format!("{PIN}\n"))
            .status
            .code(),
        Some(5)
    );
    // init says which policy it set (issue 20, item 13), in text and in JSON.
    let created = env.run(
        &["init", "--policy", "5m", "--kdf-iterations", "600000"],
        &format!("{PIN}\n"),
    );
    assert!(created.status.success(), "{}", stderr(&created));
    let text = String::from_utf8_lossy(&created.stdout);
    assert!(text.contains("once per 5 minutes (policy 5m)"), "{text}");
    let out = env.run(
        &[
            "add",
            "otpauth://totp/Bank:me?secret=SUPERSECRETX1&issuer=Bank",
        ],
        &format!("{PIN}\n"),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        !err.contains("SUPERSECRET") && !err.contains("Bank"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let out = env.run(&["otp", "--secret", "MY-SECRET-VALUE!"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(!stderr(&out).contains("SECRET-VALUE"));
    assert!(stderr(&out).contains("position"));
    // 3: wrong PIN (four of them), then 4: locked out with the seconds left.
    for left in [4, 3, 2, 1] {
        let out = env.run(&["list"], &format!("{WRONG}\n"));
        assert_eq!(out.status.code(), Some(3));
        assert!(
            stderr(&out).contains(&if left == 1 {
                "1 attempt left".to_owned()
            } else {
                format!("{left} attempts left")
            }),
            "{}",
            stderr(&out)
        );
    }
    // The 5th says that a delay has begun (issue 20, item 11), not "0 attempts left".
    let fifth = env.run(&["list"], &format!("{WRONG}\n"));
    assert_eq!(fifth.status.code(), Some(3));
    assert!(
        stderr(&fifth).contains("a delay has begun"),
        "{}",
        stderr(&fifth)
    );
    assert!(!stderr(&fifth).contains("0 attempts"), "{}", stderr(&fifth));
    let out = env.run(&["list"], &format!("{PIN}\n"));
    assert_eq!(out.status.code(), Some(4));
    assert!(
        stderr(&out).contains("try again in 60 s"),
        "{}",
        stderr(&out)
    );
    // 5: a damaged vault.
    let mut bytes = std::fs::read(env.vault()).unwrap();
    bytes[..16].copy_from_slice(b"not a database!!");
    std::fs::write(env.vault(), bytes).unwrap();
    let out = env.run(&["list"], &format!("{PIN}\n"));
    assert_eq!(out.status.code(), Some(5));
    assert!(
        stderr(&out).contains("not an otpvault vault"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("panicked"));
}

#[test]
fn secrets_can_come_from_standard_input_instead_of_argv() {
    let env = Env::new();
    env.init("every-code");
    let uri = format!("otpauth://totp/ACME:alice?secret={RFC_SHA1_B32}&digits=8");
    // `add -`: the URI is the first line of standard input, the PIN follows.
    let added = env.json(&["add", "-"], &format!("{uri}\n{PIN}\n"));
    assert_eq!(added["issuer"], "ACME");
    assert_eq!(added["code"].as_str().unwrap().len(), 8);
    // `add --secret -`: the same for a typed secret.
    let typed = env.json(
        &[
            "add",
            "--secret",
            "-",
            "--account",
            "bob",
            "--issuer",
            "Typed",
        ],
        &format!("{}\n{PIN}\n", RFC_SHA1_B32.to_lowercase()),
    );
    assert_eq!(typed["account"], "bob");
    let listed = env.json(&["list"], &format!("{PIN}\n"));
    assert_eq!(listed.as_array().unwrap().len(), 2);
    // `otp -` and `otp --secret -`, like oathtool reading its key from standard input.
    assert_eq!(
        env.ok(&["otp", "-", "--at", "59"], &format!("{uri}\n"))
            .trim(),
        "94287082"
    );
    assert_eq!(
        env.ok(
            &["otp", "--secret", "-", "--counter", "0"],
            &format!("{RFC_SHA1_B32}\n")
        )
        .trim(),
        "755224"
    );
    // Nothing on standard input is a usage error, not a hang or a panic.
    let out = env.run(&["otp", "-"], "");
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn concurrent_code_runs_never_hand_out_the_same_hotp_code() {
    let env = Env::new();
    env.init("every-code");
    env.ok(
        &[
            "add",
            &format!("otpauth://hotp/Bank:me?secret={RFC_SHA1_B32}&counter=0"),
        ],
        &format!("{PIN}\n"),
    );
    // 8 `otpvault code bank` processes at once, each with the PIN on standard input.
    let children: Vec<_> = (0..8)
        .map(|_| {
            spawn_with_input(
                Command::new(env!("CARGO_BIN_EXE_otpvault"))
                    .arg("--vault")
                    .arg(env.vault())
                    .args(["--pin-stdin", "--json", "code", "bank"])
                    .env_remove("OTPVAULT_VAULT"),
                &format!("{PIN}\n"),
            )
        })
        .collect();
    let mut codes: Vec<String> = children
        .into_iter()
        .map(|child| {
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success(), "{}", stderr(&out));
            let json: Value = serde_json::from_slice(&out.stdout).unwrap();
            json[0]["code"].as_str().unwrap().to_owned()
        })
        .collect();
    codes.sort();
    let mut expected_codes: Vec<String> = (0..8u64)
        .map(|counter| {
            Generator::new(
                &Secret::from_base32(RFC_SHA1_B32).unwrap(),
                Algorithm::Sha1,
                Format::Decimal(6),
            )
            .unwrap()
            .at_counter(counter)
            .to_string()
        })
        .collect();
    expected_codes.sort();
    assert_eq!(codes, expected_codes, "8 distinct codes, counters 0..7");
}

#[test]
fn selection_never_burns_hotp_codes_by_accident() {
    let env = Env::new();
    env.init("every-code");
    let pin = format!("{PIN}\n");
    // Ids 1..=12; names with "1" in them; two Bank HOTP tokens.
    for n in 1..=10 {
        // Distinct secrets: the same one twice would be refused as a duplicate.
        let secret = format!(
            "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ{}",
            char::from(b'A' + n as u8)
        );
        env.ok(
            &[
                "add",
                "--secret",
                &secret,
                "--account",
                &format!("user{n}"),
                "--issuer",
                "Svc",
            ],
            &pin,
        );
    }
    for (account, secret) in [("checking", "JBSWY3DPEHPK3PXP"), ("savings", RFC_SHA1_B32)] {
        env.ok(
            &[
                "add",
                "--secret",
                secret,
                "--account",
                account,
                "--issuer",
                "Bank",
                "--counter",
                "0",
            ],
            &pin,
        );
    }
    // An exact id selects that token only.
    let one = env.json(&["code", "1"], &pin);
    assert_eq!(one.as_array().unwrap().len(), 1, "{one}");
    assert_eq!(one[0]["account"], "user1");
    // A query matching both HOTP tokens lists them without advancing either.
    let both = env.json(&["code", "bank"], &pin);
    assert_eq!(both.as_array().unwrap().len(), 2);
    assert!(both.as_array().unwrap().iter().all(|r| r["code"].is_null()));
    let again = env.json(&["code", "bank"], &pin);
    assert!(
        again
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["next_counter"] == 0)
    );
    let ambiguous = env.run(&["next", "bank"], &pin);
    assert_eq!(ambiguous.status.code(), Some(2));
    assert!(
        stderr(&ambiguous).contains("no counter was advanced"),
        "{}",
        stderr(&ambiguous)
    );
    // One HOTP token selected: its code is drawn (RFC 4226 counter 0, then 1).
    let drawn = env.json(&["code", "savings"], &pin);
    assert_eq!(drawn[0]["code"], "755224");
    let next = env.json(&["next", "12"], &pin);
    assert_eq!(next[0]["code"], "287082");
    let text = env.ok(&["code"], &pin);
    assert!(
        text.contains("press to generate with `otpvault next 11`"),
        "{text}"
    );
}

#[test]
fn an_hotp_only_or_empty_vault_is_not_an_error() {
    let env = Env::new();
    env.init("every-code");
    let pin = format!("{PIN}\n");
    assert!(env.ok(&["code"], &pin).contains("The vault is empty"));
    assert_eq!(env.json(&["code"], &pin), serde_json::json!([]));
    env.ok(
        &[
            "add",
            &format!("otpauth://hotp/Yubi:key?secret={RFC_SHA1_B32}&counter=0"),
        ],
        &pin,
    );
    let rows = env.json(&["code"], &pin);
    assert_eq!(rows.as_array().unwrap().len(), 1);
    assert_eq!(rows[0]["type"], "hotp");
}

#[test]
fn prompts_and_errors_a_person_can_act_on() {
    let env = Env::new();
    // A weak new PIN asks again (up to 3 times) instead of ending the command.
    let out = env.run(
        &["init", "--policy", "5m", "--kdf-iterations", "600000"],
        "11111\n12345\n13579\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out).matches("try again").count(),
        2,
        "{}",
        stderr(&out)
    );
    // init on an existing vault says so before asking for a PIN.
    let out = env.run(&["init"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    // change-pin checks the current PIN first (one line only: no new PIN asked).
    let out = env.run(&["change-pin"], &format!("{WRONG}\n"));
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    // No terminal to ask the PIN on: the hint names --pin-stdin.
    let out = Command::new("setsid")
        .arg(env!("CARGO_BIN_EXE_otpvault"))
        .arg("--vault")
        .arg(env.vault())
        .arg("list")
        .env("OTPVAULT_NO_AGENT", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(stderr(&out).contains("--pin-stdin"), "{}", stderr(&out));
    // During a lockout: how long to wait, without asking for the PIN.
    for _ in 0..4 {
        env.run(&["list"], &format!("{WRONG}\n"));
    }
    let out = env.run(&["list"], "");
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("try again in"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("attempts left"), "{}", stderr(&out));

    // Missing vault, directory, no terminal: the path and the next step.
    let missing = env.dir.path().join("nowhere.db");
    let out = Command::new(env!("CARGO_BIN_EXE_otpvault"))
        .arg("--vault")
        .arg(&missing)
        .arg("list")
        .env("OTPVAULT_NO_AGENT", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert!(
        stderr(&out).contains(&format!(
            "no vault at {} — create one with `otpvault init`",
            missing.display()
        )),
        "{}",
        stderr(&out)
    );
    let out = Command::new(env!("CARGO_BIN_EXE_otpvault"))
        .arg("--vault")
        .arg(env.dir.path())
        .arg("list")
        .env("OTPVAULT_NO_AGENT", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5));
    assert!(stderr(&out).contains("is a directory"), "{}", stderr(&out));
}

#[test]
fn output_to_a_closed_pipe_ends_quietly() {
    let env = Env::new();
    env.init("every-code");
    env.ok(
        &[
            "add",
            &format!("otpauth://totp/A:b?secret={RFC_SHA1_B32}&period=86400"),
        ],
        &format!("{PIN}\n"),
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_otpvault"))
        .arg("--vault")
        .arg(env.vault())
        .args(["--pin-stdin", "watch", "--frames", "4"])
        .env("OTPVAULT_NO_AGENT", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PIN}\n").as_bytes())
        .unwrap();
    // Like `| head -3`: read three lines, then close the pipe.
    let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
    for _ in 0..3 {
        let mut line = String::new();
        std::io::BufRead::read_line(&mut reader, &mut line).unwrap();
    }
    drop(reader);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
}

#[test]
fn otp_takes_what_oathtool_users_type() {
    let env = Env::new();
    // A bare base32 secret (with -b), digits, period, algorithm in any case, ISO and @ times.
    let sha256_seed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA";
    for at in [
        "59",
        "@59",
        "1970-01-01T00:00:59Z",
        "1970-01-01 00:00:59 UTC",
    ] {
        assert_eq!(
            env.ok(&["otp", "-b", RFC_SHA1_B32, "-d", "8", "--now", at], "")
                .trim(),
            "94287082",
            "{at}"
        );
    }
    assert_eq!(
        env.ok(
            &[
                "otp",
                sha256_seed,
                "--algorithm",
                "SHA256",
                "--digits",
                "8",
                "--at",
                "2005-03-18T01:58:29Z"
            ],
            ""
        )
        .trim(),
        "68084774"
    );
    assert_eq!(
        env.ok(&["otp", RFC_SHA1_B32, "-s", "60s", "--at", "@0"], "")
            .trim(),
        expected(RFC_SHA1_B32, Algorithm::Sha1, 6, 0, 60)
    );
    // --window N: the codes of the N steps either side, in order (RFC 6238 T = 1 and 2 around 59).
    let window = env.ok(
        &["otp", RFC_SHA1_B32, "-d", "8", "-w", "1", "--at", "59"],
        "",
    );
    let codes: Vec<&str> = window.lines().collect();
    assert_eq!(codes.len(), 3);
    assert_eq!(codes[1], "94287082");
    assert_eq!(codes[0], expected(RFC_SHA1_B32, Algorithm::Sha1, 8, 29, 30));
    assert_eq!(codes[2], expected(RFC_SHA1_B32, Algorithm::Sha1, 8, 89, 30));
    // HOTP: counters either side; there is none below 0.
    let json = env.json(&["otp", RFC_SHA1_B32, "-c", "1", "-w", "1"], "");
    let drawn: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(drawn, ["755224", "287082", "359152"]);
    assert_eq!(json[0]["offset"], -1);
    let json = env.json(&["otp", RFC_SHA1_B32, "-c", "0", "-w", "1"], "");
    assert_eq!(json[0]["offset"], 0);
    assert_eq!(json[0]["code"], "755224");
    let bad = env.run(&["otp", RFC_SHA1_B32, "--at", "yesterday"], "");
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn every_command_speaks_json_and_small_things_hold() {
    let env = Env::new();
    env.init("5m");
    let pin = format!("{PIN}\n");
    env.ok(
        &[
            "add",
            &format!("otpauth://totp/ACME:alice?secret={RFC_SHA1_B32}"),
        ],
        &pin,
    );
    assert_eq!(
        env.json(&["policy"], &pin),
        serde_json::json!({"policy": "5m"})
    );
    assert_eq!(
        env.json(&["policy", "10m"], &pin),
        serde_json::json!({"policy": "10m"})
    );
    assert!(env.ok(&["policy"], &pin).contains("10m"));
    assert_eq!(
        env.json(&["change-pin"], &format!("{PIN}\n11235\n"))["pin_changed"],
        true
    );
    let pin = "11235\n".to_owned();
    assert_eq!(env.json(&["time-offset", "-15"], &pin)["time_offset"], -15);
    let absurd = env.run(&["time-offset", "90000"], &pin);
    assert_eq!(absurd.status.code(), Some(2));
    // Issue 20, item 6: abs() wrapped for i64::MIN, which was then stored.
    for wraps in ["-9223372036854775808", "9223372036854775807"] {
        let out = env.run(&["time-offset", "--", wraps], &pin);
        assert_eq!(out.status.code(), Some(2), "{wraps}: {}", stderr(&out));
    }
    assert_eq!(env.json(&["time-offset"], &pin)["time_offset"], -15);
    let empty = env.run(&["rename", "1", "--issuer", "", "--account", " "], &pin);
    assert_eq!(empty.status.code(), Some(2), "{}", stderr(&empty));
    // Errors as JSON on stderr with --json.
    let out = env.run(&["--json", "rename", "99", "--issuer", "x"], &pin);
    let error: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(error["error"]["kind"], "not_found");
    // watch --json: one JSON object per frame.
    let frames = env.ok(&["--json", "watch", "--frames", "2"], &pin);
    let lines: Vec<Value> = frames
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{frames}");
    assert_eq!(lines[0]["codes"][0]["issuer"], "ACME");
    assert!(lines[0]["locks_in"].as_u64().unwrap() <= 600);
    // export warns on stderr even with --pin-stdin.
    let out = env.run(&["export", "--uris"], &pin);
    assert!(out.status.success());
    assert!(stderr(&out).contains("Warning"), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("otpauth://"));
}

#[test]
fn a_read_only_vault_can_still_be_read() {
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !is_root || Command::new("setpriv").arg("--version").output().is_err() {
        // Root writes any file whatever its mode, so the reader runs as another user.
        eprintln!("a_read_only_vault_can_still_be_read: needs root and setpriv; not run");
        return;
    }
    let env = Env::new();
    env.init("5m");
    env.ok(
        &[
            "add",
            &format!("otpauth://totp/ACME:alice?secret={RFC_SHA1_B32}&digits=8"),
        ],
        &format!("{PIN}\n"),
    );
    // The vault belongs to `nobody`, who may only read it (its directory stays writable, as a
    // home directory is, for SQLite's shared-memory file).
    let data = env.vault().parent().unwrap().to_owned();
    Command::new("chown")
        .args(["-R", "65534:65534"])
        .arg(&data)
        .status()
        .unwrap();
    Command::new("chmod")
        .args(["0711"])
        .arg(env.dir.path())
        .status()
        .unwrap();
    Command::new("chmod")
        .args(["0400"])
        .arg(env.vault())
        .status()
        .unwrap();
    let as_nobody = |args: &[&str], input: &str| {
        run_with_input(
            Command::new("setpriv")
                .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
                .arg(env!("CARGO_BIN_EXE_otpvault"))
                .arg("--vault")
                .arg(env.vault())
                .args(["--pin-stdin", "--no-agent"])
                .args(args),
            input,
        )
    };
    let pin = format!("{PIN}\n");
    let listed = as_nobody(&["--json", "code", "acme", "--at", "59"], &pin);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let codes: Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(codes[0]["code"], "94287082");
    let added = as_nobody(&["add", "otpauth://totp/B:c?secret=JBSWY3DPEHPK3PXP"], &pin);
    assert_eq!(added.status.code(), Some(5));
    assert!(stderr(&added).contains("read-only"), "{}", stderr(&added));
    // A wrong PIN on a read-only file is refused like any other.
    let wrong = as_nobody(&["list"], &format!("{WRONG}\n"));
    assert_eq!(wrong.status.code(), Some(3));
}

#[test]
fn import_reports_every_entry_and_imports_in_one_go() {
    let env = Env::new();
    env.init("every-code");
    let pin = format!("{PIN}\n");
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/import");
    let aegis = fixtures.join("aegis-plain.json");
    let aegis = aegis.to_str().unwrap();
    // --dry-run reports and changes nothing.
    let dry = env.json(&["import", aegis, "--dry-run"], &pin);
    assert_eq!(dry["format"], "aegis");
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["imported"], 6);
    assert_eq!(env.json(&["list"], &pin), serde_json::json!([]));
    // The import: every entry with its outcome; skipped ones say why.
    let report = env.json(&["import", aegis], &pin);
    let entries = report["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 8);
    assert_eq!(entries[0]["outcome"], "imported");
    assert_eq!(entries[0]["issuer"], "GitHub");
    assert_eq!(entries[5]["reason"], "unsupported_kind");
    assert_eq!(entries[7]["reason"], "unsupported_algorithm");
    assert_eq!(env.json(&["list"], &pin).as_array().unwrap().len(), 6);
    // Again: duplicates, nothing added; the text report names each.
    let again = env.ok(&["import", aegis], &pin);
    assert!(
        again.contains("skipped: already in the vault as #1"),
        "{again}"
    );
    assert!(
        again.contains("Imported 0 of 8 entries from the aegis file"),
        "{again}"
    );
    // An encrypted export: a wrong password is exit 6 (nothing imported, no PIN asked); the right
    // one imports (here every entry is already in the vault, from the plain export).
    let encrypted = fixtures.join("aegis-encrypted.json");
    let encrypted = encrypted.to_str().unwrap();
    let wrong = env.dir.path().join("wrong.txt");
    std::fs::write(&wrong, "Tr0ub4dor&3\n").unwrap();
    let out = env.run(
        &[
            "import",
            encrypted,
            "--password-file",
            wrong.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    assert!(stderr(&out).contains("wrong password"), "{}", stderr(&out));
    let right = env.dir.path().join("right.txt");
    std::fs::write(&right, "correct horse battery staple\n").unwrap();
    let report = env.json(
        &[
            "import",
            encrypted,
            "--password-file",
            right.to_str().unwrap(),
        ],
        &pin,
    );
    assert_eq!(report["entries"].as_array().unwrap().len(), 8);
    assert_eq!(report["entries"][0]["outcome"], "duplicate");
    // An encrypted 2FAS backup: the wrong password is exit 6, the right one imports its four
    // supported services (the fifth uses MD5).
    let encrypted_2fas = fixtures.join("2fas-encrypted.2fas");
    let encrypted_2fas = encrypted_2fas.to_str().unwrap();
    let out = env.run(
        &[
            "import",
            encrypted_2fas,
            "--password-file",
            wrong.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    let right_2fas = env.dir.path().join("right-2fas.txt");
    std::fs::write(&right_2fas, "2fas fixture password\n").unwrap();
    let report = env.json(
        &[
            "import",
            encrypted_2fas,
            "--password-file",
            right_2fas.to_str().unwrap(),
        ],
        &pin,
    );
    assert_eq!(report["format"], "2fas");
    assert_eq!(report["imported"], 4);
    assert_eq!(report["entries"][4]["reason"], "unsupported_algorithm");
    // A file that cannot be read is refused whole (exit 2), before the PIN is asked.
    let out = env.run(&["import", fixtures.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is a directory"), "{}", stderr(&out));
    // A Google Authenticator transfer (two batches) adds its entries next to the Aegis ones.
    let google = fixtures.join("google-transfer.txt");
    let report = env.json(&["import", google.to_str().unwrap()], &pin);
    assert_eq!(report["imported"], 3);
    assert_eq!(report["entries"][4]["outcome"], "duplicate_in_file");
}

#[test]
fn add_takes_a_google_authenticator_transfer_as_text_or_qr_code() {
    let env = Env::new();
    env.init("every-code");
    let pin = format!("{PIN}\n");
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/import");
    let transfer = std::fs::read_to_string(fixtures.join("google-transfer.txt")).unwrap();
    let mut batches = transfer.lines();
    let (first, second) = (batches.next().unwrap(), batches.next().unwrap());
    // The first batch as the URI (from standard input, the safe way): its three accounts.
    let report = env.json(&["add", "-"], &format!("{first}\n{PIN}\n"));
    assert_eq!(report["format"], "google");
    assert_eq!(report["imported"], 3);
    // The second batch as a QR code image: the MD5 entry is skipped, the other is a duplicate.
    let image = qr_png(env.dir.path(), "transfer.png", second, false);
    let report = env.json(&["add", "--qr", image.to_str().unwrap()], &pin);
    assert_eq!(report["imported"], 0);
    assert_eq!(report["entries"][0]["reason"], "unsupported_algorithm");
    assert_eq!(report["entries"][1]["outcome"], "duplicate");
    assert_eq!(env.json(&["list"], &pin).as_array().unwrap().len(), 3);
}

#[test]
fn nothing_printed_carries_terminal_escapes_or_bidi_controls() {
    // Issue 20, item 7: text that reaches the terminal by a path other than a stored name (here
    // an error naming a file, and an import report of a file whose labels carry escapes and bidi
    // controls) is cleaned at the print boundary.
    let env = Env::new();
    env.ok(&["init", "--kdf-iterations", "600000"], &format!("{PIN}\n"));
    let hostile = "evil\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}txt.json";
    let out = env.run(
        &[
            "import",
            &env.dir.path().join(hostile).display().to_string(),
        ],
        &format!("{PIN}\n"),
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("evil"), "{err}");
    for c in ['\u{1b}', '\u{7}', '\u{202e}'] {
        assert!(!err.contains(c), "{err:?}");
    }
    let list = env.dir.path().join("uris.txt");
    std::fs::write(
        &list,
        "otpauth://totp/Bank%1B%5B31m%E2%80%AE:alice?secret=JBSWY3DPEHPK3PXP\n",
    )
    .unwrap();
    let out = env.run(&["import", list.to_str().unwrap()], &format!("{PIN}\n"));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(text.contains("Bank"), "{text}");
    for c in ['\u{1b}', '\u{202e}'] {
        assert!(!text.contains(c), "{text:?}");
    }
}

#[test]
fn a_time_namespace_does_not_skip_the_pin_delay() {
    // Issue 20, item 3: `unshare -Ur -T --boottime N` needs no privileges and moves the boot
    // clock; the delay also waits for the wall clock, which a namespace cannot move.
    let usable = Command::new("unshare")
        .args(["-Ur", "-T", "--boottime", "1000", "true"])
        .status()
        .is_ok_and(|s| s.success());
    if !usable {
        eprintln!(
            "a_time_namespace_does_not_skip_the_pin_delay: this kernel or sandbox refuses time \
             namespaces (unshare -Ur -T); not run"
        );
        return;
    }
    let env = Env::new();
    env.ok(&["init", "--kdf-iterations", "600000"], &format!("{PIN}\n"));
    for _ in 0..5 {
        let out = env.run(&["list"], "24680\n");
        assert!(!out.status.success());
    }
    // A day later on the boot clock, inside a time namespace: still locked out.
    let out = run_with_input(
        Command::new("unshare")
            .args(["-Ur", "-T", "--boottime", "86400", "--"])
            .arg(env!("CARGO_BIN_EXE_otpvault"))
            .arg("--vault")
            .arg(env.vault())
            .arg("--pin-stdin")
            .arg("list")
            .env_remove("OTPVAULT_VAULT")
            .env("OTPVAULT_NO_AGENT", "1"),
        &format!("{PIN}\n"),
    );
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("try again in"), "{}", stderr(&out));
}

#[test]
fn groups_notes_and_favourites_from_the_command_line() {
    // Issue 21: `tag`, `note`, `favourite` and `list --group`; JSON outputs carry them.
    let env = Env::new();
    env.init("5m");
    let pin = format!("{PIN}\n");
    env.ok(
        &["add", "otpauth://totp/Bank:alice?secret=JBSWY3DPEHPK3PXP"],
        &pin,
    );
    env.ok(
        &[
            "add",
            "otpauth://totp/Mail:bob?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
        ],
        &pin,
    );
    let tagged = env.json(&["tag", "1", "Work", "Money", "work"], &pin);
    assert_eq!(tagged["groups"], serde_json::json!(["Work", "Money"]));
    env.ok(&["tag", "2", "Work"], &pin);
    let text = env.ok(&["tag", "1", "--remove", "money"], &pin);
    assert!(text.contains("Groups: Work"), "{text}");
    let noted = env.json(&["note", "1", "PUK in the drawer\u{1b}[2J"], &pin);
    assert_eq!(noted["note"], "PUK in the drawer[2J");
    assert!(env.ok(&["note", "1"], &pin).contains("  PUK in the drawer"));
    assert_eq!(env.json(&["favourite", "2"], &pin)["favourite"], true);
    let work = env.json(&["list", "--group", "WORK"], &pin);
    assert_eq!(work.as_array().unwrap().len(), 2);
    assert_eq!(work[0]["note"], "PUK in the drawer[2J");
    assert_eq!(work[1]["favourite"], true);
    assert_eq!(work[0]["icon"], Value::Null);
    assert!(
        env.json(&["list", "--group", "money"], &pin)
            .as_array()
            .unwrap()
            .is_empty()
    );
    let listed = env.ok(&["list"], &pin);
    assert!(listed.contains("#2    *Mail (bob)"), "{listed}");
    assert!(listed.contains("[Work]"), "{listed}");
    assert_eq!(env.json(&["note", "1", "--clear"], &pin)["note"], "");
    let out = env.run(&["tag", "9", "x"], &pin);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn import_reports_say_what_was_assumed_and_which_secret_is_shared() {
    let env = Env::new();
    env.init("5m");
    let pin = format!("{PIN}\n");
    let list = env.dir.path().join("list.txt");
    std::fs::write(
        &list,
        "otpauth://hotp/Pump:pia?secret=JBSWY3DPEHPK3PXP&issuer=Pump\n\
         otpauth://totp/Shared:a?secret=KRSXG5CTMVRXEZLU\n\
         otpauth://totp/Shared:b?secret=KRSXG5CTMVRXEZLU\n",
    )
    .unwrap();
    let list = list.to_str().unwrap();
    let text = env.ok(&["import", "--dry-run", list], &pin);
    assert!(
        text.contains("(the file gave no counter: it starts at 0)"),
        "{text}"
    );
    assert!(text.contains("(shares its secret with entry 2)"), "{text}");
    let report = env.json(&["import", list], &pin);
    assert_eq!(report["imported"], 3);
    assert_eq!(
        report["entries"][0]["notes"][0]["note"],
        "counter_assumed_zero"
    );
    assert_eq!(
        report["entries"][2]["notes"][0]["note"],
        "shares_secret_with_entry"
    );
    assert_eq!(report["entries"][2]["notes"][0]["entry"], 1);
    // `add` follows the same rule: another name on the same secret is added, and said so.
    let added = env.json(
        &["add", "otpauth://totp/Shared:c?secret=KRSXG5CTMVRXEZLU"],
        &pin,
    );
    assert_eq!(added["shares_secret_with"], serde_json::json!([2, 3]));
    let text = env.ok(
        &["add", "otpauth://totp/Shared:d?secret=KRSXG5CTMVRXEZLU"],
        &pin,
    );
    assert!(
        text.contains("Note: it shares its secret with #2, #3, #4"),
        "{text}"
    );
    let out = env.run(
        &["add", "otpauth://totp/shared:D?secret=KRSXG5CTMVRXEZLU"],
        &pin,
    );
    assert_eq!(out.status.code(), Some(2), "the same names: a duplicate");
}
