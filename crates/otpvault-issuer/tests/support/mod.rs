//! The two engines the issuer's suites run against: a fresh SQLite file, or a fresh schema of
//! the throw-away PostgreSQL that `scripts/with-postgres` starts (`OTPVAULT_TEST_POSTGRES`).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use otpvault_issuer::db::Target;
use otpvault_issuer::{Config, Issuer};

/// The portal's origin in the suites.
pub const ORIGIN: &str = "https://portal.example.org";

/// The issuer's configuration in the suites: the portal above, cheap password hashes (the
/// suites are about the protocol and the database, not Argon2).
pub fn config() -> Config {
    Config {
        origin: ORIGIN.into(),
        issuer: "Provincia".into(),
        password_memory_kib: 64,
        ..Config::default()
    }
}

/// A database for one test, removed when dropped.
pub struct Store {
    pub target: Target,
    _dir: Option<tempfile::TempDir>,
    schema: Option<(String, String)>,
}

impl Store {
    /// A new SQLite file in a temporary directory.
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let target = Target::Sqlite(dir.path().join("issuer.db"));
        Self {
            target,
            _dir: Some(dir),
            schema: None,
        }
    }

    /// A new, empty schema on the test PostgreSQL server; every connection of the test uses it.
    pub fn postgres() -> Self {
        let base = std::env::var("OTPVAULT_TEST_POSTGRES").expect(
            "OTPVAULT_TEST_POSTGRES is not set: run the issuer's suites through \
             scripts/with-postgres (scripts/test-all does)",
        );
        let mut name = [0u8; 8];
        getrandom::fill(&mut name).unwrap();
        let schema = format!(
            "t_{}",
            name.iter().map(|b| format!("{b:02x}")).collect::<String>()
        );
        let mut client = postgres::Client::connect(&base, postgres::NoTls).unwrap();
        client
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .unwrap();
        let separator = if base.contains('?') { '&' } else { '?' };
        let target = Target::Postgres(format!("{base}{separator}options=-csearch_path%3D{schema}"));
        Self {
            target,
            _dir: None,
            schema: Some((base, schema)),
        }
    }

    /// An issuer on this database.
    pub fn open(&self, config: Config) -> Issuer {
        Issuer::connect(&self.target, config).unwrap()
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        if let Some((base, schema)) = &self.schema
            && let Ok(mut client) = postgres::Client::connect(base, postgres::NoTls)
        {
            let _ = client.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"));
        }
    }
}

/// Runs each listed test function (`fn name(store: &Store)`) once per engine: `sqlite::name` and
/// `postgres::name`.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test]
            fn $name() {
                super::$name(&super::support::Store::sqlite());
            })*
        }
        mod postgres {
            $(#[test]
            fn $name() {
                super::$name(&super::support::Store::postgres());
            })*
        }
    };
}
