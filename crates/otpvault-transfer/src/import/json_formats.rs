//! The plain JSON exports of 2FAS, andOTP, Bitwarden and Steam (`.maFile`), and Bitwarden's CSV.
//! Each is described where it is read; encrypted variants are recognised and refused as such.
//!
//! - **2FAS** (`.2fas`, schema versions 1–4): `{"schemaVersion", "services": [{"name", "secret"
//!   (base32), "otp": {"account", "issuer", "digits", "period", "algorithm", "tokenType":
//!   "TOTP"|"HOTP"|"STEAM", "counter"}}]}`; older schemas lack `otp.issuer` (the service `name`
//!   is the issuer). **Encrypted** (a backup password): `services` is empty and
//!   `servicesEncrypted` is `base64(ciphertext ‖ 16-byte GCM tag):base64(salt):base64(iv)`, the
//!   `services` array encrypted with AES-256-GCM under PBKDF2-HMAC-SHA256(password, salt, 10,000
//!   iterations — fixed in the app, not stored in the file) → 32 bytes; `reference` has the same
//!   shape (its own salt and iv) over a constant text and serves as the password check: its tag
//!   verifies only under the right password.
//! - **andOTP** (`.json`): `[{"secret" (base32), "issuer", "label", "digits", "period", "type":
//!   "TOTP"|"HOTP"|"STEAM", "algorithm", "counter"}]`.
//! - **Bitwarden** (`.json`): `{"encrypted": false, "items": [{"name", "login": {"username",
//!   "totp"}}]}` where `totp` is an otpauth:// URI, a `steam://` URI or a bare base32 secret;
//!   items without `totp` are not authenticator entries. Password-protected: `"encrypted": true`.
//!   **Bitwarden CSV**: the same items as rows, with `name`, `login_username`, `login_totp` columns.
//! - **Steam** `.maFile` (Steam Desktop Authenticator): `{"shared_secret" (base64),
//!   "account_name", …}`.

use serde_json::Value;
use zeroize::Zeroizing;

use super::{Candidate, ImportError, ImportFormat, SkipReason};
use otpvault_codes::otp::Algorithm;
use otpvault_codes::secret::Secret;
use otpvault_codes::token::OtpKind;
use otpvault_codes::uri;
use otpvault_crypto::secret_json::SecretJson;

fn unreadable(format: &'static str, what: &'static str) -> ImportError {
    ImportError::Unreadable { format, what }
}

