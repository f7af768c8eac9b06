//! The durable job journal: one JSON file per claimed job, written atomically *before* each side effect
//! that must not be repeated, so that a restarted connector resumes a job instead of losing or
//! duplicating it.
//!
//! Phases, in order (→ = the side effect performed after the phase is recorded):
//!
//! | phase      | recorded                          | on restart                                            |
//! |------------|-----------------------------------|-------------------------------------------------------|
//! | `Claiming` | after Fetch-Job, → Acknowledge-Job | ask the server (Update-Active-Jobs): ours → `Claimed`; unknown → acknowledge again, else drop |
//! | `Claimed`  | after Acknowledge-Job succeeded    | fetch the document again                              |
//! | `Fetched`  | document complete on disk          | print it                                              |
//! | `Printing` | → Print-Job (job-name has `marker`) | look for `marker` among the local printer's jobs: found → `Printed`, absent → print |
//! | `Printed`  | Print-Job answered the local job id | follow the local job; never send it again             |
//! | `Finished` | the local job is terminal          | report the final state                                |
//!
//! The entry is removed once the final state has been reported. A job is reported `completed` only from
//! `Finished`, which only a local job-state of completed (9) produces.

use crate::fsutil::{create_private_dir, is_temporary, remove_durable, sync_dir, write_atomic};
use crate::ticket::Ticket;
use serde::{Deserialize, Serialize};
use std::io;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Phase {
    Claiming,
    Claimed,
    Fetched,
    Printing,
    Printed,
    Finished,
}

/// What the server asked for a job we hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Stop {
    /// Canceled (7) or aborted (8) on the cloud side: stop the local job and report that state.
    State(i32),
    /// The server no longer knows the job (or it is not ours): stop the local job and report nothing.
    Forget,
}

/// The device-side outcome to report with Update-Job-Status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    pub state: i32,
    pub reasons: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    pub impressions: i32,
    /// Sheets the printer reported (journals written before it was recorded have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheets: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobEntry {
    pub job_id: i32,
    pub phase: Phase,
    pub ticket: Ticket,
    /// Unique text put in the local job-name, to recognise our job after a crash during Print-Job.
    pub marker: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_format: Option<String>,
    #[serde(default)]
    pub document_acknowledged: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local_job_id: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop: Option<Stop>,
    #[serde(default)]
    pub local_cancel_sent: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
}

impl JobEntry {
    pub fn new(job_id: i32, ticket: Ticket) -> Self {
        JobEntry {
            job_id,
            phase: Phase::Claiming,
            ticket,
            marker: format!("platen-{job_id}-{:08x}", rand::random::<u32>()),
            document_format: None,
            document_acknowledged: false,
            local_job_id: None,
            stop: None,
            local_cancel_sent: false,
            outcome: None,
        }
    }

    /// The `output-device-job-state` this job has from the device's point of view (for Update-Active-Jobs).
    pub fn device_state(&self) -> i32 {
        use crate::codes::job_state::*;
        match (self.phase, &self.outcome) {
            (_, Some(o)) => o.state,
            (Phase::Claiming, _) => PENDING,
            _ => PROCESSING,
        }
    }
}

/// One printer's journal directory.
#[derive(Debug, Clone)]
pub struct Journal {
    dir: PathBuf,
}

impl Journal {
    pub fn open(dir: PathBuf) -> io::Result<Self> {
        create_private_dir(&dir)?;
        Ok(Journal { dir })
    }

    fn path(&self, job_id: i32) -> PathBuf {
        self.dir.join(format!("{job_id}.json"))
    }

    /// Every entry, oldest job first. An unreadable entry is moved aside (`*.corrupt`) and reported, so one
    /// bad file cannot stop the connector; atomic writes mean this only happens on disk damage.
    pub fn load_all(&self) -> io::Result<Vec<JobEntry>> {
        let mut out = Vec::new();
        for item in std::fs::read_dir(&self.dir)? {
            let item = item?;
            let name = item.file_name().to_string_lossy().into_owned();
            if is_temporary(&name) {
                let _ = std::fs::remove_file(item.path());
                continue;
            }
            if !name.ends_with(".json") {
                continue;
            }
            let bytes = std::fs::read(item.path())?;
            match serde_json::from_slice::<JobEntry>(&bytes) {
                Ok(e) => out.push(e),
                Err(err) => {
                    tracing::error!(file = %item.path().display(), %err, "unreadable journal entry moved aside");
                    std::fs::rename(item.path(), item.path().with_extension("corrupt"))?;
                    sync_dir(&self.dir)?;
                }
            }
        }
        out.sort_by_key(|e| e.job_id);
        Ok(out)
    }

