//! Looking at ippeveprinter's jobs with `ipptool` (from the same cups-ipp-utils package), and running the
//! connector's commands.

use crate::procs::{BIN, Proc};
use std::path::{Path, PathBuf};
use std::process::Command;

const GET_JOBS_TEST: &str = r#"{
  NAME "jobs"
  OPERATION Get-Jobs
  GROUP operation-attributes-tag
  ATTR charset attributes-charset utf-8
  ATTR language attributes-natural-language en
  ATTR uri printer-uri $uri
  ATTR keyword which-jobs $which
  ATTR keyword requested-attributes job-id,job-state,job-state-reasons,job-name,job-impressions-completed
  STATUS successful-ok
}
"#;

#[derive(Debug, Clone, PartialEq)]
pub struct DeviceJob {
    pub id: i32,
    /// keyword: pending, processing, canceled, completed, …
    pub state: String,
    pub reasons: String,
    pub name: String,
    /// `job-impressions-completed` as the printer reports it.
    pub impressions: i64,
}

/// Every job ippeveprinter lists (active and recently finished), oldest first.
pub fn device_jobs(uri: &str, scratch: &Path) -> Vec<DeviceJob> {
    let test = scratch.join("get-jobs.test");
    if !test.exists() {
        std::fs::write(&test, GET_JOBS_TEST).expect("write ipptool test");
    }
    let mut out = Vec::new();
    for which in ["not-completed", "completed"] {
        let o = Command::new("ipptool")
            .arg("-tv")
            .arg("-d")
            .arg(format!("which={which}"))
            .arg(uri)
            .arg(&test)
            .output()
            .expect("ipptool");
        let text = String::from_utf8_lossy(&o.stdout).into_owned();
        let Some((_, answer)) = text.split_once("status-code =") else {
            continue;
        };
        let mut cur: Option<DeviceJob> = None;
        for line in answer.lines().map(str::trim) {
            if line == "-- separator --" {
                out.extend(cur.take());
                continue;
            }
            let Some((key, value)) = line.split_once(" = ") else {
                continue;
            };
            let name = key.split(' ').next().unwrap_or_default();
            let j = cur.get_or_insert(DeviceJob {
                id: 0,
                state: String::new(),
                reasons: String::new(),
                name: String::new(),
                impressions: 0,
            });
            match name {
                "job-id" => j.id = value.parse().unwrap_or(0),
                "job-state" => j.state = value.to_string(),
                "job-state-reasons" => j.reasons = value.to_string(),
                "job-name" => j.name = value.to_string(),
                "job-impressions-completed" => j.impressions = value.parse().unwrap_or(0),
                _ => {}
            }
        }
        out.extend(cur.filter(|j| j.id != 0));
    }
    out.sort_by_key(|j| j.id);
    out
}

/// `platen connector register`; returns (name, printer id) per printer.
pub fn register(
    server: &str,
    admin: &str,
    state: &Path,
    name: &str,
    printers: &[(String, String)],
) -> Vec<(String, String)> {
    let mut cmd = Command::new(BIN);
    cmd.args([
        "connector",
        "register",
        "--server",
        server,
        "--token",
        admin,
        "--name",
        name,
        "--state-dir",
    ])
    .arg(state)
    .env("RUST_BACKTRACE", "0");
    for (n, uri) in printers {
        cmd.arg("--printer").arg(format!("{n}={uri}"));
    }
    let o = cmd.output().expect("platen connector register");
    assert!(
        o.status.success(),
        "platen connector register failed: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(n, id)| (n.to_string(), id.to_string()))
        .collect()
}

/// `platen connector run` as a separate process, logging to `{state}/../connector-{label}.log`.
pub fn run(state: &Path, label: &str) -> Proc {
    let log: PathBuf = state
        .parent()
        .unwrap_or(state)
        .join(format!("connector-{label}.log"));
    Proc::spawn(
        BIN,
        &[
            "connector".into(),
            "run".into(),
            "--state-dir".into(),
            state.display().to_string(),
        ],
        &[("PLATEN_LOG", "info,platen_connector=debug")],
        &log,
    )
}

/// Copies a state directory (keys, certificates, config; not the lock) for a second connector process.
pub fn copy_state(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read state") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_state(&e.path(), &target);
        } else if e.file_name() != "lock" {
            std::fs::copy(e.path(), target).expect("copy");
        }
    }
}