/// Which of these formats a JSON document is, if any.
pub fn sniff_json(doc: &Value) -> Option<ImportFormat> {
    match doc {
        Value::Object(_) if super::aegis::looks_like(doc) => Some(ImportFormat::Aegis),
        Value::Object(map)
            if map.contains_key("schemaVersion")
                && (map.contains_key("services") || map.contains_key("servicesEncrypted")) =>
        {
            Some(ImportFormat::TwoFas)
        }
        Value::Object(map) if map.contains_key("items") && map.contains_key("encrypted") => {
            Some(ImportFormat::Bitwarden)
        }
        Value::Object(map)
            if map.get("encrypted") == Some(&Value::Bool(true))
                && map.contains_key("passwordProtected") =>
        {
            Some(ImportFormat::Bitwarden)
        }
        Value::Object(map) if map.contains_key("shared_secret") => Some(ImportFormat::SteamMaFile),
        Value::Object(_) if !steam_wrapped(doc).is_empty() => Some(ImportFormat::SteamMaFile),
        Value::Object(_) if super::stratum::looks_plain(doc) => Some(ImportFormat::Stratum),
        Value::Object(_) if super::ente::looks_encrypted(doc) => Some(ImportFormat::EnteEncrypted),
        Value::Object(_) if super::proton::looks_plain(doc) => Some(ImportFormat::Proton),
        Value::Object(_) if super::proton::looks_encrypted(doc) => {
            Some(ImportFormat::ProtonEncrypted)
        }
        Value::Object(map)
            if map.get("tokens").is_some_and(Value::is_array) && map.contains_key("tokenOrder") =>
        {
            Some(ImportFormat::FreeOtpPlus)
        }
        Value::Object(map)
            if map.get("accounts").is_some_and(|a| {
                a.as_array().is_some_and(|items| {
                    items
                        .iter()
                        .all(|i| i.get("userName").is_some() && i.get("secret").is_some())
                })
            }) =>
        {
            Some(ImportFormat::LastPass)
        }
        Value::Array(items)
            if !items.is_empty()
                && items
                    .iter()
                    .all(|i| i.get("secret").is_some() && i.get("type").is_some()) =>
        {
            Some(ImportFormat::AndOtp)
        }
        Value::Array(items)
            if !items.is_empty() && items.iter().all(|i| i["otpGenerator"].is_object()) =>
        {
            Some(ImportFormat::Duo)
        }
        _ => None,
    }
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

fn algorithm(name: Option<&str>) -> Result<Algorithm, SkipReason> {
    match name.map(str::to_ascii_uppercase).as_deref() {
        None | Some("SHA1") | Some("") => Ok(Algorithm::Sha1),
        Some("SHA256") => Ok(Algorithm::Sha256),
        Some("SHA512") => Ok(Algorithm::Sha512),
        Some(_) => Err(SkipReason::UnsupportedAlgorithm),
    }
}

fn number(value: &Value, default: u64) -> Option<u64> {
    match value {
        Value::Null => Some(default),
        Value::String(s) => s.trim().parse().ok(),
        v => v.as_u64(),
    }
}

/// A token from common fields; `kind` is TOTP/HOTP/STEAM in any case.
#[allow(clippy::too_many_arguments)]
fn entry(
    issuer: &str,
    account: &str,
    secret: Result<Secret, SkipReason>,
    kind: &str,
    algorithm_name: Option<&str>,
    digits: &Value,
    period: &Value,
    counter: &Value,
) -> Candidate {
    let skip = |reason| Candidate::skipped(issuer, account, reason);
    let kind = match kind.to_ascii_uppercase().as_str() {
        "TOTP" | "" => match number(period, 30).map(u32::try_from) {
            Some(Ok(period)) => OtpKind::Totp { period },
            _ => return skip(SkipReason::InvalidPeriod),
        },
        "HOTP" => match number(counter, 0) {
            Some(counter) => OtpKind::Hotp { counter },
            None => return skip(SkipReason::InvalidEntry),
        },
        "STEAM" => OtpKind::Steam,
        _ => return skip(SkipReason::UnsupportedKind),
    };
    let algorithm = match algorithm(algorithm_name) {
        Ok(algorithm) => algorithm,
        Err(reason) => return skip(reason),
    };
    let digits = match number(digits, 6).map(u8::try_from) {
        Some(Ok(digits)) => digits,
        _ => return skip(SkipReason::InvalidDigits),
    };
    let secret = match secret {
        Ok(secret) => secret,
        Err(reason) => return skip(reason),
    };
    Candidate::build(issuer, account, secret, algorithm, digits, kind)
}

fn base32(value: &Value) -> Result<Secret, SkipReason> {
    value
        .as_str()
        .and_then(|s| Secret::from_base32_lenient(s).ok())
        .ok_or(SkipReason::InvalidSecret)
}

/// PBKDF2-HMAC-SHA256 iterations of 2FAS's backup encryption (the app's constant).
const TWO_FAS_ITERATIONS: u32 = 10_000;

/// Opens one 2FAS `ciphertext:salt:iv` field with `password`; `Ok(None)` when the tag does not
/// verify (a wrong password, or a damaged field).
fn two_fas_open(field: &str, password: &str) -> Result<Option<Zeroizing<Vec<u8>>>, ImportError> {
    const FORMAT: &str = "2FAS";
    let parts: Vec<&str> = field.split(':').collect();
    let [sealed, salt, iv] = parts[..] else {
        return Err(unreadable(FORMAT, "encrypted field"));
    };
    let decode = |text: &str| {
        super::google::base64_decode(text.as_bytes())
            .ok_or_else(|| unreadable(FORMAT, "encrypted field"))
    };
    let (sealed, salt, iv) = (decode(sealed)?, decode(salt)?, decode(iv)?);
    if sealed.len() < 16 || iv.len() != 12 || salt.is_empty() {
        return Err(unreadable(FORMAT, "encrypted field"));
    }
    let mut key = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password.as_bytes(), &salt, TWO_FAS_ITERATIONS, &mut *key);
    let (ciphertext, tag) = sealed.split_at(sealed.len() - 16);
    Ok(super::aegis::open_gcm(&*key, &iv, ciphertext, tag))
}

