//! The portal's pages, server-rendered, on top of the same functions as the JSON API: the
//! CARGOS first access (login, PUK, the QR code or the secret as text, confirm with the app's
//! code, the ApiKey on "Sicurezza", regenerate) and OTP PAT ("Gestione credenziali" → "App
//! OTP": choose the temporary code, 5 minutes to type it into the app, then "Accedi con OTP
//! PAT" with user, password and code).
//!
//! - Italian by default, English when `Accept-Language` prefers it.
//! - No JavaScript needed: forms post, pages redirect. The one script counts down the temporary
//!   code's minutes; without it the page shows the expiry time and refreshes itself.
//! - Labels on every field, the DOM order as the focus order, dark text on white and white on
//!   dark blue (contrast above 7:1), no external assets.
//! - Sessions: a random 256-bit cookie (`HttpOnly`, `SameSite=Strict`, `Secure` under TLS),
//!   only its SHA-256 stored, 30 minutes. A CSRF token on every form: the session's, or before
//!   login one bound to a cookie (double submit). Every page: a strict Content-Security-Policy,
//!   `X-Frame-Options: DENY`, `Cache-Control: no-store`. Every user-supplied string is escaped.
//! - The password, PUK and code throttles are the API's own ([`Issuer::login`],
//!   [`Issuer::authorize_new_credential`], [`Issuer::verify`]).

use crate::account::{Login, Refusal};
use crate::db::Sql;
use crate::http::Answer;
use crate::verifier::{Confirmation, Verdict};
use crate::{Issuer, IssuerError, args, random};
use otpvault_core::activation::hex_encode;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use zeroize::Zeroizing;

/// How long a portal session lasts.
pub const SESSION_MS: u64 = 1_800_000;
const SESSION_COOKIE: &str = "ov_session";
const PRE_COOKIE: &str = "ov_pre";

/// The Content-Security-Policy of every page: our own style and script, inline QR images.
pub const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const STYLE: &str = include_str!("web/style.css");
const COUNTDOWN: &str = include_str!("web/countdown.js");

/// A request for a page.
pub struct WebRequest<'a> {
    /// `GET` or `POST`.
    pub method: &'a str,
    /// The path, without the query.
    pub path: &'a str,
    /// A form body (`application/x-www-form-urlencoded`).
    pub body: &'a str,
    /// The `Cookie` header.
    pub cookie: Option<&'a str>,
    /// The `Accept-Language` header.
    pub accept_language: Option<&'a str>,
    /// Served over TLS (cookies get `Secure`).
    pub secure: bool,
}

/// Whether a path is one of the pages (everything that is not the JSON API or `/metrics`).
pub fn is_page(path: &str) -> bool {
    !path.starts_with("/v1/") && path != "/metrics"
}

/// The pages whose POST checks a password or a PUK (they queue for a KDF slot).
pub fn checks_password(path: &str) -> bool {
    matches!(path, "/login" | "/puk" | "/accedi-otp" | "/credenziali")
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Lang {
    It,
    En,
}

/// Italian unless English is preferred (by its `q`) over Italian.
fn lang(accept: Option<&str>) -> Lang {
    let (mut it, mut en) = (0.0f32, 0.0f32);
    for part in accept.unwrap_or_default().split(',') {
        let mut pieces = part.split(';');
        let tag = pieces
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let q = pieces
            .find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse().ok()))
            .unwrap_or(1.0f32);
        let primary = tag.split('-').next().unwrap_or_default();
        if primary == "it" {
            it = it.max(q);
        } else if primary == "en" {
            en = en.max(q);
        }
    }
    if en > it { Lang::En } else { Lang::It }
}

