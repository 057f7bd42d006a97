//! The agent: under the 5- and 10-minute policies, the first command that needs the PIN starts a
//! per-user, per-vault background process (`otpvault agent`, hidden) that holds the unlocked vault
//! for the policy's time and serves the next commands over a Unix socket, as `ssh-agent` and
//! `rbw-agent` do. Under `EveryCode` there is no agent. `--no-agent` / `OTPVAULT_NO_AGENT=1` turn
//! it off.
//!
//! - **Where**: `$OTPVAULT_AGENT_DIR`, else `$XDG_RUNTIME_DIR/otpvault`, else
//!   `/tmp/otpvault-agent-UID`; created 0700 and refused unless it is a directory owned by this user
//!   with no access for anyone else. The socket is `agent-HASH.sock` (SHA-256 of the vault's
//!   absolute path), mode 0600.
//! - **Who**: every connection's peer credentials (`SO_PEERCRED`) must carry this user's uid; any
//!   other peer is disconnected unanswered.
//! - **How long**: the agent locks, wipes and exits when the vault's session ends (the policy's
//!   time from the PIN), at `--agent-timeout` if that is sooner, on `otpvault lock`, on SIGTERM,
//!   SIGINT or SIGHUP, and when the vault file changes under it (another process wrote to it, or
//!   the file was replaced or removed). Every change it makes is committed to the file at once,
//!   so killing it loses nothing.
//! - **What**: one JSON request per connection, one JSON answer (`{"ok": …}` or `{"error": {code,
//!   kind, message}}`), in the same shapes as `--json`. A token to add travels as its canonical
//!   URI in a zeroizing buffer. `import`, `restore` and `activate` travel the same way: the client
//!   reads (and decrypts) the file or runs the exchange, then hands the agent the entries, each
//!   token as its canonical URI, so the write is the agent's own and its session goes on. Requests
//!   are read into buffers that wipe every copy they leave behind, and parsed into JSON trees
//!   whose strings are wiped (`SecretJson`).

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::net::{UnixListener, UnixStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use otpvault_core::activation::Activated;
use otpvault_core::crypto::secret_json::{SecretJson, WipingBuffer};
use otpvault_core::import::{Candidate, ImportFormat, ImportReport, ReadFile, SkipReason};
use otpvault_core::{OpenOptions, Pin, TokenInfo, UnlockPolicy, Vault, uri};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::failure::{EXIT_VAULT, Failure, Outcome};
use crate::render::{Code, code_from_json, code_json, token_from_json, token_json};

/// Largest answer line accepted.
const MAX_LINE: u64 = 1 << 20;
/// Largest request accepted (an import's entries: the largest export file read, and then some).
const MAX_REQUEST: usize = 2 * otpvault_core::import::MAX_IMPORT_BYTES;

fn my_uid() -> u32 {
    rustix::process::getuid().as_raw()
}

fn agent_failure(message: impl Into<String>) -> Failure {
    Failure::new(EXIT_VAULT, "agent", message)
}

/// The private directory that holds the agents' sockets.
pub fn socket_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("OTPVAULT_AGENT_DIR") {
        return PathBuf::from(dir);
    }
    if let Some(runtime) = std::env::var_os("XDG_RUNTIME_DIR") {
        let runtime = PathBuf::from(runtime);
        if runtime.is_dir() {
            return runtime.join("otpvault");
        }
    }
    std::env::temp_dir().join(format!("otpvault-agent-{}", my_uid()))
}

/// The socket of the agent for `vault` (one agent per vault file).
pub fn socket_path(vault: &Path) -> PathBuf {
    let absolute = std::path::absolute(vault).unwrap_or_else(|_| vault.to_owned());
    let digest = Sha256::digest(absolute.as_os_str().as_encoded_bytes());
    let name: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    socket_dir().join(format!("agent-{name}.sock"))
}