/// The `services` of an encrypted 2FAS backup: the password is checked against `reference`
/// first (when the file has one), so a wrong password is told apart from a damaged file.
fn two_fas_services(doc: &Value, password: Option<&str>) -> Result<SecretJson, ImportError> {
    const FORMAT: &str = "2FAS";
    let password = password.ok_or(ImportError::PasswordRequired { format: FORMAT })?;
    let reference = doc["reference"].as_str().filter(|r| !r.is_empty());
    if let Some(reference) = reference
        && two_fas_open(reference, password)?.is_none()
    {
        return Err(ImportError::WrongPassword { format: FORMAT });
    }
    let encrypted = doc["servicesEncrypted"]
        .as_str()
        .ok_or_else(|| unreadable(FORMAT, "servicesEncrypted"))?;
    let plain = match two_fas_open(encrypted, password)? {
        Some(plain) => plain,
        // The reference opened (or there is none) but the services do not: with a reference,
        // the services field is damaged; without one, the password is the likelier cause.
        None if reference.is_some() => {
            return Err(unreadable(FORMAT, "servicesEncrypted"));
        }
        None => return Err(ImportError::WrongPassword { format: FORMAT }),
    };
    SecretJson::parse(&plain[..]).map_err(|_| unreadable(FORMAT, "decrypted services"))
}

/// A 2FAS backup, plain or encrypted with a backup password.
pub fn read_two_fas(doc: &Value, password: Option<&str>) -> Result<Vec<Candidate>, ImportError> {
    const FORMAT: &str = "2FAS";
    let decrypted;
    let services = if doc
        .get("servicesEncrypted")
        .is_some_and(|v| !v.is_null() && v != "")
    {
        decrypted = two_fas_services(doc, password)?;
        decrypted
            .as_array()
            .ok_or_else(|| unreadable(FORMAT, "decrypted services"))?
    } else {
        doc["services"]
            .as_array()
            .ok_or_else(|| unreadable(FORMAT, "services"))?
    };
    super::check_entries(services.len())?;
    // Groups: `groups` lists {id, name}; each service names its group's id in `groupId`.
    let group_name = |service: &Value| -> Option<&str> {
        let id = service["groupId"].as_str()?;
        doc["groups"]
            .as_array()?
            .iter()
            .find(|g| g["id"].as_str() == Some(id))?["name"]
            .as_str()
    };
    Ok(services
        .iter()
        .map(|service| {
            let groups: Vec<&str> = group_name(service).into_iter().collect();
            let details = crate::details::Details::from_file(&groups, "", None, false);
            (service, details)
        })
        .map(|(service, details)| {
            let otp = &service["otp"];
            let issuer = match text(&otp["issuer"]) {
                "" => text(&service["name"]),
                issuer => issuer,
            };
            // An empty account falls back to the label, then to the account of the entry's
            // own otpauth:// link.
            let from_link = otpvault_codes::uri::parse(text(&otp["link"]))
                .map(|token| token.params().account)
                .unwrap_or_default();
            let account = match (text(&otp["account"]), text(&otp["label"])) {
                ("", "") => from_link.as_str(),
                ("", label) => label,
                (account, _) => account,
            };
            entry(
                issuer,
                account,
                base32(&service["secret"]),
                text(&otp["tokenType"]),
                otp["algorithm"].as_str(),
                &otp["digits"],
                &otp["period"],
                &otp["counter"],
            )
            .with_details(details)
        })
        .collect())
}