/// The words of the pages.
fn t(lang: Lang, key: &str) -> &'static str {
    let (it, en) = match key {
        "site" => ("Portale", "Portal"),
        "login" => ("Accesso", "Log in"),
        "username" => ("Nome utente", "Username"),
        "password" => ("Password", "Password"),
        "enter" => ("Accedi", "Log in"),
        "wrong_login" => (
            "Nome utente o password errati.",
            "Wrong username or password.",
        ),
        "throttled" => (
            "Troppi tentativi: riprova tra qualche istante.",
            "Too many attempts: try again in a moment.",
        ),
        "rate" => ("Troppe richieste.", "Too many requests."),
        "puk_title" => ("Codice PUK", "PUK"),
        "puk_intro" => (
            "Per registrare il secondo fattore inserisci il PUK ricevuto con le credenziali.",
            "To register the second factor, enter the PUK you received with your account.",
        ),
        "puk" => ("PUK", "PUK"),
        "continue" => ("Continua", "Continue"),
        "wrong_puk" => (
            "PUK errato. Tentativi rimasti:",
            "Wrong PUK. Attempts left:",
        ),
        "puk_blocked" => (
            "Il PUK è bloccato: rivolgiti all'assistenza per un nuovo PUK.",
            "The PUK is blocked: ask the help desk for a new one.",
        ),
        "home" => ("Home", "Home"),
        "welcome" => ("Benvenuto,", "Welcome,"),
        "register" => (
            "Registra il secondo fattore (codice QR)",
            "Register the second factor (QR code)",
        ),
        "credentials" => (
            "Gestione credenziali di accesso",
            "Manage access credentials",
        ),
        "app_otp" => ("App OTP", "OTP app"),
        "security" => ("Sicurezza", "Security"),
        "otp_login" => ("Accedi con OTP PAT", "Log in with OTP PAT"),
        "logout" => ("Esci", "Log out"),
        "enrol_title" => (
            "Registrazione del secondo fattore",
            "Second factor registration",
        ),
        "enrol_intro" => (
            "Inquadra il codice QR con l'app, oppure inserisci il codice segreto a mano. Poi scrivi qui il codice che l'app mostra.",
            "Scan the QR code with the app, or type the secret by hand. Then enter the code the app shows.",
        ),
        "qr_alt" => (
            "Codice QR da inquadrare con l'app",
            "QR code to scan with the app",
        ),
        "secret" => ("Codice segreto", "Secret"),
        "app_code" => ("Codice dell'app", "Code from the app"),
        "confirm" => ("Conferma", "Confirm"),
        "wrong_code" => ("Codice errato.", "Wrong code."),
        "replayed" => (
            "Codice già usato: attendi il prossimo.",
            "Code already used: wait for the next one.",
        ),
        "locked" => (
            "Troppi codici errati: riprova più tardi.",
            "Too many wrong codes: try again later.",
        ),
        "malformed_code" => ("Il codice è fatto di sole cifre.", "A code is digits only."),
        "already" => (
            "Il secondo fattore è già registrato.",
            "The second factor is already registered.",
        ),
        "api_key" => ("ApiKey", "API key"),
        "api_key_once" => (
            "Copia ora la tua ApiKey: non sarà più mostrata.",
            "Copy your API key now: it will not be shown again.",
        ),
        "created" => ("Creata il", "Created"),
        "last_used" => ("Ultimo utilizzo", "Last used"),
        "never" => ("mai", "never"),
        "no_key" => ("Nessuna ApiKey.", "No API key."),
        "regenerate" => ("Rigenera ApiKey", "Regenerate API key"),
        "regenerate_confirm" => (
            "Confermo: la ApiKey attuale smetterà subito di funzionare",
            "I confirm: the current API key stops working at once",
        ),
        "must_confirm" => ("Spunta la conferma.", "Tick the confirmation."),
        "temp_code" => ("Codice temporaneo (5 cifre)", "Temporary code (5 digits)"),
        "temp_code_again" => ("Ripeti il codice temporaneo", "Repeat the temporary code"),
        "current_code" => ("Codice attuale dell'app", "Current code from the app"),
        "create" => ("Crea codice", "Create code"),
        "codes_differ" => ("I due codici sono diversi.", "The two codes differ."),
        "app_otp_intro" => (
            "Scegli un codice di 5 cifre: avrai 5 minuti per inserirlo nell'app insieme a nome utente e password. L'orologio del dispositivo deve essere esatto.",
            "Choose a 5-digit code: you then have 5 minutes to type it into the app with your username and password. The device clock must be right.",
        ),
        "status" => ("Stato", "Status"),
        "waiting" => ("In attesa dell'app", "Waiting for the app"),
        "activated" => ("App attivata", "App activated"),
        "expired" => ("Codice scaduto", "Code expired"),
        "burned" => (
            "Codice bruciato da troppi tentativi",
            "Code burned by too many attempts",
        ),
        "replaced" => ("Codice sostituito", "Code replaced"),
        "expires_at" => ("Scade alle (UTC)", "Expires at (UTC)"),
        "time_left" => ("Tempo rimasto", "Time left"),
        "otp_code" => ("Codice", "Code"),
        "logged_in" => ("Accesso effettuato.", "Logged in."),
        "csrf" => (
            "Richiesta non valida (token di sicurezza mancante): ricarica la pagina.",
            "Invalid request (missing security token): reload the page.",
        ),
        "not_found" => ("Pagina non trovata.", "Page not found."),
        "error" => ("Errore interno.", "Internal error."),
        _ => ("", ""),
    };
    match lang {
        Lang::It => it,
        Lang::En => en,
    }
}

/// HTML-escapes text for element content and quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The fields of a form body (the last of repeated names), wiped on drop.
fn form(body: &str) -> HashMap<String, Zeroizing<String>> {
    let decode = |part: &str| -> String {
        let bytes = part.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' => match part
                    .get(i + 1..i + 3)
                    .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                },
                byte => out.push(byte),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    body.split('&')
        .filter(|pair| !pair.is_empty())
        .take(32)
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(name), Zeroizing::new(decode(value)))
        })
        .collect()
}

fn cookie<'a>(header: Option<&'a str>, name: &str) -> Option<&'a str> {
    header?.split(';').find_map(|part| {
        let (key, value) = part.trim().split_once('=')?;
        (key == name).then_some(value)
    })
}

fn same(a: &str, b: &str) -> bool {
    !a.is_empty() && bool::from(subtle::ConstantTimeEq::ct_eq(a.as_bytes(), b.as_bytes()))
}

fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

fn answer(status: u16, html: String) -> Answer {
    Answer {
        status,
        body: html,
        retry_after: None,
        verification: None,
        content_type: "text/html; charset=utf-8",
        headers: page_headers(),
    }
}

fn page_headers() -> Vec<(&'static str, String)> {
    vec![
        ("content-security-policy", CSP.to_owned()),
        ("x-frame-options", "DENY".to_owned()),
        ("x-content-type-options", "nosniff".to_owned()),
        ("referrer-policy", "no-referrer".to_owned()),
    ]
}

fn redirect(location: &str) -> Answer {
    let mut out = answer(303, String::new());
    out.headers.push(("location", location.to_owned()));
    out
}

fn cookie_header(name: &str, value: &str, max_age: u64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{}",
        max_age / 1000,
        if secure { "; Secure" } else { "" }
    )
}

/// A whole page: the layout around `main`, in `lang`.
fn page(lang: Lang, title: &str, main: &str, user: Option<&str>, refresh: bool) -> String {
    let nav = match user {
        Some(name) => format!(
            r#"<nav aria-label="menu"><a href="/home">{home}</a> · <a href="/credenziali">{cred}</a> · <a href="/sicurezza">{sec}</a> · <span>{name}</span></nav>"#,
            home = t(lang, "home"),
            cred = t(lang, "credentials"),
            sec = t(lang, "security"),
            name = escape(name),
        ),
        None => format!(
            r#"<nav aria-label="menu"><a href="/login">{login}</a> · <a href="/accedi-otp">{otp}</a></nav>"#,
            login = t(lang, "login"),
            otp = t(lang, "otp_login"),
        ),
    };
    format!(
        r#"<!DOCTYPE html>
<html lang="{code}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{refresh}<title>{title} · {site}</title>
<link rel="stylesheet" href="/assets/style.css">
</head>
<body>
<header><p class="site">{site}</p>{nav}</header>
<main>
<h1>{title}</h1>
{main}
</main>
</body>
</html>
"#,
        code = if lang == Lang::It { "it" } else { "en" },
        refresh = if refresh {
            "<meta http-equiv=\"refresh\" content=\"5\">\n"
        } else {
            ""
        },
        title = escape(title),
        site = t(lang, "site"),
    )
}

fn error_box(text: &str) -> String {
    format!(r#"<p class="error" role="alert">{}</p>"#, escape(text))
}

fn field(id: &str, label: &str, kind: &str, extra: &str) -> String {
    format!(
        r#"<p><label for="{id}">{label}</label><br><input id="{id}" name="{id}" type="{kind}" {extra}></p>"#,
        label = escape(label)
    )
}

fn hidden_csrf(csrf: &str) -> String {
    format!(
        r#"<input type="hidden" name="csrf" value="{}">"#,
        escape(csrf)
    )
}

/// A portal session.
struct Session {
    id_hash: Vec<u8>,
    user_id: i64,
    name: String,
    csrf: String,
    puk_ok: bool,
    activation_id: Option<i64>,
}

fn session(
    issuer: &mut Issuer,
    req: &WebRequest<'_>,
    now: u64,
) -> Result<Option<Session>, IssuerError> {
    let Some(value) = cookie(req.cookie, SESSION_COOKIE) else {
        return Ok(None);
    };
    let id_hash = Sha256::digest(value.as_bytes()).to_vec();
    let row = issuer.db().query_opt(
        "SELECT s.user_id, u.name, s.csrf, s.puk_ok, s.activation_id FROM web_sessions s
         JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?1 AND s.expires_ms > ?2",
        args![id_hash.as_slice(), to_i64(now)],
    )?;
    let Some(row) = row else {
        return Ok(None);
    };
    Ok(Some(Session {
        id_hash,
        user_id: row.int(0)?,
        name: row.text(1)?,
        csrf: row.text(2)?,
        puk_ok: row.int(3)? != 0,
        activation_id: row.opt_int(4)?,
    }))
}

fn new_session(issuer: &mut Issuer, user_id: i64, now: u64) -> Result<String, IssuerError> {
    let value = hex_encode(&random::<32>()?);
    let csrf = hex_encode(&random::<16>()?);
    let hash = Sha256::digest(value.as_bytes());
    issuer.db().execute(
        "DELETE FROM web_sessions WHERE expires_ms < ?1",
        args![to_i64(now)],
    )?;
    issuer.db().execute(
        "INSERT INTO web_sessions (id_hash, user_id, csrf, created_ms, expires_ms)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        args![
            hash.as_slice(),
            user_id,
            &csrf,
            to_i64(now),
            to_i64(now.saturating_add(SESSION_MS))
        ],
    )?;
    Ok(value)
}

fn has_active(issuer: &mut Issuer, user_id: i64) -> Result<bool, IssuerError> {
    Ok(issuer
        .db()
        .query_opt(
            "SELECT 1 FROM credentials WHERE user_id = ?1 AND status = 'active'",
            args![user_id],
        )?
        .is_some())
}

