//! The issuer's storage: one interface, two engines.
//!
//! - **SQLite** ([`Target::Sqlite`]) is the embedded default: one file, no set-up, WAL journal
//!   with full sync, writers serialised by `BEGIN IMMEDIATE`.
//! - **PostgreSQL** ([`Target::Postgres`], `postgres://…`) is for a portal that runs several
//!   issuer nodes: every node opens its own connections to one database, and the database is
//!   the one truth. Transactions run at `SERIALIZABLE` and are re-run on a serialisation failure
//!   or a deadlock, so a read-then-write transaction behaves as it does on SQLite.
//!
//! The issuer's logic is written once against [`Sql`]: statements use `?N` parameters (rewritten
//! to `$N` for PostgreSQL), values travel as [`Value`], rows come back as [`Row`]. The hot path of
//! verification is made of single statements (an `UPDATE … RETURNING`, a compare-and-swap) that
//! are atomic on their own in both engines, so it needs no transaction at all.
//!
//! Both engines carry the same schema, migrated by numbered forward migrations in [`crate::store`].

use postgres::error::SqlState;
use postgres::types::{ToSql, Type};
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;
use zeroize::Zeroize;

/// Where the issuer keeps its state.
#[derive(Clone, PartialEq, Eq)]
pub enum Target {
    /// An SQLite file (created on first use).
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL (`postgres://user:password@host/db`, or a Unix socket as
    /// `postgresql://user@%2Frun%2Fpostgresql/db`).
    Postgres(String),
}

impl Target {
    /// `postgres://…` or `postgresql://…` is a PostgreSQL server; anything else is a file path.
    pub fn parse(text: &str) -> Self {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            Self::Postgres(text.to_owned())
        } else {
            Self::Sqlite(PathBuf::from(text))
        }
    }

    /// The engine's name, as metrics and logs show it.
    pub fn engine(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }
}

/// Shows the target without a password a URL may carry.
impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(path) => write!(f, "{}", path.display()),
            Self::Postgres(url) => f.write_str(&redact_url(url)),
        }
    }
}

/// Same as [`Display`](fmt::Display): never the password.
impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// `scheme://user:secret@host/…` → `scheme://user:***@host/…`, and `password=` parameters hidden.
fn redact_url(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    let authority = match authority.rsplit_once('@') {
        Some((user, host)) => match user.split_once(':') {
            Some((name, _)) => format!("{name}:***@{host}"),
            None => authority.to_owned(),
        },
        None => authority.to_owned(),
    };
    let tail = tail
        .split('&')
        .map(|part| {
            let lower = part.to_ascii_lowercase();
            match lower.find("password=") {
                Some(at) if at == 0 || lower[..at].ends_with('?') => {
                    format!("{}password=***", &part[..at])
                }
                _ => part.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join("&");
    format!("{scheme}://{authority}{tail}")
}

impl From<&Path> for Target {
    fn from(path: &Path) -> Self {
        Self::Sqlite(path.to_path_buf())
    }
}

impl From<PathBuf> for Target {
    fn from(path: PathBuf) -> Self {
        Self::Sqlite(path)
    }
}

impl From<&PathBuf> for Target {
    fn from(path: &PathBuf) -> Self {
        Self::Sqlite(path.clone())
    }
}

impl From<&Target> for Target {
    fn from(target: &Target) -> Self {
        target.clone()
    }
}

/// Why a statement failed. Messages carry the engine's error text, never a bound value.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// SQLite refused.
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL refused (SQLSTATE and the primary message only: details can quote values).
    #[error("PostgreSQL: {0}")]
    Postgres(String),
    /// A statement that must return a row returned none.
    #[error("no row")]
    NoRow,
    /// A column did not have the type the issuer expects.
    #[error("column {0} has an unexpected type")]
    Column(usize),
}

impl From<postgres::Error> for DbError {
    fn from(err: postgres::Error) -> Self {
        Self::Postgres(match err.as_db_error() {
            Some(db) => format!("{} ({})", db.message(), db.code().code()),
            None if err.is_closed() => "the connection is closed".to_owned(),
            None => "the connection failed".to_owned(),
        })
    }
}

/// A value bound to a statement or read from a row. Text and bytes are wiped when dropped: they
/// carry secrets, codes and hashes.
#[derive(Clone, PartialEq, Eq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A 64-bit integer (booleans are 0/1).
    Int(i64),
    /// UTF-8 text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

impl Drop for Value {
    fn drop(&mut self) {
        match self {
            Self::Text(text) => text.zeroize(),
            Self::Blob(bytes) => bytes.zeroize(),
            Self::Null | Self::Int(_) => {}
        }
    }
}

/// Never the contents.
impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Null => "Null",
            Self::Int(_) => "Int(..)",
            Self::Text(_) => "Text(..)",
            Self::Blob(_) => "Blob(..)",
        })
    }
}