/// The account in an andOTP label: old versions wrote "Issuer - Issuer:account" (or
/// "Issuer:account"), which is kept whole no more.
fn and_otp_account<'a>(issuer: &str, label: &'a str) -> &'a str {
    if issuer.is_empty() {
        return label;
    }
    let rest = label
        .strip_prefix(issuer)
        .and_then(|r| r.strip_prefix(" - "))
        .unwrap_or(label);
    rest.strip_prefix(issuer)
        .and_then(|r| r.strip_prefix(':'))
        .map_or(rest, str::trim_start)
}

/// An andOTP backup (plain).
pub fn read_and_otp(doc: &Value) -> Result<Vec<Candidate>, ImportError> {
    let items = doc
        .as_array()
        .ok_or_else(|| unreadable("andOTP", "entries"))?;
    super::check_entries(items.len())?;
    Ok(items
        .iter()
        .map(|item| {
            let issuer = text(&item["issuer"]);
            entry(
                issuer,
                and_otp_account(issuer, text(&item["label"])),
                base32(&item["secret"]),
                text(&item["type"]),
                item["algorithm"].as_str(),
                &item["digits"],
                &item["period"],
                &item["counter"],
            )
        })
        .collect())
}

/// FreeOTP+'s JSON export: `{"tokens": [{"type": "TOTP"|"HOTP", "issuerExt", "label",
/// "secret": [signed bytes], "algo", "digits", "period", "counter"}], "tokenOrder": […]}` — the
/// secret is Java's `byte[]`, numbers from −128 to 127. Read in `tokens` order.
pub fn read_freeotp_plus(doc: &Value) -> Result<Vec<Candidate>, ImportError> {
    let items = doc["tokens"]
        .as_array()
        .ok_or_else(|| unreadable("FreeOTP+", "tokens"))?;
    super::check_entries(items.len())?;
    Ok(items
        .iter()
        .map(|item| {
            let secret = item["secret"]
                .as_array()
                .filter(|bytes| bytes.len() <= 1024)
                .and_then(|bytes| {
                    bytes
                        .iter()
                        .map(|b| {
                            b.as_i64()
                                .and_then(|b| i8::try_from(b).ok())
                                .map(|b| b as u8)
                        })
                        .collect::<Option<Vec<u8>>>()
                })
                .and_then(|bytes| Secret::from_bytes(bytes).ok())
                .ok_or(SkipReason::InvalidSecret);
            let issuer = match text(&item["issuerExt"]) {
                "" => text(&item["issuerInt"]),
                issuer => issuer,
            };
            entry(
                issuer,
                text(&item["label"]),
                secret,
                text(&item["type"]),
                item["algo"].as_str(),
                &item["digits"],
                &item["period"],
                &item["counter"],
            )
        })
        .collect())
}

/// Duo Mobile's account store from a rooted phone (`files/duokit/accounts.json`), written from its
/// publicly described layout: a JSON list of `{"name", "otpGenerator": {"otpSecret": base32,
/// "counter": n}}`. With a counter the account is HOTP, without one TOTP (SHA-1, 6 digits, 30 s).
pub fn read_duo(doc: &Value) -> Result<Vec<Candidate>, ImportError> {
    let items = doc
        .as_array()
        .ok_or_else(|| unreadable("Duo Mobile", "account list"))?;
    super::check_entries(items.len())?;
    Ok(items
        .iter()
        .map(|item| {
            let name = text(&item["name"]);
            let otp = &item["otpGenerator"];
            let skip = |reason| Candidate::skipped("", name, reason);
            let Ok(secret) = Secret::from_base32_lenient(text(&otp["otpSecret"])) else {
                return skip(SkipReason::InvalidSecret);
            };
            let kind = match &otp["counter"] {
                Value::Null => OtpKind::Totp { period: 30 },
                counter => match counter.as_u64() {
                    Some(counter) => OtpKind::Hotp { counter },
                    None => return skip(SkipReason::InvalidEntry),
                },
            };
            Candidate::build("", name, secret, Algorithm::Sha1, 6, kind)
        })
        .collect())
}

