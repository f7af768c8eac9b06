//! Jobs born and changed together (which SQLite commits in groups): each is answered with its own outcome, a
//! lost race loses alone, and what is answered is what is stored.

use super::{document, event, job, operation, printer};
use crate::{Commit, Store};
use platen_domain::job::JobPhase;
use platen_domain::records::{Job, JobChange};

pub async fn concurrent_job_changes(s: &dyn Store) {
    let t = "tenant-concurrent";
    s.create_printer(&printer(t, "cp", "P"), &operation(t, "cop", "cp"))
        .await
        .unwrap();
    // Jobs born all at once (committed together on SQLite): each gets its own id and its own document.
    let births: Vec<_> = (0..24)
        .map(|i| (job(t, "cp", "alice"), document(t, &format!("cdoc{i}"))))
        .collect();
    let first_event = event(JobPhase::UploadPending);
    let born = futures::future::join_all(births.iter().map(|(j, d)| s.create_job(j, d, &first_event))).await;
    let mut jobs = vec![];
    for (i, created) in born.into_iter().enumerate() {
        let (j, d) = created.unwrap();
        assert_eq!(d.job_id, j.id);
        assert_eq!(d.id, format!("cdoc{i}"));
        assert_eq!(s.list_documents(t, j.id).await.unwrap(), vec![d]);
        jobs.push(j);
    }
    let mut ids: Vec<_> = jobs.iter().map(|j| j.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 24, "every job has an id of its own");
    let ended =
        |j: &Job, phase: JobPhase| JobChange::new(Job { phase, ..j.clone() }, j.version, Some(event(phase)));

    // Distinct jobs, all at once: every change is written.
    let first_half = &jobs[..12];
    let changes: Vec<JobChange> = first_half.iter().map(|j| ended(j, JobPhase::Canceled)).collect();
    let outcomes = futures::future::join_all(changes.iter().map(|c| s.commit_job_change(c))).await;
    for (j, outcome) in first_half.iter().zip(outcomes) {
        let Commit::Done(done) = outcome.unwrap() else {
            panic!("job {} was not written", j.id)
        };
        assert_eq!(done.job.version, j.version + 1);
        assert_eq!(
            s.get_job(t, j.id).await.unwrap().unwrap().phase,
            JobPhase::Canceled
        );
    }

    // Every remaining job raced by a cancel and an abort at the same version, interleaved with each other:
    // exactly one of each pair wins, and the stored job and its history are the winner's.
    let second_half = &jobs[12..];
    let mut racing = vec![];
    for j in second_half {
        racing.push(ended(j, JobPhase::Canceled));
        racing.push(ended(j, JobPhase::Aborted));
    }
    let outcomes = futures::future::join_all(racing.iter().map(|c| s.commit_job_change(c))).await;
    let outcomes: Vec<Commit> = outcomes.into_iter().map(Result::unwrap).collect();
    for (pair, j) in outcomes.chunks(2).zip(second_half) {
        let winners: Vec<JobPhase> = pair
            .iter()
            .filter_map(|o| match o {
                Commit::Done(done) => Some(done.job.phase),
                _ => None,
            })
            .collect();
        assert_eq!(winners.len(), 1, "job {}: {pair:?}", j.id);
        assert!(
            pair.iter().any(|o| matches!(o, Commit::Stale)),
            "job {}: {pair:?}",
            j.id
        );
        let stored = s.get_job(t, j.id).await.unwrap().unwrap();
        assert_eq!(stored.phase, winners[0]);
        assert_eq!(stored.version, j.version + 1);
        let history: Vec<JobPhase> = s
            .job_events(t, j.id)
            .await
            .unwrap()
            .iter()
            .map(|e| e.phase)
            .collect();
        assert_eq!(history, vec![JobPhase::UploadPending, winners[0]]);
    }
}