impl From<i64> for Value {
    fn from(value: i64) -> Self {
        Self::Int(value)
    }
}

impl From<u32> for Value {
    fn from(value: u32) -> Self {
        Self::Int(i64::from(value))
    }
}

impl From<u8> for Value {
    fn from(value: u8) -> Self {
        Self::Int(i64::from(value))
    }
}

impl From<bool> for Value {
    fn from(value: bool) -> Self {
        Self::Int(i64::from(value))
    }
}

impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Self::Text(value.to_owned())
    }
}

impl From<&String> for Value {
    fn from(value: &String) -> Self {
        Self::Text(value.clone())
    }
}

impl From<String> for Value {
    fn from(value: String) -> Self {
        Self::Text(value)
    }
}

impl From<&[u8]> for Value {
    fn from(value: &[u8]) -> Self {
        Self::Blob(value.to_vec())
    }
}

impl From<&Vec<u8>> for Value {
    fn from(value: &Vec<u8>) -> Self {
        Self::Blob(value.clone())
    }
}

impl From<Option<String>> for Value {
    fn from(value: Option<String>) -> Self {
        value.map_or(Self::Null, Self::Text)
    }
}

impl From<Option<Vec<u8>>> for Value {
    fn from(value: Option<Vec<u8>>) -> Self {
        value.map_or(Self::Null, Self::Blob)
    }
}

impl From<Option<i64>> for Value {
    fn from(value: Option<i64>) -> Self {
        value.map_or(Self::Null, Self::Int)
    }
}

/// Builds a `&[Value]` from anything with a `From` conversion: `args![name, now, secret]`.
#[macro_export]
macro_rules! args {
    ($($value:expr),* $(,)?) => {
        &[$($crate::db::Value::from($value)),*][..]
    };
}

/// One row of a result.
#[derive(Debug)]
pub struct Row(Vec<Value>);

impl Row {
    fn value(&self, index: usize) -> Result<&Value, DbError> {
        self.0.get(index).ok_or(DbError::Column(index))
    }

    /// An integer column.
    pub fn int(&self, index: usize) -> Result<i64, DbError> {
        self.opt_int(index)?.ok_or(DbError::Column(index))
    }

    /// An integer column that may be NULL.
    pub fn opt_int(&self, index: usize) -> Result<Option<i64>, DbError> {
        match self.value(index)? {
            Value::Null => Ok(None),
            Value::Int(value) => Ok(Some(*value)),
            _ => Err(DbError::Column(index)),
        }
    }

    /// A non-negative integer column that fits `T` (`u32`, `u8`, …).
    pub fn uint<T: TryFrom<i64>>(&self, index: usize) -> Result<T, DbError> {
        T::try_from(self.int(index)?).map_err(|_| DbError::Column(index))
    }

    /// A text column.
    pub fn text(&self, index: usize) -> Result<String, DbError> {
        self.opt_text(index)?.ok_or(DbError::Column(index))
    }

    /// A text column that may be NULL.
    pub fn opt_text(&self, index: usize) -> Result<Option<String>, DbError> {
        match self.value(index)? {
            Value::Null => Ok(None),
            Value::Text(text) => Ok(Some(text.clone())),
            _ => Err(DbError::Column(index)),
        }
    }

    /// A bytes column (the caller wraps secrets in `Zeroizing`).
    pub fn blob(&self, index: usize) -> Result<Vec<u8>, DbError> {
        self.opt_blob(index)?.ok_or(DbError::Column(index))
    }

    /// A bytes column that may be NULL.
    pub fn opt_blob(&self, index: usize) -> Result<Option<Vec<u8>>, DbError> {
        match self.value(index)? {
            Value::Null => Ok(None),
            Value::Blob(bytes) => Ok(Some(bytes.clone())),
            _ => Err(DbError::Column(index)),
        }
    }
}