/// LastPass Authenticator's JSON export: `{"version", "accounts": [{"issuerName", "userName",
/// "secret": base32, "timeStep", "digits", "algorithm"}]}` (time-based only).
pub fn read_lastpass(doc: &Value) -> Result<Vec<Candidate>, ImportError> {
    let items = doc["accounts"]
        .as_array()
        .ok_or_else(|| unreadable("LastPass", "accounts"))?;
    super::check_entries(items.len())?;
    Ok(items
        .iter()
        .map(|item| {
            let issuer = match text(&item["issuerName"]) {
                "" => text(&item["originalIssuerName"]),
                issuer => issuer,
            };
            // An account renamed to nothing keeps the name it was added with.
            let account = match text(&item["userName"]) {
                "" => text(&item["originalUserName"]),
                account => account,
            };
            entry(
                issuer,
                account,
                base32(&item["secret"]),
                "TOTP",
                item["algorithm"].as_str(),
                &item["digits"],
                &item["timeStep"],
                &Value::Null,
            )
        })
        .collect())
}

/// One Bitwarden item's `totp` field: a URI or a bare secret (a 30-second SHA-1 TOTP).
fn bitwarden_totp(name: &str, username: &str, totp: &str) -> Candidate {
    let totp = totp.trim();
    if super::uris::is_uri(totp) {
        return match uri::parse_exported(totp) {
            // A URI without names, or a steam:// one (its only name is "Steam"): the item's
            // name and username.
            Ok(token)
                if token.account().is_empty()
                    && (token.issuer().is_empty()
                        || matches!(
                            token.params().kind,
                            otpvault_codes::token::OtpKind::Steam
                        )) =>
            {
                let mut token = token;
                match token.rename(name, username) {
                    Ok(()) => Candidate::token(token),
                    Err(err) => Candidate::skipped(name, username, err.into()),
                }
            }
            Ok(token) => Candidate::token(token),
            Err(err) => Candidate::skipped(name, username, err.into()),
        };
    }
    entry(
        name,
        username,
        Secret::from_base32_lenient(totp).map_err(|_| SkipReason::InvalidSecret),
        "TOTP",
        None,
        &Value::Null,
        &Value::Null,
        &Value::Null,
    )
}

/// A Bitwarden JSON export (not password-protected).
pub fn read_bitwarden(doc: &Value, password: Option<&str>) -> Result<Vec<Candidate>, ImportError> {
    const FORMAT: &str = "Bitwarden";
    if doc["encrypted"] == Value::Bool(true) {
        // A password-protected export can be opened; an account-restricted one is sealed with
        // the account's own key, which never leaves Bitwarden.
        if doc["passwordProtected"] == Value::Bool(true) {
            return super::bitwarden::read_protected(doc, password);
        }
        return Err(ImportError::NotAnExport {
            what: "an account-restricted Bitwarden export (sealed with your Bitwarden account's \
                   own key, which never leaves Bitwarden): export it password-protected or \
                   unencrypted instead",
        });
    }
    let items = doc["items"]
        .as_array()
        .ok_or_else(|| unreadable(FORMAT, "items"))?;
    super::check_entries(items.len())?;
    Ok(items
        .iter()
        .filter_map(|item| {
            let totp = item["login"]["totp"]
                .as_str()
                .filter(|t| !t.trim().is_empty())?;
            Some(bitwarden_totp(
                text(&item["name"]),
                text(&item["login"]["username"]),
                totp,
            ))
        })
        .collect())
}

