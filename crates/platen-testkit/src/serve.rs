//! `platen serve` as the integration suites start it: on a free loopback port (or a given one, to
//! restart on the same address), under the [`Proc`] watchdog, ready once `GET /healthz` answers `ok`;
//! optionally with the TLS listener on a second free port ([`Serve::tls`]). DNS-SD advertising is off
//! (`PLATEN_DNSSD=false`) unless a test turns it on: nothing a test server does should reach the network.

use crate::process::{Proc, free_port};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How to start one `platen serve`.
pub struct Serve {
    bin: String,
    data_dir: PathBuf,
    port: Option<u16>,
    public_url: Option<String>,
    env: Vec<(String, String)>,
    log: PathBuf,
    after_exit: Option<String>,
    tls: bool,
    listen_all: bool,
}

/// A `platen serve` that answered its health check.
pub struct Served {
    /// `http://127.0.0.1:{port}`
    pub base: String,
    pub port: u16,
    /// With [`Serve::tls`]: the TLS listener's port; its base is `https://127.0.0.1:{tls_port}`.
    pub tls_port: Option<u16>,
    pub proc: Proc,
}

impl Serve {
    /// `bin`: the `platen` binary (`env!("CARGO_BIN_EXE_platen")`). The log goes to `{data_dir}/server.log`.
    pub fn new(bin: &str, data_dir: &Path) -> Serve {
        Serve {
            bin: bin.to_string(),
            data_dir: data_dir.to_path_buf(),
            port: None,
            public_url: None,
            env: vec![
                ("PLATEN_LOG".into(), "warn".into()),
                ("PLATEN_DNSSD".into(), "false".into()),
            ],
            log: data_dir.join("server.log"),
            after_exit: None,
            tls: false,
            listen_all: false,
        }
    }

    /// A server that leaves nothing behind even when it lives in a `static` (never dropped): a fresh data
    /// directory named `{prefix}…`, and with the backend switch a fresh PostgreSQL database, both removed by
    /// the watchdog once the server has exited. Returns the data directory too.
    pub fn disposable(bin: &str, prefix: &str) -> (Serve, PathBuf) {
        let data_dir = tempfile::Builder::new()
            .prefix(prefix)
            .tempdir()
            .expect("temp dir")
            .keep();
        let mut after_exit = format!("rm -rf {}", sh_quote(&data_dir.display().to_string()));
        let mut serve = Serve::new(bin, &data_dir);
        if let Some(db) = crate::TestDatabase::if_selected() {
            serve = serve.env("PLATEN_DATABASE_URL", &db.url);
            after_exit = format!("{after_exit}; {}", db.into_drop_command());
        }
        (serve.after_exit(&after_exit), data_dir)
    }

    /// The value this server's environment sets for `key`, if any.
    pub fn env_value(&self, key: &str) -> Option<String> {
        self.env
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }

    /// Listen on this port (e.g. a restart on the same address) instead of a free one.
    pub fn port(mut self, port: u16) -> Serve {
        self.port = Some(port);
        self
    }

    /// The public URL; by default the listen address, `http://127.0.0.1:{port}`.
    pub fn public_url(mut self, url: &str) -> Serve {
        self.public_url = Some(url.to_string());
        self
    }

    /// Also serve TLS (`tls.listen`) on a free loopback port; further `PLATEN_TLS__*` settings through
    /// [`Serve::env`].
    pub fn tls(mut self) -> Serve {
        self.tls = true;
        self
    }

    /// Listen on every address (`0.0.0.0`), so the server is reachable on the machine's other addresses too;
    /// its base stays `http://127.0.0.1:{port}`.
    pub fn listen_all(mut self) -> Serve {
        self.listen_all = true;
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Serve {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    pub fn log(mut self, path: &Path) -> Serve {
        self.log = path.to_path_buf();
        self
    }

    /// Shell commands the watchdog runs once the server has exited, however it ended.
    pub fn after_exit(mut self, commands: &str) -> Serve {
        self.after_exit = Some(commands.to_string());
        self
    }

    /// Starts the server, retrying on a new free port (the one picked may be taken in the meantime).
    /// Panics with the server's log when it never becomes healthy.
    pub fn start(&self) -> Served {
        let mut last = String::new();
        for _ in 0..5 {
            match self.try_start() {
                Ok(served) => return served,
                Err(e) => last = e,
            }
        }
        panic!("platen serve did not come up: {last}");
    }

    pub fn try_start(&self) -> Result<Served, String> {
        let port = self.port.unwrap_or_else(free_port);
        let base = format!("http://127.0.0.1:{port}");
        let args: Vec<String> = vec![
            "serve".into(),
            "--listen".into(),
            format!("{}:{port}", if self.listen_all { "0.0.0.0" } else { "127.0.0.1" }),
            "--data-dir".into(),
            self.data_dir.display().to_string(),
            "--public-url".into(),
            self.public_url.clone().unwrap_or_else(|| base.clone()),
        ];
        let tls_port = self.tls.then(free_port);
        let tls_listen = tls_port.map(|p| format!("127.0.0.1:{p}"));
        let mut env: Vec<(&str, &str)> = self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        if let Some(listen) = &tls_listen {
            env.push(("PLATEN_TLS__LISTEN", listen));
        }
        let mut proc = Proc::spawn_then(&self.bin, &args, &env, &self.log, self.after_exit.as_deref());
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline && proc.alive() {
            if healthy(port)
                && tls_port.is_none_or(|p| std::net::TcpStream::connect(("127.0.0.1", p)).is_ok())
            {
                return Ok(Served {
                    base,
                    port,
                    tls_port,
                    proc,
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let log = proc.log_text();
        drop(proc);
        Err(format!(
            "server on port {port} exited or never became healthy; log:\n{log}"
        ))
    }
}

/// A blocking `GET /healthz`; true when the answer is `200` with body `ok`.
pub fn healthy(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(2)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    if s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.starts_with("HTTP/1.1 200") && out.ends_with("ok")
}

/// `'…'`-quotes `s` for a POSIX shell.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}