fn verdict_text(lang: Lang, verdict: &Verdict) -> &'static str {
    match verdict {
        Verdict::Replayed => t(lang, "replayed"),
        Verdict::LockedOut { .. } => t(lang, "locked"),
        Verdict::Malformed { .. } => t(lang, "malformed_code"),
        _ => t(lang, "wrong_code"),
    }
}

fn verdict_status(verdict: &Verdict) -> u16 {
    match verdict {
        Verdict::Replayed => 409,
        Verdict::LockedOut { .. } => 429,
        Verdict::Malformed { .. } => 400,
        Verdict::NoCredential => 404,
        _ => 401,
    }
}

/// Serves one page request.
pub fn route(issuer: &mut Issuer, req: &WebRequest<'_>, now: u64) -> Answer {
    let lang = lang(req.accept_language);
    match serve(issuer, req, lang, now) {
        Ok(answer) => answer,
        Err(_) => answer(500, page(lang, t(lang, "error"), "", None, false)),
    }
}

fn serve(
    issuer: &mut Issuer,
    req: &WebRequest<'_>,
    lang: Lang,
    now: u64,
) -> Result<Answer, IssuerError> {
    match (req.method, req.path) {
        ("GET", "/assets/style.css") => {
            let mut out = answer(200, STYLE.to_owned());
            out.content_type = "text/css; charset=utf-8";
            return Ok(out);
        }
        ("GET", "/assets/countdown.js") => {
            let mut out = answer(200, COUNTDOWN.to_owned());
            out.content_type = "text/javascript; charset=utf-8";
            return Ok(out);
        }
        ("GET", "/") => {
            let logged_in = session(issuer, req, now)?.is_some();
            return Ok(redirect(if logged_in { "/home" } else { "/login" }));
        }
        ("GET", "/login") | ("GET", "/accedi-otp") => {
            return Ok(public_form(req, lang, None, "", 200));
        }
        ("POST", "/login") | ("POST", "/accedi-otp") => return public_post(issuer, req, lang, now),
        _ => {}
    }
    // Everything else needs a session.
    let Some(session) = session(issuer, req, now)? else {
        if matches!(
            req.path,
            "/home"
                | "/puk"
                | "/enrol"
                | "/sicurezza"
                | "/credenziali"
                | "/credenziali/stato"
                | "/logout"
        ) {
            return Ok(redirect("/login"));
        }
        return Ok(answer(
            404,
            page(lang, t(lang, "not_found"), "", None, false),
        ));
    };
    let fields = form(req.body);
    if req.method == "POST" {
        let token = fields.get("csrf").map(|v| v.as_str()).unwrap_or_default();
        if !same(token, &session.csrf) {
            return Ok(answer(
                403,
                page(
                    lang,
                    t(lang, "csrf"),
                    &error_box(t(lang, "csrf")),
                    Some(&session.name),
                    false,
                ),
            ));
        }
    }
    let name = session.name.clone();
    let csrf = hidden_csrf(&session.csrf);
    let view = |title: &str, main: &str, status: u16| {
        answer(status, page(lang, title, main, Some(&name), false))
    };
    match (req.method, req.path) {
        ("GET", "/home") => {
            let main = format!(
                r#"<p>{welcome} <strong>{user}</strong>.</p>
<ul>
<li><a href="/enrol">{register}</a></li>
<li><a href="/credenziali">{cred} → {app}</a></li>
<li><a href="/sicurezza">{sec}</a></li>
</ul>
<form method="post" action="/logout">{csrf}<button type="submit">{logout}</button></form>"#,
                welcome = t(lang, "welcome"),
                user = escape(&name),
                register = t(lang, "register"),
                cred = t(lang, "credentials"),
                app = t(lang, "app_otp"),
                sec = t(lang, "security"),
                logout = t(lang, "logout"),
            );
            Ok(view(t(lang, "home"), &main, 200))
        }
        ("GET", "/puk") => Ok(view(t(lang, "puk_title"), &puk_form(lang, &csrf, ""), 200)),
        ("POST", "/puk") => {
            let puk = fields.get("puk").map(|v| v.as_str()).unwrap_or_default();
            match issuer.authorize_new_credential(&name, session.user_id, Some(puk), None, now)? {
                Ok(()) => {
                    issuer.db().execute(
                        "UPDATE web_sessions SET puk_ok = 1 WHERE id_hash = ?1",
                        args![session.id_hash.as_slice()],
                    )?;
                    Ok(redirect("/home"))
                }
                Err(Refusal::WrongPuk { attempts_left }) => Ok(view(
                    t(lang, "puk_title"),
                    &puk_form(
                        lang,
                        &csrf,
                        &error_box(&format!("{} {attempts_left}", t(lang, "wrong_puk"))),
                    ),
                    403,
                )),
                Err(Refusal::CodeRequired) | Err(Refusal::Code(_)) => Ok(view(
                    t(lang, "puk_title"),
                    &format!("<p>{}</p>", t(lang, "already")),
                    409,
                )),
                Err(_) => Ok(view(
                    t(lang, "puk_title"),
                    &puk_form(lang, &csrf, &error_box(t(lang, "puk_blocked"))),
                    403,
                )),
            }
        }
        ("GET", "/enrol") => {
            if has_active(issuer, session.user_id)? {
                return Ok(view(
                    t(lang, "enrol_title"),
                    &format!("<p>{}</p>", t(lang, "already")),
                    200,
                ));
            }
            if !session.puk_ok {
                return Ok(redirect("/puk"));
            }
            let uri = match issuer.pending_uri(&name)? {
                Some(uri) => uri,
                None => issuer.enrol(&name, now)?,
            };
            Ok(view(
                t(lang, "enrol_title"),
                &enrol_page(lang, &csrf, &uri, "")?,
                200,
            ))
        }
        ("POST", "/enrol") => {
            let code = fields.get("code").map(|v| v.as_str()).unwrap_or_default();
            match issuer.confirm_enrolment(&name, code, now)? {
                Confirmation::Confirmed { api_key } => Ok(view(
                    t(lang, "security"),
                    &security_page(issuer, lang, &csrf, &name, Some(&api_key), "")?,
                    200,
                )),
                Confirmation::NothingPending => Ok(redirect("/home")),
                Confirmation::Refused(verdict) => {
                    let uri = issuer.pending_uri(&name)?.unwrap_or_default();
                    let main =
                        enrol_page(lang, &csrf, &uri, &error_box(verdict_text(lang, &verdict)))?;
                    Ok(view(
                        t(lang, "enrol_title"),
                        &main,
                        verdict_status(&verdict),
                    ))
                }
            }
        }
        ("GET", "/sicurezza") => {
            let main = security_page(issuer, lang, &csrf, &name, None, "")?;
            Ok(view(t(lang, "security"), &main, 200))
        }
        ("POST", "/sicurezza") => {
            if !fields.contains_key("confirm") {
                let main = security_page(
                    issuer,
                    lang,
                    &csrf,
                    &name,
                    None,
                    &error_box(t(lang, "must_confirm")),
                )?;
                return Ok(view(t(lang, "security"), &main, 400));
            }
            let code = fields.get("code").map(|v| v.as_str()).unwrap_or_default();
            let verdict = issuer.verify(&name, code, now)?;
            if !matches!(verdict, Verdict::Accepted { .. }) {
                let main = security_page(
                    issuer,
                    lang,
                    &csrf,
                    &name,
                    None,
                    &error_box(verdict_text(lang, &verdict)),
                )?;
                return Ok(view(t(lang, "security"), &main, verdict_status(&verdict)));
            }
            let key = issuer.regenerate_api_key(&name, now)?;
            let main = security_page(issuer, lang, &csrf, &name, Some(&key), "")?;
            Ok(view(t(lang, "security"), &main, 200))
        }
        ("GET", "/credenziali") => {
            let active = has_active(issuer, session.user_id)?;
            Ok(view(
                t(lang, "app_otp"),
                &app_otp_form(lang, &csrf, active, session.puk_ok, ""),
                200,
            ))
        }
        ("POST", "/credenziali") => {
            let active = has_active(issuer, session.user_id)?;
            let again = |message: &str, status: u16| {
                view(
                    t(lang, "app_otp"),
                    &app_otp_form(lang, &csrf, active, session.puk_ok, &error_box(message)),
                    status,
                )
            };
            let code = fields
                .get("code")
                .map(|v| v.as_str().trim().to_owned())
                .unwrap_or_default();
            let repeat = fields
                .get("code2")
                .map(|v| v.as_str().trim().to_owned())
                .unwrap_or_default();
            if code != repeat {
                return Ok(again(t(lang, "codes_differ"), 400));
            }
            if let Some(why) = crate::account::weak_activation_code(&code) {
                return Ok(again(why, 400));
            }
            // A first credential needs the PUK (given here or earlier in the session), a
            // replacement a current code.
            if !session.puk_ok || active {
                let puk = fields.get("puk").map(|v| v.as_str());
                let current = fields.get("current_code").map(|v| v.as_str());
                match issuer.authorize_new_credential(&name, session.user_id, puk, current, now)? {
                    Ok(()) => {}
                    Err(Refusal::WrongPuk { attempts_left }) => {
                        return Ok(again(
                            &format!("{} {attempts_left}", t(lang, "wrong_puk")),
                            403,
                        ));
                    }
                    Err(Refusal::Code(verdict)) => {
                        return Ok(again(
                            verdict_text(lang, &verdict),
                            verdict_status(&verdict),
                        ));
                    }
                    Err(Refusal::PukBlocked) => return Ok(again(t(lang, "puk_blocked"), 403)),
                    Err(_) => return Ok(again(t(lang, "wrong_code"), 403)),
                }
            }
            let (_, _) = issuer.create_activation(&name, Some(&code), now)?;
            let id = issuer
                .db()
                .query_one(
                    "SELECT id FROM activations WHERE user_id = ?1 AND decoy = 0
                     ORDER BY id DESC LIMIT 1",
                    args![session.user_id],
                )?
                .int(0)?;
            issuer.db().execute(
                "UPDATE web_sessions SET activation_id = ?1 WHERE id_hash = ?2",
                args![id, session.id_hash.as_slice()],
            )?;
            Ok(redirect("/credenziali/stato"))
        }
        ("GET", "/credenziali/stato") => {
            let Some(id) = session.activation_id else {
                return Ok(redirect("/credenziali"));
            };
            let (main, waiting) = status_page(issuer, lang, session.user_id, id, now)?;
            Ok(answer(
                200,
                page(lang, t(lang, "app_otp"), &main, Some(&name), waiting),
            ))
        }
        ("POST", "/logout") => {
            issuer.db().execute(
                "DELETE FROM web_sessions WHERE id_hash = ?1",
                args![session.id_hash.as_slice()],
            )?;
            let mut out = redirect("/login");
            out.headers.push((
                "set-cookie",
                cookie_header(SESSION_COOKIE, "", 0, req.secure),
            ));
            Ok(out)
        }
        _ => Ok(view(t(lang, "not_found"), "", 404)),
    }
}

