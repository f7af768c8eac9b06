//! CUPS' ippeveprinter on loopback as the real printer (printer-side-ipp.md §3.3), plus a tiny IPP client
//! for looking at its jobs.

use ipp::parser::IppParser;
use ipp::prelude::*;
use ipp::reader::IppReader;
use ipp::value::IppValue;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Ippeve {
    child: Child,
    pub port: u16,
    pub uri: String,
    pub spool: tempfile::TempDir,
}

impl Drop for Ippeve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn have(cmd: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {cmd}"))
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// ippeveprinter needs a D-Bus system bus (for Avahi) even with DNS-SD off.
fn ensure_system_bus() {
    if Path::new("/run/dbus/system_bus_socket").exists() || !have("dbus-daemon") {
        return;
    }
    let _ = std::fs::create_dir_all("/run/dbus");
    let _ = Command::new("dbus-daemon").args(["--system", "--fork"]).status();
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Ippeve {
    /// `None` (the test then skips) when ippeveprinter is not installed.
    pub fn start(extra: &[&str]) -> Option<Ippeve> {
        if !have("ippeveprinter") {
            eprintln!("SKIP: ippeveprinter not installed (apt-get install -y cups-ipp-utils dbus)");
            return None;
        }
        ensure_system_bus();
        for _ in 0..5 {
            let port = free_port();
            let spool = tempfile::tempdir().unwrap();
            let log = std::fs::File::create(std::env::temp_dir().join(format!("ippeve-{port}.log"))).ok();
            let mut cmd = Command::new("ippeveprinter");
            cmd.args(["-r", "off", "-n", "localhost", "-p", &port.to_string(), "-d"])
                .arg(spool.path())
                .args([
                    "-f",
                    "application/pdf,image/jpeg,image/pwg-raster,text/plain",
                    "-k",
                ])
                .args(extra)
                .arg(format!("Test{port}"))
                .stdout(Stdio::null());
            match log {
                Some(f) => cmd.stderr(f),
                None => cmd.stderr(Stdio::null()),
            };
            let mut child = cmd.spawn().unwrap();
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Some(Ippeve {
                        child,
                        port,
                        uri: format!("ipp://localhost:{port}/ipp/print"),
                        spool,
                    });
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("ippeveprinter did not start");
    }

    /// The spooled documents (ippeveprinter -k keeps them), by file name.
    pub fn spooled(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut out: Vec<_> = std::fs::read_dir(self.spool.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .map(|p| {
                let b = std::fs::read(&p).unwrap();
                (p, b)
            })
            .collect();
        out.sort();
        out
    }

    /// (job-id, job-state, job-name) of every job the printer lists.
    pub async fn jobs(&self) -> Vec<(i32, i32, String)> {
        let mut out = Vec::new();
        for which in ["not-completed", "completed"] {
            let uri: Uri = self.uri.parse().unwrap();
            let mut req = IppRequestResponse::new(IppVersion::v2_0(), Operation::GetJobs, Some(uri)).unwrap();
            let op = |n: &str, v| IppAttribute::new(ipp::value::BoundedString::new(n).unwrap(), v);
            req.attributes_mut().add(
                DelimiterTag::OperationAttributes,
                op(
                    "which-jobs",
                    IppValue::Keyword(ipp::value::BoundedString::new(which).unwrap()),
                ),
            );
            req.attributes_mut().add(
                DelimiterTag::OperationAttributes,
                op(
                    "requested-attributes",
                    IppValue::Array(
                        ["job-id", "job-state", "job-name"]
                            .iter()
                            .map(|s| IppValue::Keyword(ipp::value::BoundedString::new(*s).unwrap()))
                            .collect(),
                    ),
                ),
            );
            let body = reqwest::Client::new()
                .post(format!("http://localhost:{}/ipp/print", self.port))
                .header("content-type", "application/ipp")
                .body(req.to_bytes())
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            let resp = IppParser::new(IppReader::new(std::io::Cursor::new(body.to_vec())))
                .parse()
                .unwrap();
            for g in resp.attributes().groups_of(DelimiterTag::JobAttributes) {
                let int = |n: &str| match g.get(n).map(|a| a.value().clone()) {
                    Some(IppValue::Integer(i) | IppValue::Enum(i)) => i,
                    _ => 0,
                };
                let name = g
                    .get("job-name")
                    .map(|a| a.value().to_string())
                    .unwrap_or_default();
                out.push((int("job-id"), int("job-state"), name));
            }
        }
        out.sort();
        out
    }
}