/// What both a connection (each statement on its own) and a transaction can run.
pub trait Sql {
    /// Runs a statement; the number of rows it changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError>;
    /// The first row of a query, if any.
    fn query_opt(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>, DbError>;
    /// The first row of a query, which must exist.
    fn query_one(&mut self, sql: &str, params: &[Value]) -> Result<Row, DbError> {
        self.query_opt(sql, params)?.ok_or(DbError::NoRow)
    }
    /// Every row of a query (keep it bounded with `LIMIT`).
    fn query_all(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError>;
}

/// A connection to either engine.
pub struct Db {
    engine: Engine,
}

enum Engine {
    /// The connection, and the gate its writers share in this process.
    Sqlite(rusqlite::Connection, Arc<Mutex<()>>),
    Postgres(Box<Pg>),
}

struct Pg {
    url: String,
    client: Option<postgres::Client>,
    statements: HashMap<String, postgres::Statement>,
}

/// Transactions re-run at most this many times after a serialisation failure.
const MAX_RETRIES: u32 = 64;

impl Db {
    /// Opens a connection (SQLite: creating the file; PostgreSQL: connecting). The schema is
    /// not touched: [`crate::store::migrate`] migrates.
    pub fn connect(target: &Target) -> Result<Self, DbError> {
        let engine = match target {
            Target::Sqlite(path) => Engine::Sqlite(crate::store::open_sqlite(path)?, gate(path)),
            Target::Postgres(url) => {
                let mut pg = Pg {
                    url: url.clone(),
                    client: None,
                    statements: HashMap::new(),
                };
                pg.client()?;
                Engine::Postgres(Box::new(pg))
            }
        };
        Ok(Self { engine })
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn engine(&self) -> &'static str {
        match self.engine {
            Engine::Sqlite(..) => "sqlite",
            Engine::Postgres(_) => "postgres",
        }
    }

    /// Runs `body` in a transaction that sees and leaves a consistent state, as if it ran alone:
    /// SQLite `BEGIN IMMEDIATE`; PostgreSQL `SERIALIZABLE`, re-run (up to 64 times, with a
    /// short random pause) when the database reports a serialisation failure or a deadlock, so
    /// `body` must be safe to run again. Committed when `body` returns `Ok`, rolled back on `Err`.
    pub fn transaction<T, E: From<DbError>>(
        &mut self,
        mut body: impl FnMut(&mut Tx<'_>) -> Result<T, E>,
    ) -> Result<T, E> {
        match &mut self.engine {
            Engine::Sqlite(conn, gate) => {
                let _turn = gate.lock().unwrap_or_else(PoisonError::into_inner);
                let tx = conn
                    .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                    .map_err(DbError::from)?;
                let mut tx = Tx {
                    inner: TxInner::Sqlite(tx),
                    conflict: false,
                };
                let out = body(&mut tx)?;
                let TxInner::Sqlite(tx) = tx.inner else {
                    unreachable!("an SQLite transaction stays one")
                };
                tx.commit().map_err(DbError::from)?;
                Ok(out)
            }
            Engine::Postgres(pg) => {
                let mut attempt = 0;
                loop {
                    attempt += 1;
                    pg.client()?;
                    let Pg {
                        client, statements, ..
                    } = &mut **pg;
                    let client = client
                        .as_mut()
                        .ok_or_else(|| DbError::Postgres("no connection".into()))?;
                    let tx = client
                        .build_transaction()
                        .isolation_level(postgres::IsolationLevel::Serializable)
                        .start()
                        .map_err(DbError::from)?;
                    let mut tx = Tx {
                        inner: TxInner::Postgres { tx, statements },
                        conflict: false,
                    };
                    let out = body(&mut tx);
                    let conflict = tx.conflict;
                    let TxInner::Postgres { tx, .. } = tx.inner else {
                        unreachable!("a PostgreSQL transaction stays one")
                    };
                    match out {
                        Ok(value) => match tx.commit() {
                            Ok(()) => return Ok(value),
                            Err(err) if is_conflict(&err) && attempt < MAX_RETRIES => {}
                            Err(err) => return Err(DbError::from(err).into()),
                        },
                        Err(err) if !conflict || attempt >= MAX_RETRIES => return Err(err),
                        // Rolled back when dropped.
                        Err(_) => drop(tx),
                    }
                    pause(attempt);
                }
            }
        }
    }

    /// The raw SQLite connection, for the SQLite-only maintenance the store does.
    pub(crate) fn sqlite(&mut self) -> Option<&mut rusqlite::Connection> {
        match &mut self.engine {
            Engine::Sqlite(conn, _) => Some(conn),
            Engine::Postgres(_) => None,
        }
    }

    /// The raw PostgreSQL client, for the migrations (which lock and read at READ COMMITTED).
    pub(crate) fn postgres(&mut self) -> Option<Result<&mut postgres::Client, DbError>> {
        match &mut self.engine {
            Engine::Sqlite(..) => None,
            Engine::Postgres(pg) => Some(pg.client()),
        }
    }
}

/// The gate of an SQLite file: the connections of one process take turns on it, statement by
/// statement and transaction by transaction. SQLite admits one writer at a time anyway; a
/// writer that finds the file busy sleeps in SQLite's busy handler (1 ms, then 2, 5, 10, … up
/// to 100 ms), which under load costs far more than the write, while a mutex hands over at
/// once. Other processes on the same file still meet the busy timeout.
fn gate(path: &Path) -> Arc<Mutex<()>> {
    static GATES: OnceLock<Mutex<HashMap<PathBuf, Arc<Mutex<()>>>>> = OnceLock::new();
    let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    GATES
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .entry(key)
        .or_default()
        .clone()
}

/// A plain `SELECT` (no `RETURNING` write).
fn is_read(sql: &str) -> bool {
    sql.trim_start()
        .get(..6)
        .is_some_and(|word| word.eq_ignore_ascii_case("select"))
}

/// A short random pause before a transaction is re-run, growing with the attempts (at most ~20 ms).
fn pause(attempt: u32) {
    let mut byte = [0u8; 1];
    let _ = getrandom::fill(&mut byte);
    let micros = u64::from(byte[0]) * 4 * u64::from(attempt.min(20));
    std::thread::sleep(Duration::from_micros(micros));
}

fn is_conflict(err: &postgres::Error) -> bool {
    matches!(
        err.code(),
        Some(code) if *code == SqlState::T_R_SERIALIZATION_FAILURE
            || *code == SqlState::T_R_DEADLOCK_DETECTED
    )
}

impl Sql for Db {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        match &mut self.engine {
            Engine::Sqlite(conn, gate) => {
                let _turn = gate.lock().unwrap_or_else(PoisonError::into_inner);
                sqlite_execute(conn, sql, params)
            }
            Engine::Postgres(pg) => {
                let statement = pg.statement(sql)?;
                let bound = bind(&statement, params)?;
                let client = pg.client()?;
                Ok(client.execute(&statement, &refs(&bound))?)
            }
        }
    }

    fn query_opt(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>, DbError> {
        Ok(self.rows(sql, params, 1)?.into_iter().next())
    }

    fn query_all(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        self.rows(sql, params, usize::MAX)
    }
}

impl Db {
    /// At most `limit` rows of a query, each statement on its own.
    fn rows(&mut self, sql: &str, params: &[Value], limit: usize) -> Result<Vec<Row>, DbError> {
        match &mut self.engine {
            Engine::Sqlite(conn, gate) => {
                // Reads run beside the writer (WAL); only writes with a result take turns.
                let _turn =
                    (!is_read(sql)).then(|| gate.lock().unwrap_or_else(PoisonError::into_inner));
                sqlite_rows(conn, sql, params, limit)
            }
            Engine::Postgres(pg) => {
                let statement = pg.statement(sql)?;
                let bound = bind(&statement, params)?;
                let client = pg.client()?;
                let rows = client.query(&statement, &refs(&bound))?;
                rows.iter().take(limit).map(pg_row).collect()
            }
        }
    }
}

/// An open transaction (see [`Db::transaction`]).
pub struct Tx<'a> {
    inner: TxInner<'a>,
    conflict: bool,
}

enum TxInner<'a> {
    Sqlite(rusqlite::Transaction<'a>),
    Postgres {
        tx: postgres::Transaction<'a>,
        statements: &'a mut HashMap<String, postgres::Statement>,
    },
}

impl Tx<'_> {
    fn note(&mut self, err: postgres::Error) -> DbError {
        if is_conflict(&err) {
            self.conflict = true;
        }
        DbError::from(err)
    }
}

impl Sql for Tx<'_> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        let result = match &mut self.inner {
            TxInner::Sqlite(tx) => return sqlite_execute(tx, sql, params),
            TxInner::Postgres { tx, statements } => {
                let statement = match cached(tx, statements, sql) {
                    Ok(statement) => statement,
                    Err(err) => return Err(self.note(err)),
                };
                let bound = bind(&statement, params)?;
                tx.execute(&statement, &refs(&bound))
            }
        };
        result.map_err(|err| self.note(err))
    }

    fn query_opt(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>, DbError> {
        Ok(self.rows(sql, params, 1)?.into_iter().next())
    }

    fn query_all(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        self.rows(sql, params, usize::MAX)
    }
}