/// The login and "Accedi con OTP PAT" forms, with a pre-session CSRF cookie.
fn public_form(
    req: &WebRequest<'_>,
    lang: Lang,
    user: Option<&str>,
    error: &str,
    status: u16,
) -> Answer {
    let token = cookie(req.cookie, PRE_COOKIE)
        .filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_owned)
        .unwrap_or_else(|| random::<16>().map(|r| hex_encode(&r)).unwrap_or_default());
    let otp = req.path == "/accedi-otp";
    let user_value = format!(
        r#"value="{}" autocomplete="username" required autofocus"#,
        escape(user.unwrap_or_default())
    );
    let main = format!(
        r#"{error}<form method="post" action="{action}">{csrf}
{user}{password}{code}<p><button type="submit">{enter}</button></p>
</form>"#,
        action = if otp { "/accedi-otp" } else { "/login" },
        csrf = hidden_csrf(&token),
        user = field("username", t(lang, "username"), "text", &user_value),
        password = field(
            "password",
            t(lang, "password"),
            "password",
            r#"autocomplete="current-password" required"#
        ),
        code = if otp {
            field(
                "code",
                t(lang, "otp_code"),
                "text",
                r#"inputmode="numeric" autocomplete="one-time-code" required"#,
            )
        } else {
            String::new()
        },
        enter = t(lang, "enter"),
    );
    let title = if otp {
        t(lang, "otp_login")
    } else {
        t(lang, "login")
    };
    let mut out = answer(status, page(lang, title, &main, None, false));
    out.headers.push((
        "set-cookie",
        cookie_header(PRE_COOKIE, &token, SESSION_MS, req.secure),
    ));
    out
}

