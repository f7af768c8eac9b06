//! Child processes under a tiny `sh` watchdog that kills the child as soon as the watchdog's stdin
//! closes: when the handle is dropped, or when the test process exits for any reason (even SIGKILL, as
//! the kernel then closes the pipe), so nothing a test starts outlives the run.

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

/// `sh -c WATCHDOG sh CMD ARGS…`: starts CMD, prints its pid, kills it when stdin reaches EOF, and once
/// it has exited runs the shell commands in `$PLATEN_TEST_AFTER_EXIT` (if any).
const WATCHDOG: &str = r#"
exec 3<&0
"$@" </dev/null &
pid=$!
echo "$pid"
( read -r _ignored <&3; kill "$pid" 2>/dev/null ) &
wait "$pid"
st=$?
if [ -n "$PLATEN_TEST_AFTER_EXIT" ]; then sh -c "$PLATEN_TEST_AFTER_EXIT" >/dev/null 2>&1; fi
exit "$st"
"#;

/// Platen's configuration variables: a test's children never inherit the developer's.
const PLATEN_CONFIG_VARS: [&str; 12] = [
    "PLATEN_CONFIG",
    "PLATEN_LISTEN",
    "PLATEN_DATA_DIR",
    "PLATEN_PUBLIC_URL",
    "PLATEN_DATABASE_URL",
    "PLATEN_DOCUMENTS",
    "PLATEN_DNSSD",
    "PLATEN_TLS__LISTEN",
    "PLATEN_TLS__CERT_FILE",
    "PLATEN_TLS__KEY_FILE",
    "PLATEN_TLS__HOSTS",
    "PLATEN_TLS__PUBLIC_URL",
];

/// A supervised child process; its stdout and stderr go to `log`.
pub struct Proc {
    pub pid: u32,
    pub log: PathBuf,
    watchdog: Option<(Child, ChildStdin)>,
}

impl Proc {
    /// Starts `cmd` with `args` and `envs` (on top of this process's environment minus Platen's
    /// configuration variables).
    pub fn spawn(cmd: &str, args: &[String], envs: &[(&str, &str)], log: &Path) -> Proc {
        Self::spawn_then(cmd, args, envs, log, None)
    }

    /// [`Proc::spawn`], and once the child has exited (however it ended) the watchdog runs the shell
    /// commands `after_exit`, e.g. to remove the child's data directory.
    pub fn spawn_then(
        cmd: &str,
        args: &[String],
        envs: &[(&str, &str)],
        log: &Path,
        after_exit: Option<&str>,
    ) -> Proc {
        let logf = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .expect("log file");
        let mut c = Command::new("sh");
        c.arg("-c").arg(WATCHDOG).arg("sh").arg(cmd).args(args);
        for k in PLATEN_CONFIG_VARS {
            c.env_remove(k);
        }
        c.env("RUST_BACKTRACE", "0");
        for (k, v) in envs {
            c.env(k, v);
        }
        if let Some(commands) = after_exit {
            c.env("PLATEN_TEST_AFTER_EXIT", commands);
        }
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