/// Creates the socket directory (0700) or checks that the existing one is private and ours.
fn private_dir() -> Outcome<PathBuf> {
    let dir = socket_dir();
    if !dir.exists() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&dir).map_err(|e| {
            agent_failure(format!("cannot create the agent directory: {}", e.kind()))
        })?;
    }
    let meta = std::fs::symlink_metadata(&dir)
        .map_err(|e| agent_failure(format!("cannot read the agent directory: {}", e.kind())))?;
    if !meta.is_dir() || meta.uid() != my_uid() || meta.mode() & 0o077 != 0 {
        return Err(agent_failure(format!(
            "the agent directory {} is not a private directory of this user (mode 0700): fix or remove it, or use --no-agent",
            dir.display()
        )));
    }
    Ok(dir)
}

/// Why the socket at `socket` cannot be this user's agent, if it cannot: its directory must be
/// a real directory (not a link) owned by this user with mode 0700, and the socket a socket
/// owned by this user. Checked before a byte is sent: another local user who made the directory
/// first (`/tmp/otpvault-agent-UID` when `XDG_RUNTIME_DIR` is unset) would otherwise receive
/// URIs and answer with codes of their choosing.
fn untrusted(socket: &Path) -> Option<String> {
    use std::os::unix::fs::FileTypeExt;
    let dir = socket.parent().unwrap_or_else(|| Path::new("/"));
    let me = my_uid();
    let reason = match std::fs::symlink_metadata(dir) {
        Err(err) => Some(format!("its directory cannot be read ({})", err.kind())),
        Ok(meta) if meta.file_type().is_symlink() => {
            Some("its directory is a symbolic link".into())
        }
        Ok(meta) if !meta.is_dir() => Some("its directory is not a directory".into()),
        Ok(meta) if meta.uid() != me => {
            Some(format!("its directory belongs to uid {}", meta.uid()))
        }
        Ok(meta) if meta.mode() & 0o077 != 0 => Some(format!(
            "its directory has mode {:o}, not 700",
            meta.mode() & 0o777
        )),
        Ok(_) => None,
    };
    reason.or_else(|| match std::fs::symlink_metadata(socket) {
        Err(err) => Some(format!("it cannot be read ({})", err.kind())),
        Ok(meta) if !meta.file_type().is_socket() => Some("it is not a socket".into()),
        Ok(meta) if meta.uid() != me => Some(format!("it belongs to uid {}", meta.uid())),
        Ok(_) => None,
    })
}

/// A connection to a running agent.
pub struct Client {
    socket: PathBuf,
}

impl Client {
    /// Reaches the agent for `vault`, if one is running, serves it, and is this user's (else the
    /// command runs without it, and says why, naming the path).
    pub fn connect(vault: &Path) -> Outcome<Option<Client>> {
        let socket = socket_path(vault);
        if std::fs::symlink_metadata(&socket).is_err() {
            return Ok(None);
        }
        if let Some(reason) = untrusted(&socket) {
            crate::input::tell(&format!(
                "Not using the agent at {}: {reason}. Running without it.",
                socket.display()
            ));
            return Ok(None);
        }
        let client = Client { socket };
        match client.request_value(&json!({"op": "hello"})) {
            Ok(_) => Ok(Some(client)),
            Err(failure) if failure.kind == "agent_gone" => Ok(None),
            Err(failure) if failure.kind == "agent_untrusted" => {
                crate::input::tell(&format!("{}. Running without it.", failure.message));
                Ok(None)
            }
            Err(failure) => Err(failure),
        }
    }