fn public_post(
    issuer: &mut Issuer,
    req: &WebRequest<'_>,
    lang: Lang,
    now: u64,
) -> Result<Answer, IssuerError> {
    let fields = form(req.body);
    let get = |name: &str| {
        fields
            .get(name)
            .map(|v| v.as_str().to_owned())
            .unwrap_or_default()
    };
    let username = get("username");
    let token = fields.get("csrf").map(|v| v.as_str()).unwrap_or_default();
    let expected = cookie(req.cookie, PRE_COOKIE).unwrap_or_default();
    if !same(token, expected) {
        return Ok(public_form(
            req,
            lang,
            Some(&username),
            &error_box(t(lang, "csrf")),
            403,
        ));
    }
    let password = Zeroizing::new(get("password"));
    let user_id = match issuer.login(&username, &password, now)? {
        Login::User(id) => id,
        Login::Wrong => {
            return Ok(public_form(
                req,
                lang,
                Some(&username),
                &error_box(t(lang, "wrong_login")),
                401,
            ));
        }
        Login::Throttled { retry_after_ms } => {
            let mut out = public_form(
                req,
                lang,
                Some(&username),
                &error_box(t(lang, "throttled")),
                429,
            );
            out.retry_after = Some(retry_after_ms.div_ceil(1000).max(1));
            return Ok(out);
        }
    };
    if req.path == "/accedi-otp" {
        let code = get("code");
        let verdict = issuer.verify(&username, &code, now)?;
        if !matches!(verdict, Verdict::Accepted { .. }) {
            let status = verdict_status(&verdict);
            return Ok(public_form(
                req,
                lang,
                Some(&username),
                &error_box(verdict_text(lang, &verdict)),
                status,
            ));
        }
    }
    let value = new_session(issuer, user_id, now)?;
    let target = if req.path == "/accedi-otp" || has_active(issuer, user_id)? {
        "/home"
    } else {
        "/puk"
    };
    let mut out = if req.path == "/accedi-otp" {
        let main = format!(
            r#"<p class="ok" role="status">{done}</p><p><a href="{target}">{home}</a></p>"#,
            done = t(lang, "logged_in"),
            home = t(lang, "home"),
        );
        answer(
            200,
            page(lang, t(lang, "otp_login"), &main, Some(&username), false),
        )
    } else {
        redirect(target)
    };
    out.headers.push((
        "set-cookie",
        cookie_header(SESSION_COOKIE, &value, SESSION_MS, req.secure),
    ));
    Ok(out)
}

