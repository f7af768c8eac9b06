//! CUPS' `ippeveprinter` on loopback as the real printer (printer-side-ipp.md §3.3), keeping the spooled
//! documents (`-k`) so tests can compare them byte for byte.
//!
//! ippeveprinter initialises DNS-SD through Avahi's client library even with `-r off`, and exits with
//! "Unable to initialize DNS-SD." when it cannot reach a D-Bus system bus. Relying on the machine's bus is
//! fragile: a fresh machine has none, and a machine restored after its bus died keeps a stale
//! `/run/dbus/system_bus_socket` and `/run/dbus/pid` (then `dbus-daemon --system` refuses to start). So
//! every test process starts its own bus daemon (under a watchdog) and points ippeveprinter at it with
//! `DBUS_SYSTEM_BUS_ADDRESS`; no avahi-daemon is needed (it only logs "Ignored Avahi state 101").

use crate::process::{Proc, free_port, wait_port};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The document formats every test printer accepts.
const FORMATS: &str = "application/pdf,image/jpeg,image/pwg-raster,text/plain";

/// The variable by which the test command (`./scripts/test.sh`) says that ippeveprinter and dbus-daemon are
/// required: with it set (to anything but empty or `0`), a device test whose tools are missing fails instead of
/// skipping, like the S3 tests with `PLATEN_TEST_MOTO_SERVER`.
pub const REQUIRE_VAR: &str = "PLATEN_TEST_REQUIRE_IPPEVEPRINTER";

/// Whether the test command requires ippeveprinter (see [`REQUIRE_VAR`]).
pub fn required() -> bool {
    std::env::var(REQUIRE_VAR).is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Whether ippeveprinter can run here. Without it a test skips (printing why), unless the test command
/// requires it ([`required`]): then this panics, naming what is missing. When required, a missing
/// dbus-daemon (ippeveprinter's private bus) panics too.
pub fn available() -> bool {
    let has_printer = crate::have("ippeveprinter");
    let has_bus = crate::have("dbus-daemon");
    if required() && !(has_printer && has_bus) {
        let missing: Vec<&str> = [(has_printer, "ippeveprinter"), (has_bus, "dbus-daemon")]
            .into_iter()
            .filter(|(present, _)| !present)
            .map(|(_, cmd)| cmd)
            .collect();
        panic!(
            "{REQUIRE_VAR} is set (the test command requires the device tests to run) but {} not on the PATH: \
             apt-get install -y cups-ipp-utils dbus (./scripts/test.sh installs them)",
            match missing.as_slice() {
                [one] => format!("{one} is"),
                _ => format!("{} are", missing.join(" and ")),
            }
        );
    }
    if !has_printer {
        eprintln!(
            "SKIP: ippeveprinter is not installed (apt-get install -y cups-ipp-utils dbus; ./scripts/test.sh installs it \
             and sets {REQUIRE_VAR}=1, which turns this skip into a failure)"
        );
        return false;
    }
    true
}

pub struct Ippeve {
    pub port: u16,
    /// `ipp://localhost:{port}/ipp/print`
    pub uri: String,
    pub spool: PathBuf,
    pub log: PathBuf,
    _proc: Proc,
    _dir: Option<tempfile::TempDir>,
}

impl Ippeve {
    /// Starts a printer named `{name}{port}` with its spool and log under `dir`. `extra`: more
    /// ippeveprinter options, e.g. `["-c", "/bin/true"]` for a printer that finishes each job at once.
    /// Panics (with ippeveprinter's log) when it does not come up.
    pub fn start(dir: &Path, name: &str, extra: &[&str]) -> Ippeve {
        let spool = dir.join(format!("spool-{name}"));
        std::fs::create_dir_all(&spool).expect("spool dir");
        let log = dir.join(format!("ippeve-{name}.log"));
        let bus = private_system_bus();
        let envs: Vec<(&str, &str)> = bus.map(|a| ("DBUS_SYSTEM_BUS_ADDRESS", a)).into_iter().collect();
        for _ in 0..5 {
            let port = free_port();
            let mut args: Vec<String> = ["-r", "off", "-n", "localhost", "-p"].map(String::from).to_vec();
            args.push(port.to_string());
            args.push("-d".into());
            args.push(spool.display().to_string());
            args.extend(["-f", FORMATS, "-k"].map(String::from));
            args.extend(extra.iter().map(|s| s.to_string()));
            args.push(format!("{name}{port}"));
            let mut proc = Proc::spawn("ippeveprinter", &args, &envs, &log);
            if wait_port(port, 10) && proc.alive() {
                return Ippeve {
                    port,
                    uri: format!("ipp://localhost:{port}/ipp/print"),
                    spool,
                    log,
                    _proc: proc,
                    _dir: None,
                };
            }
        }
        panic!(
            "ippeveprinter did not start (D-Bus: {bus:?}); its log {}:\n{}",
            log.display(),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    /// [`Ippeve::start`] in a temporary directory the printer owns.
    pub fn start_temp(name: &str, extra: &[&str]) -> Ippeve {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut printer = Ippeve::start(dir.path(), name, extra);
        printer._dir = Some(dir);
        printer
    }

    /// The spooled documents, oldest job first (ippeveprinter names them `{job-id}-{job-name}.{ext}`;
    /// the empty `.prn` files `-c` leaves beside them are not documents).
    pub fn spooled(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut out: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&self.spool)
            .expect("spool")
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x != "prn"))
            .map(|p| {
                let bytes = std::fs::read(&p).unwrap_or_default();
                (p, bytes)
            })
            .collect();
        out.sort();
        out
    }

    /// How many spooled documents are byte-identical to `doc`.
    pub fn count_spooled(&self, doc: &[u8]) -> usize {
        self.spooled().iter().filter(|(_, b)| b.as_slice() == doc).count()
    }
}

/// The address of this test process's own bus daemon, started on first use and killed (by its
/// watchdog) when the process exits. `None` when dbus-daemon is not installed or does not come up;
/// ippeveprinter then tries the system bus, and its log says why it failed.
fn private_system_bus() -> Option<&'static str> {
    static BUS: OnceLock<Option<(String, Proc)>> = OnceLock::new();
    BUS.get_or_init(start_bus)
        .as_ref()
        .map(|(address, _)| address.as_str())
}

fn start_bus() -> Option<(String, Proc)> {
    if !crate::have("dbus-daemon") {
        eprintln!("dbus-daemon is not installed (apt-get install -y dbus); ippeveprinter needs a bus");
        return None;
    }
    let dir = std::env::temp_dir().join(format!("platen-test-dbus-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).ok()?;
    let socket = dir.join("bus");
    let address = format!("unix:path={}", socket.display());
    // The session configuration: a plain bus that lets its own user (root in CI) connect; --address
    // replaces its listen address.
    let args: Vec<String> = vec![
        "--session".into(),
        "--nofork".into(),
        "--nopidfile".into(),
        format!("--address={address}"),
    ];
    // The watchdog removes the bus's directory once the daemon has exited.
    let cleanup = format!("rm -rf {}", crate::serve::sh_quote(&dir.display().to_string()));
    let mut proc = Proc::spawn_then("dbus-daemon", &args, &[], &dir.join("dbus.log"), Some(&cleanup));
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline && proc.alive() {
        if std::os::unix::net::UnixStream::connect(&socket).is_ok() {
            return Some((address, proc));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    eprintln!(
        "dbus-daemon did not start: {}",
        std::fs::read_to_string(dir.join("dbus.log")).unwrap_or_default()
    );
    None
}