    fn exchange(&self, line: &[u8]) -> Outcome<Value> {
        if std::fs::symlink_metadata(&self.socket).is_err() {
            // Removed by an agent that stopped (`lock`, its timeout, a changed vault file).
            return Err(Failure::new(EXIT_VAULT, "agent_gone", "the agent is gone"));
        }
        if let Some(reason) = untrusted(&self.socket) {
            return Err(Failure::new(
                EXIT_VAULT,
                "agent_untrusted",
                format!("Not using the agent at {}: {reason}", self.socket.display()),
            ));
        }
        let mut stream = match UnixStream::connect(&self.socket) {
            Ok(stream) => stream,
            // A socket left by an agent that died, or one being torn down.
            Err(_) => return Err(Failure::new(EXIT_VAULT, "agent_gone", "the agent is gone")),
        };
        // The process answering must be this user's (SO_PEERCRED), before anything is sent.
        if !peer_is_me(&stream) {
            return Err(Failure::new(
                EXIT_VAULT,
                "agent_untrusted",
                format!(
                    "Not using the agent at {}: the process answering belongs to another user",
                    self.socket.display()
                ),
            ));
        }
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        let mut answer = Zeroizing::new(String::new());
        // An agent that refuses the peer closes the connection unanswered: the write or the read
        // then fails or returns nothing.
        let exchanged = stream
            .write_all(line)
            .and_then(|()| stream.write_all(b"\n"))
            .and_then(|()| BufReader::new(stream.take(MAX_LINE)).read_line(&mut answer));
        if exchanged.is_err() || answer.is_empty() {
            // An agent whose session just ended closes unanswered too, on its way out: if it is
            // gone a moment later, say so (callers fall back to the PIN) rather than blame the user.
            std::thread::sleep(Duration::from_millis(100));
            if !self.socket.exists() || UnixStream::connect(&self.socket).is_err() {
                return Err(Failure::new(EXIT_VAULT, "agent_gone", "the agent is gone"));
            }
            return Err(agent_failure(format!(
                "the agent at {} refused this connection (it serves another user)",
                self.socket.display()
            )));
        }
        let value: Value = serde_json::from_str(&answer)
            .map_err(|_| agent_failure("the agent sent an unreadable answer"))?;
        if let Some(error) = value.get("error") {
            return Err(Failure::new(
                error["code"]
                    .as_u64()
                    .and_then(|c| u8::try_from(c).ok())
                    .unwrap_or(EXIT_VAULT),
                match error["kind"].as_str() {
                    Some("locked") => "locked",
                    Some("wrong_pin") => "wrong_pin",
                    Some("not_found") => "not_found",
                    Some("not_counter_based") => "not_counter_based",
                    Some("not_time_based") => "not_time_based",
                    Some("invalid_token") => "invalid_token",
                    Some("storage") => "storage",
                    Some("corrupted") => "corrupted",
                    _ => "agent",
                },
                error["message"]
                    .as_str()
                    .unwrap_or("agent error")
                    .to_owned(),
            ));
        }
        Ok(value["ok"].clone())
    }

    fn request_value(&self, request: &Value) -> Outcome<Value> {
        self.exchange(request.to_string().as_bytes())
    }

    fn bad_answer() -> Failure {
        agent_failure("the agent sent an unexpected answer")
    }

    /// The tokens.
    pub fn list(&self) -> Outcome<Vec<TokenInfo>> {
        let answer = self.request_value(&json!({"op": "list"}))?;
        answer
            .as_array()
            .ok_or_else(Self::bad_answer)?
            .iter()
            .map(|t| token_from_json(t).ok_or_else(Self::bad_answer))
            .collect()
    }

    /// Every token with its current code (`None` for HOTP) at `at`.
    pub fn entries(&self, at: u64) -> Outcome<Vec<(TokenInfo, Option<Code>)>> {
        let answer = self.request_value(&json!({"op": "entries", "at": at}))?;
        answer
            .as_array()
            .ok_or_else(Self::bad_answer)?
            .iter()
            .map(|row| {
                let token = token_from_json(&row["token"]).ok_or_else(Self::bad_answer)?;
                let code = match &row["code"] {
                    Value::Null => None,
                    code => Some(code_from_json(code).ok_or_else(Self::bad_answer)?),
                };
                Ok((token, code))
            })
            .collect()
    }