impl Tx<'_> {
    /// At most `limit` rows of a query.
    fn rows(&mut self, sql: &str, params: &[Value], limit: usize) -> Result<Vec<Row>, DbError> {
        let result = match &mut self.inner {
            TxInner::Sqlite(tx) => return sqlite_rows(tx, sql, params, limit),
            TxInner::Postgres { tx, statements } => {
                let statement = match cached(tx, statements, sql) {
                    Ok(statement) => statement,
                    Err(err) => return Err(self.note(err)),
                };
                let bound = bind(&statement, params)?;
                tx.query(&statement, &refs(&bound))
            }
        };
        match result {
            Ok(rows) => rows.iter().take(limit).map(pg_row).collect(),
            Err(err) => Err(self.note(err)),
        }
    }
}

fn sqlite_execute(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[Value],
) -> Result<u64, DbError> {
    let mut statement = conn.prepare_cached(sql)?;
    let changed = statement.execute(rusqlite::params_from_iter(params.iter().map(SqliteValue)))?;
    Ok(changed as u64)
}

/// At most `limit` rows.
fn sqlite_rows(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[Value],
    limit: usize,
) -> Result<Vec<Row>, DbError> {
    let mut statement = conn.prepare_cached(sql)?;
    let columns = statement.column_count();
    let mut rows = statement.query(rusqlite::params_from_iter(params.iter().map(SqliteValue)))?;
    let mut out = Vec::new();
    while out.len() < limit {
        let Some(row) = rows.next()? else {
            break;
        };
        let mut values = Vec::with_capacity(columns);
        for index in 0..columns {
            use rusqlite::types::ValueRef;
            values.push(match row.get_ref(index)? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(value) => Value::Int(value),
                ValueRef::Text(text) => Value::Text(
                    std::str::from_utf8(text)
                        .map_err(|_| DbError::Column(index))?
                        .to_owned(),
                ),
                ValueRef::Blob(bytes) => Value::Blob(bytes.to_vec()),
                ValueRef::Real(_) => return Err(DbError::Column(index)),
            });
        }
        out.push(Row(values));
    }
    Ok(out)
}