/// Splits CSV (RFC 4180: quoted fields, doubled quotes, commas and newlines inside quotes).
fn csv_rows(text: &str) -> Option<Vec<Vec<Zeroizing<String>>>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    // A Bitwarden CSV holds every login's password, not only the TOTP secrets: each field is
    // gathered in one buffer that never grows (no field is longer than the text), copied out at
    // its final size and wiped with its row.
    let mut field = Zeroizing::new(String::with_capacity(text.len()));
    let take = |field: &mut Zeroizing<String>| {
        let value = Zeroizing::new(field.as_str().to_owned());
        field.clear();
        value
    };
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
        if rows.len() > super::MAX_ENTRIES + 1 {
            return None;
        }
    }
    if quoted {
        return None;
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(take(&mut field));
        rows.push(row);
    }
    Some(rows)
}

/// True for a CSV text whose header has Bitwarden's `login_totp` column.
pub fn looks_like_bitwarden_csv(text: &str) -> bool {
    text.lines()
        .next()
        .is_some_and(|header| header.split(',').any(|c| c.trim() == "login_totp"))
}

/// A Bitwarden CSV export.
pub fn read_bitwarden_csv(text: &str) -> Result<Vec<Candidate>, ImportError> {
    const FORMAT: &str = "Bitwarden CSV";
    let rows = csv_rows(text).ok_or_else(|| unreadable(FORMAT, "CSV"))?;
    let (header, rows) = rows
        .split_first()
        .ok_or_else(|| unreadable(FORMAT, "header"))?;
    let column = |name: &str| header.iter().position(|c| c.trim() == name);
    let totp = column("login_totp").ok_or_else(|| unreadable(FORMAT, "login_totp"))?;
    let (name, username) = (column("name"), column("login_username"));
    super::check_entries(rows.len())?;
    let get = |row: &[Zeroizing<String>], at: Option<usize>| -> String {
        at.and_then(|i| row.get(i))
            .map(|name| name.as_str().to_owned())
            .unwrap_or_default()
    };
    Ok(rows
        .iter()
        .filter_map(|row| {
            let value = row.get(totp).filter(|t| !t.trim().is_empty())?;
            Some(bitwarden_totp(
                &get(row, name),
                &get(row, username),
                value.as_str(),
            ))
        })
        .collect())
}

/// The `.maFile` objects of a `{"accounts": {ID: {…}, …}}` wrapper (as some Steam Desktop
/// Authenticator tools write several accounts), by id (or in order, for a list).
fn steam_wrapped(doc: &Value) -> Vec<&Value> {
    match doc.get("accounts") {
        Some(Value::Object(accounts)) => accounts
            .values()
            .filter(|account| account.get("shared_secret").is_some())
            .collect(),
        Some(Value::Array(accounts)) => accounts
            .iter()
            .filter(|account| account.get("shared_secret").is_some())
            .collect(),
        _ => Vec::new(),
    }
}

/// A Steam Desktop Authenticator `.maFile`, or several in an `{"accounts": …}` wrapper.
pub fn read_steam(doc: &Value) -> Result<Vec<Candidate>, ImportError> {
    let wrapped = steam_wrapped(doc);
    if !wrapped.is_empty() {
        let mut out = Vec::with_capacity(wrapped.len());
        for account in wrapped {
            out.extend(read_one_steam(account));
        }
        return Ok(out);
    }
    Ok(read_one_steam(doc))
}