    pub fn save_blocking(&self, entry: &JobEntry) -> io::Result<()> {
        let bytes = serde_json::to_vec_pretty(entry).map_err(io::Error::other)?;
        write_atomic(&self.path(entry.job_id), &bytes)
    }

    pub fn remove_blocking(&self, job_id: i32) -> io::Result<()> {
        remove_durable(&self.path(job_id))
    }

    /// `save_blocking` off the async runtime. The write completes even if the caller is cancelled while
    /// waiting, and the caller only performs the next side effect after it has returned.
    pub async fn save(&self, entry: &JobEntry) -> io::Result<()> {
        let (j, e) = (self.clone(), entry.clone());
        tokio::task::spawn_blocking(move || j.save_blocking(&e))
            .await
            .map_err(io::Error::other)?
    }

    pub async fn remove(&self, job_id: i32) -> io::Result<()> {
        let j = self.clone();
        tokio::task::spawn_blocking(move || j.remove_blocking(job_id))
            .await
            .map_err(io::Error::other)?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn journal() -> (tempfile::TempDir, Journal) {
        let d = tempfile::tempdir().unwrap();
        let j = Journal::open(d.path().join("j")).unwrap();
        (d, j)
    }

    #[test]
    fn entries_survive_a_reopen_in_job_order() {
        let (d, j) = journal();
        let mut a = JobEntry::new(
            12,
            Ticket {
                copies: Some(2),
                ..Default::default()
            },
        );
        let b = JobEntry::new(3, Ticket::default());
        j.save_blocking(&a).unwrap();
        j.save_blocking(&b).unwrap();
        a.phase = Phase::Printed;
        a.local_job_id = Some(77);
        j.save_blocking(&a).unwrap();
        let reopened = Journal::open(d.path().join("j")).unwrap();
        let all = reopened.load_all().unwrap();
        assert_eq!(all.iter().map(|e| e.job_id).collect::<Vec<_>>(), [3, 12]);
        assert_eq!(all[1], a);
        reopened.remove_blocking(3).unwrap();
        assert_eq!(reopened.load_all().unwrap().len(), 1);
    }

    #[test]
    fn markers_are_unique_per_claim() {
        let a = JobEntry::new(5, Ticket::default());
        let b = JobEntry::new(5, Ticket::default());
        assert!(a.marker.starts_with("platen-5-"));
        assert_ne!(a.marker, b.marker);
    }

    #[test]
    fn device_state_follows_the_phase_and_outcome() {
        let mut e = JobEntry::new(1, Ticket::default());
        assert_eq!(e.device_state(), 3);
        e.phase = Phase::Printed;
        assert_eq!(e.device_state(), 5);
        e.phase = Phase::Finished;
        e.outcome = Some(Outcome {
            state: 9,
            reasons: vec![],
            message: None,
            impressions: 1,
            sheets: None,
        });
        assert_eq!(e.device_state(), 9);
    }

    #[test]
    fn leftovers_and_damage_do_not_stop_loading() {
        let (_d, j) = journal();
        j.save_blocking(&JobEntry::new(1, Ticket::default())).unwrap();
        std::fs::write(j.dir.join(".2.json.0000.tmp"), b"partial").unwrap();
        std::fs::write(j.dir.join("3.json"), b"{not json").unwrap();
        let all = j.load_all().unwrap();
        assert_eq!(all.len(), 1);
        assert!(j.dir.join("3.corrupt").exists());
        assert!(!j.dir.join(".2.json.0000.tmp").exists());
    }

    #[test]
    fn the_stop_request_is_kept() {
        let (_d, j) = journal();
        let mut e = JobEntry::new(9, Ticket::default());
        e.stop = Some(Stop::State(8));
        j.save_blocking(&e).unwrap();
        assert_eq!(j.load_all().unwrap()[0].stop, Some(Stop::State(8)));
    }
}