struct SqliteValue<'a>(&'a Value);

impl rusqlite::ToSql for SqliteValue<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self.0 {
            Value::Null => ValueRef::Null,
            Value::Int(value) => ValueRef::Integer(*value),
            Value::Text(text) => ValueRef::Text(text.as_bytes()),
            Value::Blob(bytes) => ValueRef::Blob(bytes),
        }))
    }
}

impl Pg {
    /// The connection, reconnecting when the server closed the previous one (a restart, a
    /// failover): statements prepared on the old session are forgotten.
    fn client(&mut self) -> Result<&mut postgres::Client, DbError> {
        if self.client.as_ref().is_none_or(postgres::Client::is_closed) {
            self.statements.clear();
            self.client = None;
            let client = postgres::Client::connect(&self.url, postgres::NoTls)?;
            self.client = Some(client);
        }
        self.client
            .as_mut()
            .ok_or_else(|| DbError::Postgres("no connection".into()))
    }

    fn statement(&mut self, sql: &str) -> Result<postgres::Statement, DbError> {
        if let Some(statement) = self.statements.get(sql)
            && self.client.as_ref().is_some_and(|c| !c.is_closed())
        {
            return Ok(statement.clone());
        }
        let statement = self.client()?.prepare(&dollar_params(sql))?;
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }
}

fn cached(
    tx: &mut postgres::Transaction<'_>,
    statements: &mut HashMap<String, postgres::Statement>,
    sql: &str,
) -> Result<postgres::Statement, postgres::Error> {
    if let Some(statement) = statements.get(sql) {
        return Ok(statement.clone());
    }
    let statement = tx.prepare(&dollar_params(sql))?;
    statements.insert(sql.to_owned(), statement.clone());
    Ok(statement)
}