fn puk_form(lang: Lang, csrf: &str, error: &str) -> String {
    format!(
        r#"<p>{intro}</p>{error}<form method="post" action="/puk">{csrf}
{puk}<p><button type="submit">{go}</button></p></form>"#,
        intro = t(lang, "puk_intro"),
        puk = field(
            "puk",
            t(lang, "puk"),
            "password",
            r#"inputmode="numeric" autocomplete="off" required autofocus"#
        ),
        go = t(lang, "continue"),
    )
}

fn enrol_page(lang: Lang, csrf: &str, uri: &str, error: &str) -> Result<String, IssuerError> {
    let png = otpvault_qr::png_bytes(uri)?;
    let secret = uri
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("secret="))
        .unwrap_or_default();
    let grouped: Vec<String> = secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    Ok(format!(
        r#"<p>{intro}</p>
<p><img id="qr" src="data:image/png;base64,{png}" alt="{alt}" width="300" height="300"></p>
<p>{secret_label}: <code id="secret">{secret}</code></p>
{error}<form method="post" action="/enrol">{csrf}
{code}<p><button type="submit">{confirm}</button></p></form>"#,
        intro = t(lang, "enrol_intro"),
        png = otpvault_core::export::base64_encode(&png),
        alt = t(lang, "qr_alt"),
        secret_label = t(lang, "secret"),
        secret = escape(&grouped.join(" ")),
        code = field(
            "code",
            t(lang, "app_code"),
            "text",
            r#"inputmode="numeric" autocomplete="one-time-code" required autofocus"#
        ),
        confirm = t(lang, "confirm"),
    ))
}

fn security_page(
    issuer: &mut Issuer,
    lang: Lang,
    csrf: &str,
    name: &str,
    new_key: Option<&str>,
    error: &str,
) -> Result<String, IssuerError> {
    let when = |ms: Option<u64>| {
        ms.map_or(t(lang, "never").to_owned(), |ms| {
            otpvault_core::clock::iso8601_utc(ms / 1000)
        })
    };
    let shown = new_key.map_or(String::new(), |key| {
        format!(
            r#"<p class="ok" role="status">{once}</p><p>{label}: <code id="api-key">{key}</code></p>"#,
            once = t(lang, "api_key_once"),
            label = t(lang, "api_key"),
            key = escape(key),
        )
    });
    let info = match issuer.api_key_info(name)? {
        Some(info) => format!(
            r#"<dl><dt>{created}</dt><dd id="api-key-created">{c}</dd><dt>{used}</dt><dd id="api-key-used">{u}</dd></dl>
{error}<form method="post" action="/sicurezza">{csrf}
<p><input id="confirm" name="confirm" type="checkbox" value="1"> <label for="confirm">{confirm_text}</label></p>
{code}<p><button type="submit">{regen}</button></p></form>"#,
            created = t(lang, "created"),
            c = when(info.created_ms),
            used = t(lang, "last_used"),
            u = when(info.last_used_ms),
            confirm_text = t(lang, "regenerate_confirm"),
            code = field(
                "code",
                t(lang, "current_code"),
                "text",
                r#"inputmode="numeric" autocomplete="one-time-code" required"#
            ),
            regen = t(lang, "regenerate"),
        ),
        None => format!("<p>{}</p>", t(lang, "no_key")),
    };
    Ok(format!("{shown}{info}"))
}

fn app_otp_form(lang: Lang, csrf: &str, active: bool, puk_ok: bool, error: &str) -> String {
    let proof = if active {
        field(
            "current_code",
            t(lang, "current_code"),
            "text",
            r#"inputmode="numeric" autocomplete="one-time-code" required"#,
        )
    } else if puk_ok {
        String::new()
    } else {
        field(
            "puk",
            t(lang, "puk"),
            "password",
            r#"inputmode="numeric" autocomplete="off" required"#,
        )
    };
    format!(
        r#"<h2>{cred}</h2><p>{intro}</p>{error}<form method="post" action="/credenziali">{csrf}
{code}{code2}{proof}<p><button type="submit">{create}</button></p></form>"#,
        cred = t(lang, "credentials"),
        intro = t(lang, "app_otp_intro"),
        code = field(
            "code",
            t(lang, "temp_code"),
            "password",
            r#"inputmode="numeric" maxlength="5" autocomplete="off" required autofocus"#
        ),
        code2 = field(
            "code2",
            t(lang, "temp_code_again"),
            "password",
            r#"inputmode="numeric" maxlength="5" autocomplete="off" required"#
        ),
        create = t(lang, "create"),
    )
}