    /// The code of a time-based token at `at`.
    pub fn code(&self, id: i64, at: u64) -> Outcome<Code> {
        let answer = self.request_value(&json!({"op": "code", "id": id, "at": at}))?;
        code_from_json(&answer).ok_or_else(Self::bad_answer)
    }

    /// Draws an HOTP code: (code, counter used).
    pub fn next_hotp(&self, id: i64) -> Outcome<(String, u64)> {
        let answer = self.request_value(&json!({"op": "next_hotp", "id": id}))?;
        Ok((
            answer["code"]
                .as_str()
                .ok_or_else(Self::bad_answer)?
                .to_owned(),
            answer["counter"].as_u64().ok_or_else(Self::bad_answer)?,
        ))
    }

    /// Adds a token (sent as its canonical URI, in a zeroizing buffer): the token, and the ids of
    /// those that share its secret under other names.
    pub fn add(&self, token: &otpvault_core::Token) -> Outcome<(TokenInfo, Vec<i64>)> {
        let uri = uri::build(token);
        // Canonical URIs are percent-encoded ASCII: no quote or backslash to escape.
        let mut line = Zeroizing::new(String::with_capacity(uri.len() + 32));
        line.push_str(r#"{"op":"add","uri":""#);
        line.push_str(&uri);
        line.push_str(r#""}"#);
        let answer = self.exchange(line.as_bytes())?;
        let shares = answer["shares_secret_with"]
            .as_array()
            .ok_or_else(Self::bad_answer)?
            .iter()
            .map(|id| id.as_i64().ok_or_else(Self::bad_answer))
            .collect::<Outcome<_>>()?;
        Ok((
            token_from_json(&answer["token"]).ok_or_else(Self::bad_answer)?,
            shares,
        ))
    }

    /// Renames a token.
    pub fn rename(&self, id: i64, issuer: &str, account: &str) -> Outcome<TokenInfo> {
        let answer = self.request_value(
            &json!({"op": "rename", "id": id, "issuer": issuer, "account": account}),
        )?;
        token_from_json(&answer).ok_or_else(Self::bad_answer)
    }

    /// Changes a token's groups, note or favourite mark.
    pub fn edit_details(&self, id: i64, edit: &crate::access::DetailsEdit) -> Outcome<TokenInfo> {
        use crate::access::DetailsEdit;
        let request = match edit {
            DetailsEdit::Groups(groups) => json!({"op": "details", "id": id, "groups": groups}),
            DetailsEdit::Note(note) => json!({"op": "details", "id": id, "note": note}),
            DetailsEdit::Favourite(on) => json!({"op": "details", "id": id, "favourite": on}),
        };
        let answer = self.request_value(&request)?;
        token_from_json(&answer).ok_or_else(Self::bad_answer)
    }

    /// Removes a token.
    pub fn remove(&self, id: i64) -> Outcome {
        self.request_value(&json!({"op": "remove", "id": id}))
            .map(|_| ())
    }

    /// Reads (and with `set`, first changes) the time offset.
    pub fn time_offset(&self, set: Option<i64>) -> Outcome<i64> {
        let answer = self.request_value(&json!({"op": "time_offset", "set": set}))?;
        answer.as_i64().ok_or_else(Self::bad_answer)
    }

    /// The vault's policy.
    pub fn policy(&self) -> Outcome<UnlockPolicy> {
        let answer = self.request_value(&json!({"op": "hello"}))?;
        match answer["policy"].as_str() {
            Some("5m") => Ok(UnlockPolicy::FiveMinutes),
            Some("10m") => Ok(UnlockPolicy::TenMinutes),
            _ => Err(Self::bad_answer()),
        }
    }

    /// Seconds until the agent locks.
    pub fn seconds_left(&self) -> Outcome<u64> {
        let answer = self.request_value(&json!({"op": "hello"}))?;
        answer["seconds_left"].as_u64().ok_or_else(Self::bad_answer)
    }

    /// Imports (or with `dry_run` previews) a file this command read: the agent writes it in
    /// its own session, which goes on.
    pub fn import(&self, read: &ReadFile, dry_run: bool) -> Outcome<ImportReport> {
        let request = read_file_request("import", read, dry_run);
        let answer = self.exchange(request.text().map_err(|_| Self::bad_answer())?.as_bytes())?;
        crate::render::import_report_from_json(&answer).ok_or_else(Self::bad_answer)
    }

    /// Restores a backup this command read, in the agent's session. Refused with kind `locked`
    /// when the backup would change the policy: that takes the PIN.
    pub fn restore(&self, read: &ReadFile) -> Outcome<ImportReport> {
        let request = read_file_request("restore", read, false);
        let answer = self.exchange(request.text().map_err(|_| Self::bad_answer())?.as_bytes())?;
        crate::render::import_report_from_json(&answer).ok_or_else(Self::bad_answer)
    }

    /// Stores an activated token (with its clock correction) and returns it with its first code.
    pub fn activate(&self, activated: &Activated) -> Outcome<(TokenInfo, Code)> {
        let request = SecretJson::new(json!({
            "op": "activate",
            "uri": uri::build(&activated.token).as_str(),
            "clock_offset": activated.clock_offset,
        }));
        let answer = self.exchange(request.text().map_err(|_| Self::bad_answer())?.as_bytes())?;
        Ok((
            token_from_json(&answer["token"]).ok_or_else(Self::bad_answer)?,
            code_from_json(&answer["code"]).ok_or_else(Self::bad_answer)?,
        ))
    }

    /// Tells the agent to lock, wipe and exit.
    pub fn lock(&self) -> Outcome {
        self.request_value(&json!({"op": "lock"})).map(|_| ())
    }
}

/// `{"op", "dry_run", "format", "settings", "entries": [{"issuer", "account", "uri" | "skip",
/// "groups", "note", "favourite", "icon"}]}`: a file read by the client, each token as its
/// canonical URI with what was organised about it.
fn read_file_request(op: &str, read: &ReadFile, dry_run: bool) -> SecretJson {
    let entries: Vec<Value> = read
        .candidates
        .iter()
        .map(|c| match &c.token {
            Ok(token) => {
                let mut entry = json!({
                    "issuer": c.issuer,
                    "account": c.account,
                    "uri": uri::build(token).as_str(),
                });
                otpvault_core::details::write_json(&c.details, &mut entry);
                entry["notes"] = c
                    .notes
                    .iter()
                    .map(|note| crate::render::import_note_json(*note))
                    .collect();
                entry
            }
            Err(reason) => json!({
                "issuer": c.issuer,
                "account": c.account,
                "skip": reason.name(),
            }),
        })
        .collect();
    SecretJson::new(json!({
        "op": op,
        "dry_run": dry_run,
        "format": read.format.name(),
        "settings": read.settings.map(|s| json!({
            "time_offset": s.time_offset,
            "policy": crate::render::policy_name(s.policy),
        })),
        "entries": entries,
    }))
}

/// Reads back what [`read_file_request`] wrote.
fn read_file_from_request(request: &Value) -> Outcome<ReadFile> {
    let bad = || Failure::invalid("bad request");
    let format =
        ImportFormat::from_name(request["format"].as_str().ok_or_else(bad)?).ok_or_else(bad)?;
    let settings = match &request["settings"] {
        Value::Null => None,
        settings => Some(otpvault_core::backup::BackupSettings {
            time_offset: settings["time_offset"].as_i64().ok_or_else(bad)?,
            policy: match settings["policy"].as_str() {
                Some("every-code") => UnlockPolicy::EveryCode,
                Some("5m") => UnlockPolicy::FiveMinutes,
                Some("10m") => UnlockPolicy::TenMinutes,
                _ => return Err(bad()),
            },
        }),
    };
    let candidates = request["entries"]
        .as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|entry| {
            let token = match (entry["uri"].as_str(), entry["skip"].as_str()) {
                (Some(text), None) => Ok(uri::parse(text)?),
                (None, Some(reason)) => Err(SkipReason::from_name(reason).ok_or_else(bad)?),
                _ => return Err(bad()),
            };
            Ok(Candidate {
                issuer: entry["issuer"].as_str().ok_or_else(bad)?.to_owned(),
                account: entry["account"].as_str().ok_or_else(bad)?.to_owned(),
                token,
                details: otpvault_core::details::read_json(entry),
                notes: entry["notes"]
                    .as_array()
                    .map(|notes| {
                        notes
                            .iter()
                            .filter_map(crate::render::import_note_from_json)
                            .collect()
                    })
                    .unwrap_or_default(),
            })
        })
        .collect::<Outcome<Vec<_>>>()?;
    Ok(ReadFile {
        format,
        candidates,
        settings,
    })
}

/// Reads one request line (without its newline) into a buffer that wipes every copy it leaves
/// behind; `None` when the peer sent nothing, or more than [`MAX_REQUEST`].
fn read_request(stream: &mut impl Read) -> Option<Zeroizing<Vec<u8>>> {
    let mut out = WipingBuffer::default();
    let mut chunk = Zeroizing::new([0u8; 8192]);
    loop {
        let n = stream.read(&mut chunk[..]).ok()?;
        if n == 0 {
            break;
        }
        let end = chunk[..n].iter().position(|&b| b == b'\n');
        out.write_all(&chunk[..end.unwrap_or(n)]).ok()?;
        if out.len() > MAX_REQUEST {
            return None;
        }
        if end.is_some() {
            break;
        }
    }
    (!out.is_empty()).then(|| out.into_bytes())
}

/// An agent being started: its first line says whether it is ready.
pub struct Starting {
    child: Child,
}

impl Starting {
    /// Waits (at most the agent's own unlock) for it to be ready or to give up.
    pub fn wait_ready(mut self) {
        if let Some(out) = self.child.stdout.take() {
            let mut line = String::new();
            let _ = BufReader::new(out).read_line(&mut line);
        }
    }
}

/// Starts an agent for `vault` and hands it the PIN through a pipe (never argv or the
/// environment). It unlocks on its own; [`Starting::wait_ready`] waits for that.
pub fn spawn(vault: &Path, pin: &str, timeout: Option<u64>) -> Outcome<Starting> {
    private_dir()?;
    let exe = std::env::current_exe()?;
    let mut command = Command::new(exe);
    command
        .arg("--vault")
        .arg(vault)
        .arg("agent")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        // Its own process group: Ctrl-C in the terminal that started it does not reach it.
        .process_group(0);
    if let Some(seconds) = timeout {
        command.arg("--timeout").arg(seconds.to_string());
    }
    let mut child = command.spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        let mut line = Zeroizing::new(String::with_capacity(pin.len() + 1));
        line.push_str(pin);
        line.push('\n');
        stdin.write_all(line.as_bytes())?;
    }
    Ok(Starting { child })
}