/// `?1` → `$1`: the statements are written once, in SQLite's numbered style (no statement of
/// the issuer has a `?` inside a string literal).
fn dollar_params(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

type Bound = Vec<Box<dyn ToSql + Sync>>;

/// Each value converted to the type PostgreSQL inferred for its parameter.
fn bind(statement: &postgres::Statement, params: &[Value]) -> Result<Bound, DbError> {
    let types = statement.params();
    if types.len() != params.len() {
        return Err(DbError::Postgres(format!(
            "{} parameters for {} placeholders",
            params.len(),
            types.len()
        )));
    }
    let wrong =
        |index: usize| DbError::Postgres(format!("parameter {} has the wrong type", index + 1));
    params
        .iter()
        .zip(types)
        .enumerate()
        .map(
            |(index, (value, ty))| -> Result<Box<dyn ToSql + Sync>, DbError> {
                Ok(match (value, ty) {
                    (Value::Null, ty) if *ty == Type::TEXT || *ty == Type::VARCHAR => {
                        Box::new(None::<String>)
                    }
                    (Value::Null, ty) if *ty == Type::BYTEA => Box::new(None::<Vec<u8>>),
                    (Value::Null, ty) if *ty == Type::INT4 => Box::new(None::<i32>),
                    (Value::Null, ty) if *ty == Type::BOOL => Box::new(None::<bool>),
                    (Value::Null, _) => Box::new(None::<i64>),
                    (Value::Int(v), ty) if *ty == Type::INT4 => {
                        Box::new(i32::try_from(*v).map_err(|_| wrong(index))?)
                    }
                    (Value::Int(v), ty) if *ty == Type::INT2 => {
                        Box::new(i16::try_from(*v).map_err(|_| wrong(index))?)
                    }
                    (Value::Int(v), ty) if *ty == Type::BOOL => Box::new(*v != 0),
                    (Value::Int(v), _) => Box::new(*v),
                    (Value::Text(text), _) => Box::new(text.clone()),
                    (Value::Blob(bytes), _) => Box::new(bytes.clone()),
                })
            },
        )
        .collect()
}

fn refs(bound: &Bound) -> Vec<&(dyn ToSql + Sync)> {
    bound.iter().map(|b| &**b as &(dyn ToSql + Sync)).collect()
}

fn pg_row(row: &postgres::Row) -> Result<Row, DbError> {
    let mut values = Vec::with_capacity(row.len());
    for (index, column) in row.columns().iter().enumerate() {
        let ty = column.type_();
        let bad = |_| DbError::Column(index);
        let value = if *ty == Type::INT8 {
            row.try_get::<_, Option<i64>>(index)
                .map_err(bad)?
                .map(Value::Int)
        } else if *ty == Type::INT4 {
            row.try_get::<_, Option<i32>>(index)
                .map_err(bad)?
                .map(|v| Value::Int(i64::from(v)))
        } else if *ty == Type::INT2 {
            row.try_get::<_, Option<i16>>(index)
                .map_err(bad)?
                .map(|v| Value::Int(i64::from(v)))
        } else if *ty == Type::BOOL {
            row.try_get::<_, Option<bool>>(index)
                .map_err(bad)?
                .map(|v| Value::Int(i64::from(v)))
        } else if *ty == Type::BYTEA {
            row.try_get::<_, Option<Vec<u8>>>(index)
                .map_err(bad)?
                .map(Value::Blob)
        } else {
            row.try_get::<_, Option<String>>(index)
                .map_err(bad)?
                .map(Value::Text)
        };
        values.push(value.unwrap_or(Value::Null));
    }
    Ok(Row(values))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_rewritten_for_postgresql() {
        assert_eq!(
            dollar_params("UPDATE t SET a = ?1 WHERE b = ?12 AND c <> '?'"),
            "UPDATE t SET a = $1 WHERE b = $12 AND c <> '?'"
        );
    }

    #[test]
    fn a_url_is_shown_without_its_password() {
        for (url, shown) in [
            (
                "postgres://portal:hunter2@db.example:5432/issuer",
                "postgres://portal:***@db.example:5432/issuer",
            ),
            (
                "postgresql://portal@%2Frun%2Fpg/issuer?password=hunter2&sslmode=disable",
                "postgresql://portal@%2Frun%2Fpg/issuer?password=***&sslmode=disable",
            ),
            ("postgres://db/issuer", "postgres://db/issuer"),
        ] {
            let target = Target::parse(url);
            assert_eq!(target.engine(), "postgres");
            assert_eq!(target.to_string(), shown);
            assert!(!format!("{target:?}").contains("hunter2"));
        }
        assert_eq!(Target::parse("/var/lib/issuer.db").engine(), "sqlite");
    }
}
