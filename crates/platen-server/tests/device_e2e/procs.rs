//! Child processes for the device end-to-end tests: `platen serve`, `platen connector run` and CUPS'
//! `ippeveprinter`, each under a tiny `sh` watchdog that kills it as soon as the watchdog's stdin closes
//! (when the handle is dropped, or when the test process exits for any reason), so nothing outlives a run.

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_platen");

const WATCHDOG: &str = r#"
exec 3<&0
"$@" </dev/null &
pid=$!
echo "$pid"
( read -r _ignored <&3; kill "$pid" 2>/dev/null ) &
wait "$pid"
"#;

pub struct Proc {
    pub pid: u32,
    pub log: PathBuf,
    watchdog: Option<(Child, ChildStdin)>,
}

impl Proc {
    pub fn spawn(cmd: &str, args: &[String], envs: &[(&str, &str)], log: &Path) -> Proc {
        let logf = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .expect("log file");
        let mut c = Command::new("sh");
        c.arg("-c").arg(WATCHDOG).arg("sh").arg(cmd).args(args);
        for (k, v) in envs {
            c.env(k, v);
        }
        c.env_remove("PLATEN_DATA_DIR").env("RUST_BACKTRACE", "0");
        let mut child = c
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(logf)
            .spawn()
            .expect("spawn sh");
        let stdin = child.stdin.take().expect("stdin");
        let mut stdout = child.stdout.take().expect("stdout");
        let mut line = Vec::new();
        let mut b = [0u8; 1];
        while stdout.read(&mut b).unwrap_or(0) == 1 && b[0] != b'\n' {
            line.push(b[0]);
        }
        let pid: u32 = String::from_utf8_lossy(&line).trim().parse().expect("child pid");
        let out_log = log.to_path_buf();
        std::thread::spawn(move || {
            let mut rest = Vec::new();
            let _ = stdout.read_to_end(&mut rest);
            if let Ok(mut f) = std::fs::OpenOptions::new().append(true).open(out_log) {
                let _ = std::io::Write::write_all(&mut f, &rest);
            }
        });
        Proc {
            pid,
            log: log.to_path_buf(),
            watchdog: Some((child, stdin)),
        }
    }

    pub fn signal(&self, sig: &str) {
        let _ = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.pid.to_string())
            .status();
    }

    pub fn alive(&mut self) -> bool {
        self.watchdog
            .as_mut()
            .is_some_and(|(c, _)| c.try_wait().ok().flatten().is_none())
    }

    /// SIGKILL: the process gets no chance to clean up (the connector's crash test).
    pub fn kill9(mut self) {
        self.signal("KILL");
        self.reap(Duration::from_secs(10));
    }

    /// SIGTERM and wait for a graceful exit.
    pub fn term(mut self) {
        self.signal("TERM");
        self.reap(Duration::from_secs(20));
    }

    fn reap(&mut self, patience: Duration) {
        let deadline = Instant::now() + patience;
        while self.alive() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        if self.alive() {
            self.signal("KILL");
        }
        if let Some((mut c, stdin)) = self.watchdog.take() {
            drop(stdin);
            let _ = c.wait();
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if self.watchdog.is_some() {
            self.signal("TERM");
            self.reap(Duration::from_secs(10));
        }
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

pub fn wait_port(port: u16, secs: u64) -> bool {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// `platen serve` on loopback with its own data directory; restartable on the same port and data.
pub struct Server {
    pub base: String,
    pub port: u16,
    pub data: PathBuf,
    proc: Option<Proc>,
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
        };
        s.launch();
        s
    }

    fn launch(&mut self) {
        let args: Vec<String> = [
            "serve",
            "--listen",
            &format!("127.0.0.1:{}", self.port),
            "--data-dir",
            &self.data.display().to_string(),
            "--public-url",
            &self.base,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let log = self.data.join("server.log");
        let p = Proc::spawn(BIN, &args, &[("PLATEN_LOG", "warn")], &log);
        assert!(
            wait_port(self.port, 60),
            "platen serve did not come up: {}",
            p.log_text()
        );
        self.proc = Some(p);
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
        let out = Command::new(BIN)
            .args(args)
            .arg("--data-dir")
            .arg(&self.data)
            .env_remove("PLATEN_DATA_DIR")
            .output()
            .expect("platen token");
        assert!(
            out.status.success(),
            "platen token: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8").trim().to_string()
    }
}

/// CUPS' ippeveprinter on loopback (printer-side-ipp.md §3.3), keeping spooled files (`-k`).
pub struct Ippeve {
    pub port: u16,
    pub uri: String,
    pub spool: PathBuf,
    _proc: Proc,
}

fn have(cmd: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {cmd}"))
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// ippeveprinter needs a D-Bus system bus (for Avahi) even with DNS-SD turned off.
fn ensure_system_bus() {
    if Path::new("/run/dbus/system_bus_socket").exists() || !have("dbus-daemon") {
        return;
    }
    let _ = std::fs::create_dir_all("/run/dbus");
    let _ = Command::new("dbus-daemon").args(["--system", "--fork"]).status();
}

pub fn ippeveprinter_available() -> bool {
    if have("ippeveprinter") {
        return true;
    }
    eprintln!(
        "SKIP: ippeveprinter is not installed and could not be found (apt-get install -y cups-ipp-utils dbus; \
         ./scripts/test.sh installs it)"
    );
    false
}

impl Ippeve {
    /// `extra`: e.g. `["-c", "/bin/true"]` for a printer that finishes at once.
    pub fn start(root: &Path, name: &str, extra: &[&str]) -> Ippeve {
        ensure_system_bus();
        let spool = root.join(format!("spool-{name}"));
        std::fs::create_dir_all(&spool).expect("spool dir");
        for _ in 0..5 {
            let port = free_port();
            let mut args: Vec<String> = ["-r", "off", "-n", "localhost", "-p", &port.to_string(), "-d"]
                .iter()
                .map(|s| s.to_string())
                .collect();
            args.push(spool.display().to_string());
            args.extend(
                [
                    "-f",
                    "application/pdf,image/jpeg,image/pwg-raster,text/plain",
                    "-k",
                ]
                .map(String::from),
            );
            args.extend(extra.iter().map(|s| s.to_string()));
            args.push(format!("{name}{port}"));
            let mut p = Proc::spawn(
                "ippeveprinter",
                &args,
                &[],
                &root.join(format!("ippeve-{name}.log")),
            );
            if wait_port(port, 10) && p.alive() {
                return Ippeve {
                    port,
                    uri: format!("ipp://localhost:{port}/ipp/print"),
                    spool,
                    _proc: p,
                };
            }
        }
        panic!("ippeveprinter did not start");
    }

    /// The spooled documents (ippeveprinter names them `{job-id}-{job-name}.{ext}`; `-c` adds empty `.prn`).
    pub fn spooled(&self) -> Vec<Vec<u8>> {
        let mut out: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&self.spool)
            .expect("spool")
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x != "prn"))
            .map(|p| {
                let b = std::fs::read(&p).unwrap_or_default();
                (p, b)
            })
            .collect();
        out.sort();
        out.into_iter().map(|(_, b)| b).collect()
    }

    pub fn count_spooled(&self, doc: &[u8]) -> usize {
        self.spooled().iter().filter(|b| b.as_slice() == doc).count()
    }
}