/// The vault file's identity: the agent stops when it is replaced or removed.
fn file_identity(path: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

fn peer_is_me(stream: &UnixStream) -> bool {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        rustix::net::sockopt::socket_peercred(stream)
            .is_ok_and(|cred| cred.uid.as_raw() == my_uid())
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        // No SO_PEERCRED here: the 0700 directory is the only gate.
        let _ = stream;
        true
    }
}

struct Server {
    vault: Vault,
    policy: UnlockPolicy,
    /// When `--agent-timeout` ends the session, if it does before the policy.
    deadline: Option<Instant>,
    /// Set when the agent should stop (a signal, `lock`, or a reason found while serving).
    stop: Arc<AtomicBool>,
}

fn error_json(failure: &Failure) -> Value {
    json!({"error": {"code": failure.code, "kind": failure.kind, "message": failure.message}})
}

impl Server {
    fn answer(&self, line: &str) -> Outcome<Value> {
        // `add` carries a secret: read by hand from the zeroizing line, never into a Value.
        if let Some(rest) = line.strip_prefix(r#"{"op":"add","uri":""#) {
            let text = rest
                .strip_suffix(r#""}"#)
                .ok_or_else(|| Failure::invalid("bad request"))?;
            let token = uri::parse(text)?;
            let (info, shares) = self.vault.add_token_noting(None, token)?;
            return Ok(json!({"token": token_json(&info), "shares_secret_with": shares}));
        }
        let request = SecretJson::parse(line).map_err(|_| Failure::invalid("bad request"))?;
        let id = || {
            request["id"]
                .as_i64()
                .ok_or_else(|| Failure::invalid("bad request"))
        };
        let vault = &self.vault;
        Ok(match request["op"].as_str().unwrap_or_default() {
            "hello" => {
                let by_policy = vault.status().session_seconds_left;
                let by_timeout = self.deadline.map(|d| {
                    d.saturating_duration_since(Instant::now())
                        .as_millis()
                        .div_ceil(1000) as u64
                });
                let seconds_left = match (by_policy, by_timeout) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                json!({
                    "vault": vault.path(),
                    "policy": crate::render::policy_name(self.policy),
                    "seconds_left": seconds_left,
                })
            }
            "list" => Value::Array(vault.list(None)?.iter().map(token_json).collect()),
            "entries" => {
                let at = request["at"]
                    .as_u64()
                    .ok_or_else(|| Failure::invalid("bad request"))?;
                Value::Array(
                    vault
                        .entries(None, at)?
                        .iter()
                        .map(|e| {
                            json!({
                                "token": token_json(&e.info),
                                "code": e.code.as_ref().map(|c| code_json(&Code::from(c))),
                            })
                        })
                        .collect(),
                )
            }
            "code" => {
                let at = request["at"]
                    .as_u64()
                    .ok_or_else(|| Failure::invalid("bad request"))?;
                code_json(&Code::from(vault.code(None, id()?, at)?))
            }
            "next_hotp" => {
                let code = vault.next_hotp(None, id()?)?;
                json!({"code": code.value, "counter": code.counter})
            }
            "rename" => {
                let issuer = request["issuer"].as_str().unwrap_or_default();
                let account = request["account"].as_str().unwrap_or_default();
                token_json(&vault.rename(None, id()?, issuer, account)?)
            }
            "remove" => {
                vault.remove(None, id()?)?;
                Value::Null
            }
            "details" => {
                let id = id()?;
                let info = if let Some(groups) = request["groups"].as_array() {
                    let groups: Vec<&str> = groups.iter().filter_map(Value::as_str).collect();
                    vault.set_groups(None, id, &groups)?
                } else if let Some(note) = request["note"].as_str() {
                    vault.set_note(None, id, note)?
                } else if let Some(on) = request["favourite"].as_bool() {
                    vault.set_favourite(None, id, on)?
                } else {
                    return Err(Failure::invalid("bad request"));
                };
                token_json(&info)
            }
            "time_offset" => {
                if let Some(seconds) = request["set"].as_i64() {
                    vault.set_time_offset(None, seconds)?;
                }
                json!(vault.time_offset(None)?)
            }
            "import" => {
                let read = read_file_from_request(&request)?;
                let dry_run = request["dry_run"].as_bool().unwrap_or(true);
                let report = if dry_run {
                    vault.preview_read(None, &read)?
                } else {
                    vault.import_read(None, read)?
                };
                crate::render::import_report_json(&report)
            }
            "restore" => {
                let read = read_file_from_request(&request)?;
                crate::render::import_report_json(&vault.restore_read(None, read)?)
            }
            "activate" => {
                let text = request["uri"]
                    .as_str()
                    .ok_or_else(|| Failure::invalid("bad request"))?;
                let activated = Activated {
                    token: uri::parse(text)?,
                    clock_offset: request["clock_offset"]
                        .as_i64()
                        .ok_or_else(|| Failure::invalid("bad request"))?,
                    round_trip_millis: 0,
                    credential_id: String::new(),
                };
                let info = vault.activate(None, activated)?;
                let code = vault.code(None, info.id, crate::context::now())?;
                json!({"token": token_json(&info), "code": code_json(&Code::from(&code))})
            }
            "lock" => {
                self.stop.store(true, Ordering::SeqCst);
                Value::Null
            }
            _ => return Err(Failure::invalid("unknown request")),
        })
    }

    fn serve_one(&self, stream: UnixStream) {
        if !peer_is_me(&stream) {
            return; // Dropped unanswered.
        }
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        let mut stream = stream;
        let Some(bytes) = read_request(&mut stream) else {
            return;
        };
        let Ok(line) = std::str::from_utf8(&bytes) else {
            return;
        };
        let answer = match self.answer(line.trim_end()) {
            Ok(value) => json!({"ok": value}),
            Err(failure) => error_json(&failure),
        };
        let _ = writeln!(stream, "{answer}");
    }
}

/// `otpvault agent` (started by [`spawn`]): reads the PIN from standard input, unlocks, then
/// serves until the session ends. Its first line on standard output is `ready`, `every-code`,
/// `running` (another agent serves this vault) or `error KIND`.
pub fn serve(vault_path: &Path, timeout: Option<u64>) -> Outcome {
    let mut out = std::io::stdout();
    let say = |out: &mut std::io::Stdout, what: &str| {
        let _ = writeln!(out, "{what}");
        let _ = out.flush();
    };
    let result = (|| {
        let mut line = Zeroizing::new(String::new());
        std::io::stdin().lock().read_line(&mut line)?;
        let pin = Pin::new(line.trim_end())?;
        let vault = Vault::open(vault_path, OpenOptions::default())?;
        let info = vault.unlock(&pin)?;
        drop(pin);
        Ok::<_, Failure>((vault, info.policy))
    })();
    let (vault, policy) = match result {
        Ok(opened) => opened,
        Err(failure) => {
            say(&mut out, &format!("error {}", failure.kind));
            return Err(failure);
        }
    };
    if policy == UnlockPolicy::EveryCode {
        say(&mut out, "every-code");
        return Ok(());
    }
    let dir = private_dir()?;
    let socket = socket_path(vault_path);
    if UnixStream::connect(&socket).is_ok() {
        say(&mut out, "running");
        return Ok(());
    }
    let _ = std::fs::remove_file(&socket);
    let listener = UnixListener::bind(&socket)
        .map_err(|e| agent_failure(format!("cannot listen: {}", e.kind())))?;
    std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o600))?;
    let socket_id = file_identity(&socket);
    listener.set_nonblocking(true)?;
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGHUP,
    ] {
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .map_err(|e| agent_failure(format!("cannot handle signals: {}", e.kind())))?;
    }
    let deadline = timeout.map(|seconds| Instant::now() + Duration::from_secs(seconds));
    let server = Server {
        vault,
        policy,
        deadline,
        stop,
    };
    let vault_id = file_identity(vault_path);
    let changes = server.vault.external_changes()?;
    say(&mut out, "ready");
    let _ = dir;
    loop {
        if server.stop.load(Ordering::SeqCst)
            || !server.vault.status().unlocked
            || deadline.is_some_and(|d| Instant::now() >= d)
            || file_identity(vault_path) != vault_id
            || server.vault.external_changes().ok() != Some(changes)
            || file_identity(&socket) != socket_id
        {
            break;
        }
        match listener.accept() {
            Ok((stream, _)) => {
                let _ = stream.set_nonblocking(false);
                server.serve_one(stream);
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    // Lock and wipe, then remove our socket (only if it is still ours).
    server.vault.lock();
    if file_identity(&socket) == socket_id {
        let _ = std::fs::remove_file(&socket);
    }
    drop(server);
    Ok(())
}