/// The temporary code's status; whether the app is still awaited (the page refreshes itself).
fn status_page(
    issuer: &mut Issuer,
    lang: Lang,
    user_id: i64,
    id: i64,
    now: u64,
) -> Result<(String, bool), IssuerError> {
    let row = issuer.db().query_opt(
        "SELECT used, expires_ms, attempts, created_ms FROM activations WHERE id = ?1 AND user_id = ?2",
        args![id, user_id],
    )?;
    let Some(row) = row else {
        return Ok((String::new(), false));
    };
    let (used, expires, attempts, created) =
        (row.int(0)? != 0, row.int(1)?, row.int(2)?, row.int(3)?);
    let activated = issuer
        .db()
        .query_opt(
            "SELECT 1 FROM credentials WHERE user_id = ?1 AND source = 'activation'
             AND status = 'active' AND created_ms >= ?2",
            args![user_id, created],
        )?
        .is_some();
    let now_i = to_i64(now);
    let (state, key, waiting) = if used && activated {
        ("activated", "activated", false)
    } else if used {
        ("replaced", "replaced", false)
    } else if attempts >= i64::from(crate::ACTIVATION_ATTEMPTS) {
        ("burned", "burned", false)
    } else if now_i > expires {
        ("expired", "expired", false)
    } else {
        ("waiting", "waiting", true)
    };
    let left = u64::try_from(expires.saturating_sub(now_i)).unwrap_or(0) / 1000;
    let timer = if waiting {
        format!(
            r#"<p>{expires_at}: <span id="expires">{at}</span></p>
<p>{time_left}: <span id="countdown" data-seconds-left="{left}">{m}:{s:02}</span></p>
<script src="/assets/countdown.js"></script>"#,
            expires_at = t(lang, "expires_at"),
            at = &otpvault_core::clock::iso8601_utc(u64::try_from(expires).unwrap_or(0) / 1000)
                [11..19],
            time_left = t(lang, "time_left"),
            m = left / 60,
            s = left % 60,
        )
    } else {
        String::new()
    };
    Ok((
        format!(
            r#"<p>{status_label}: <strong id="status" data-state="{state}" role="status">{text}</strong></p>{timer}"#,
            status_label = t(lang, "status"),
            text = t(lang, key),
        ),
        waiting,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// WCAG 2 contrast ratio of two `#rrggbb` colours.
    fn contrast(a: &str, b: &str) -> f64 {
        let luminance = |hex: &str| {
            let channel = |i: usize| {
                let c =
                    f64::from(u8::from_str_radix(&hex[1 + 2 * i..3 + 2 * i], 16).unwrap()) / 255.0;
                if c <= 0.039_28 {
                    c / 12.92
                } else {
                    ((c + 0.055) / 1.055).powf(2.4)
                }
            };
            0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2)
        };
        let (x, y) = (luminance(a), luminance(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    }

    #[test]
    fn cookies_are_secure_under_tls_and_pages_carry_their_headers() {
        for secure in [false, true] {
            let req = WebRequest {
                method: "GET",
                path: "/login",
                body: "",
                cookie: None,
                accept_language: None,
                secure,
            };
            let page = public_form(&req, Lang::It, None, "", 200);
            let cookie = &page
                .headers
                .iter()
                .find(|(n, _)| *n == "set-cookie")
                .unwrap()
                .1;
            assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
            assert_eq!(cookie.contains("; Secure"), secure, "{cookie}");
            assert!(
                page.headers
                    .iter()
                    .any(|(n, v)| *n == "content-security-policy" && v == CSP)
            );
            assert!(
                page.headers
                    .iter()
                    .any(|(n, v)| *n == "x-frame-options" && v == "DENY")
            );
            assert!(page.body.contains(r#"<html lang="it">"#));
            assert!(page.body.contains(r#"<label for="username">"#));
        }
    }

    #[test]
    fn every_colour_pair_of_the_pages_passes_wcag_aa() {
        // (text, background) as style.css sets them: text needs 4.5:1, the focus ring 3:1.
        for (text, background, needed) in [
            ("#1a1a1a", "#ffffff", 4.5),
            ("#ffffff", "#0b3d6e", 4.5),
            ("#8a1111", "#fdecec", 4.5),
            ("#0d5417", "#eaf6ec", 4.5),
            ("#1a1a1a", "#f0f0f0", 4.5),
            ("#b35c00", "#ffffff", 3.0),
        ] {
            assert!(
                STYLE.contains(text) && STYLE.contains(background),
                "{text} on {background}"
            );
            let ratio = contrast(text, background);
            assert!(ratio >= needed, "{text} on {background}: {ratio:.2}");
        }
    }

    #[test]
    fn escaping_forms_cookies_and_languages() {
        assert_eq!(
            escape(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        let fields = form("username=%3Cb%3E+x&password=a%26b&bad=%zz&empty=");
        assert_eq!(fields["username"].as_str(), "<b> x");
        assert_eq!(fields["password"].as_str(), "a&b");
        assert_eq!(fields["bad"].as_str(), "%zz");
        assert_eq!(fields["empty"].as_str(), "");
        assert_eq!(cookie(Some("a=1; ov_pre=abc; b=2"), "ov_pre"), Some("abc"));
        assert_eq!(cookie(Some("xov_pre=abc"), "ov_pre"), None);
        assert!(lang(None) == Lang::It);
        assert!(lang(Some("en-US,en;q=0.9,it;q=0.8")) == Lang::En);
        assert!(lang(Some("it-IT,it;q=0.9,en;q=0.8")) == Lang::It);
        assert!(lang(Some("de-DE,de;q=0.9")) == Lang::It);
    }
}
