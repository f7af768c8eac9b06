//! Child processes for the device end-to-end tests: `platen serve` and `platen connector run` (under
//! platen-testkit's watchdog, so nothing outlives a run), and CUPS' `ippeveprinter` from platen-testkit.

use std::path::{Path, PathBuf};

use platen_testkit::Serve;
pub use platen_testkit::{Ippeve, Proc, free_port};

pub const BIN: &str = env!("CARGO_BIN_EXE_platen");

/// `platen serve` on loopback with its own data directory; restartable on the same port and data.
pub struct Server {
    pub base: String,
    pub port: u16,
    pub data: PathBuf,
    proc: Option<Proc>,
    /// The backend switch (PLATEN_TEST_BACKEND=postgres): the server's own database, kept across
    /// restarts; declared after `proc` so that it is dropped after the server stopped.
    database: Option<platen_testkit::TestDatabase>,
}

impl Server {
    pub fn start(root: &Path) -> Server {
        let data = root.join("server-data");
        std::fs::create_dir_all(&data).expect("data dir");
        let port = free_port();
        let mut s = Server {
            base: format!("http://127.0.0.1:{port}"),
            port,
            data,
            proc: None,
            database: platen_testkit::TestDatabase::if_selected(),
        };
        s.launch();
        s
    }

    fn launch(&mut self) {
        let mut serve = Serve::new(BIN, &self.data).port(self.port);
        if let Some(db) = &self.database {
            serve = serve.env("PLATEN_DATABASE_URL", &db.url);
        }
        self.proc = Some(serve.start().proc);
    }

    /// Stops the server (SIGTERM), leaving its data in place.
    pub fn stop(&mut self) {
        if let Some(p) = self.proc.take() {
            p.term();
        }
    }

    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }

    /// `platen token …` against this server's development issuer.
    pub fn token(&self, args: &[&str]) -> String {
        platen_testkit::graph::mint(BIN, &self.data, args)
    }
}