fn read_one_steam(doc: &Value) -> Vec<Candidate> {
    let account = text(&doc["account_name"]);
    let secret = doc["shared_secret"]
        .as_str()
        .and_then(|s| super::google::base64_decode(s.as_bytes()))
        .and_then(|bytes| Secret::from_bytes(bytes.to_vec()).ok())
        .ok_or(SkipReason::InvalidSecret);
    vec![entry(
        "Steam",
        account,
        secret,
        "STEAM",
        None,
        &Value::Null,
        &Value::Null,
        &Value::Null,
    )]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_account_names_fall_back_to_what_the_app_kept() {
        // Issue 21, item 5: LastPass's originalUserName, 2FAS's own otpauth:// link.
        let lastpass = serde_json::json!({"version": 3, "accounts": [{
            "issuerName": "ACME", "userName": "", "originalUserName": "alice",
            "secret": "JBSWY3DPEHPK3PXP", "timeStep": 30, "digits": 6, "algorithm": "SHA1"}]});
        assert_eq!(read_lastpass(&lastpass).unwrap()[0].account, "alice");
        let two_fas = serde_json::json!({"schemaVersion": 4, "services": [{
            "name": "ACME", "secret": "JBSWY3DPEHPK3PXP",
            "otp": {"issuer": "ACME", "account": "", "tokenType": "TOTP", "digits": 6, "period": 30,
                    "algorithm": "SHA1",
                    "link": "otpauth://totp/ACME:bob%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=ACME"}}]});
        assert_eq!(
            read_two_fas(&two_fas, None).unwrap()[0].account,
            "bob@example.com"
        );
    }

    #[test]
    fn a_bitwarden_steam_item_keeps_its_name_and_username() {
        let entry = bitwarden_totp("Steam (gaming)", "alice", "steam://JBSWY3DPEHPK3PXP");
        assert_eq!(
            (entry.issuer.as_str(), entry.account.as_str()),
            ("Steam (gaming)", "alice")
        );
        let token = entry.token.unwrap();
        assert!(matches!(
            token.params().kind,
            otpvault_codes::token::OtpKind::Steam
        ));
    }

    #[test]
    fn an_account_restricted_bitwarden_export_says_what_to_do() {
        let doc = serde_json::json!({"encrypted": true, "passwordProtected": false,
                                     "encKeyValidation_DO_NOT_EDIT": "2.x|y|z", "data": "2.a|b|c"});
        match read_bitwarden(&doc, Some("x")) {
            Err(ImportError::NotAnExport { what }) => {
                assert!(what.contains("account-restricted") && what.contains("password-protected"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn old_and_otp_labels_lose_their_repeated_issuer() {
        assert_eq!(and_otp_account("ACME", "ACME - ACME:alice"), "alice");
        assert_eq!(and_otp_account("ACME", "ACME:alice"), "alice");
        assert_eq!(and_otp_account("ACME", "alice"), "alice");
        assert_eq!(and_otp_account("", "ACME:alice"), "ACME:alice");
        assert_eq!(and_otp_account("ACME", "ACME - other"), "other");
    }

    #[test]
    fn steam_accounts_in_a_wrapper_are_all_read() {
        // Issue 21, item 3: `{"accounts": {ID: maFile, …}}`, sniffed and with --format steam.
        let doc = serde_json::json!({"accounts": {
            "76561198000000001": {"shared_secret": "AAECAwQFBgcICQoLDA0ODxAREhM=", "account_name": "alice"},
            "76561198000000002": {"shared_secret": "FBUWFxgZGhscHR4fICEiIyQlJic=", "account_name": "bob"},
        }});
        assert_eq!(sniff_json(&doc), Some(ImportFormat::SteamMaFile));
        let bytes = serde_json::to_vec(&doc).unwrap();
        for format in [None, Some(ImportFormat::SteamMaFile)] {
            let (found, entries) = super::super::read_as(&bytes, None, format).unwrap();
            assert_eq!(found, ImportFormat::SteamMaFile);
            let names: Vec<&str> = entries.iter().map(|e| e.account.as_str()).collect();
            assert_eq!(names, ["alice", "bob"]);
            for entry in &entries {
                let token = entry.token.as_ref().unwrap();
                assert!(matches!(
                    token.params().kind,
                    otpvault_codes::token::OtpKind::Steam
                ));
            }
        }
        // A wrapper of something else is not Steam.
        assert_eq!(
            sniff_json(&serde_json::json!({"accounts": {"x": {"name": "y"}}})),
            None
        );
    }
}
