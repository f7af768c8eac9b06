//! The test suites' backend switch. With `PLATEN_TEST_BACKEND=postgres` every server a suite starts runs
//! on its own fresh PostgreSQL database (documents included, as `platen serve` keeps them in the database
//! it is given); otherwise on the embedded SQLite default. Same tests, either backend.
//!
//! The PostgreSQL server is the one `PLATEN_TEST_POSTGRES` names (a superuser URL; `./scripts/test.sh`
//! exports it), by default `postgres://postgres@127.0.0.1:5432/postgres`. Databases are created and
//! dropped with `psql`, so the harnesses need no database driver of their own.

use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Whether the suites should run on PostgreSQL.
pub fn postgres_selected() -> bool {
    std::env::var("PLATEN_TEST_BACKEND").is_ok_and(|b| b.eq_ignore_ascii_case("postgres"))
}

/// The superuser URL databases are created through.
pub fn admin_url() -> String {
    std::env::var("PLATEN_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_string())
}

/// A fresh database, dropped (connections and all) when this guard goes.
pub struct TestDatabase {
    /// What `platen serve` gets as `PLATEN_DATABASE_URL`.
    pub url: String,
    pub name: String,
    owned: bool,
}

impl TestDatabase {
    /// A new database when the switch says PostgreSQL, `None` on the SQLite default.
    pub fn if_selected() -> Option<TestDatabase> {
        postgres_selected().then(TestDatabase::create)
    }

    /// Creates a database named after this process, so names never collide between test binaries.
    pub fn create() -> TestDatabase {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "platen_t{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let admin = admin_url();
        psql(&admin, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        assert!(
            psql(&admin, &format!("CREATE DATABASE {name}")),
            "could not create the test database {name} through {admin} (is PostgreSQL up? ./scripts/test.sh starts it)"
        );
        let url = match admin.split_once('?') {
            Some((base, query)) => format!(
                "{}/{name}?{query}",
                base.rsplit_once('/').map_or(base, |(b, _)| b)
            ),
            None => format!(
                "{}/{name}",
                admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b)
            ),
        };
        TestDatabase {
            url,
            name,
            owned: true,
        }
    }

    /// Hands the drop over to someone else (e.g. the watchdog of a server that lives in a `static`,
    /// which is never dropped): returns the shell command that drops the database, and this guard no
    /// longer does.
    pub fn into_drop_command(mut self) -> String {
        self.owned = false;
        format!(
            "psql -q -X -w -d {} -c {}",
            crate::serve::sh_quote(&admin_url()),
            crate::serve::sh_quote(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name))
        )
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if self.owned {
            psql(
                &admin_url(),
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            );
        }
    }
}

/// Runs one statement with `psql`; true on success.
fn psql(url: &str, sql: &str) -> bool {
    Command::new("psql")
        .args(["-q", "-X", "-w", "-d", url, "-c", sql])
        .stdout(std::process::Stdio::null())
        .status()
        .expect("psql (the PostgreSQL client) is needed with PLATEN_TEST_BACKEND=postgres")
        .success()
}
