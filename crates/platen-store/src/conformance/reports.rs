//! The reports section of the conformance suite: a change that ends a job writes its archived record and adds
//! to the rollups in the same transaction; a stale change writes neither; the reads filter, sort, page and
//! stay in their tenant.

use super::{document, event, job, operation, page, printer, query};
use crate::{ArchiveScope, ArchivedBy, Commit, Store};
use platen_domain::job::JobPhase;
use platen_domain::records::JobChange;
use platen_domain::usage::{ArchivedJob, Dimension, Period, PrintCounts};

/// Ends a new job of `owner` on printer `p` in `phase` with `counts` at `at`, as the job door does.
async fn ended(s: &dyn Store, t: &str, owner: &str, phase: JobPhase, pages: i64, at: i64) -> ArchivedJob {
    let mut j = job(t, "p", owner);
    j.creator_groups = vec![format!("group-of-{owner}")];
    // The address the job came from is part of the archived creator (read back whole below).
    j.created_by.ip_address = Some(format!("192.0.2.{}", owner.len()));
    let (j, _) = s
        .create_job(
            &j,
            &document(t, &format!("d-{owner}-{at}")),
            &event(JobPhase::UploadPending),
        )
        .await
        .unwrap();
    let mut done = j.clone();
    done.phase = phase;
    done.counts = PrintCounts {
        pages: Some(pages),
        ..Default::default()
    };
    let archive = ArchivedJob::of(&done, Some("Lobby".into()), at).unwrap();
    let mut change = JobChange::new(done, j.version, Some(event(phase)));
    change.archive = Some(archive.clone());
    assert!(matches!(
        s.commit_job_change(&change).await.unwrap(),
        Commit::Done(_)
    ));
    // The same decision from a stale read changes nothing, and counts nothing twice.
    assert!(matches!(
        s.commit_job_change(&change).await.unwrap(),
        Commit::Stale
    ));
    archive
}

pub async fn reports(s: &dyn Store) {
    let t = "tenant-reports";
    s.create_printer(&printer(t, "p", "Lobby"), &operation(t, "op", "p"))
        .await
        .unwrap();
    // 2026-12-06 10:00 and 2026-12-07 10:00 UTC.
    let (day1, day2) = (1_796_551_200_000_000, 1_796_637_600_000_000);
    let a1 = ended(s, t, "alice", JobPhase::Completed, 5, day1).await;
    let a2 = ended(s, t, "alice", JobPhase::Completed, 2, day2).await;
    let b1 = ended(s, t, "bob", JobPhase::Canceled, 0, day2).await;

    let users = s
        .list_usage(t, Period::Day, Dimension::User, &query("$orderby=usageDate", 10))
        .await
        .unwrap();
    let rows: Vec<_> = users
        .items
        .iter()
        .map(|r| {
            (
                r.id.as_str(),
                r.counts.completed_jobs,
                r.counts.incomplete_jobs,
                r.counts.pages,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("alice_2026-12-06", 1, 0, 5),
            ("alice_2026-12-07", 1, 0, 2),
            ("bob_2026-12-07", 0, 1, 0)
        ]
    );
    let month = s
        .get_usage(t, Period::Month, Dimension::Printer, "p_2026-12-01")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            month.counts.completed_jobs,
            month.counts.incomplete_jobs,
            month.counts.pages
        ),
        (2, 1, 7)
    );
    assert_eq!(month.subject_name.as_deref(), Some("Lobby"));

    let filtered = s
        .list_usage(
            t,
            Period::Day,
            Dimension::User,
            &query(
                "$filter=userPrincipalName eq 'ALICE@x' and usageDate ge 2026-12-07&$count=true",
                10,
            ),
        )
        .await
        .unwrap();
    assert_eq!(filtered.count, Some(1));
    assert_eq!(filtered.items[0].id, "alice_2026-12-07");
    let first = s
        .list_usage(t, Period::Day, Dimension::User, &query("$orderby=usageDate", 1))
        .await
        .unwrap();
    assert!(
        first.next.is_some(),
        "a page of one of three rows has a next page"
    );

    let by = |by: ArchivedBy, from: Option<i64>, to: Option<i64>| ArchiveScope { by, from, to };
    let printer_jobs = s
        .list_archived_jobs(
            t,
            &by(ArchivedBy::Printer("p".into()), None, None),
            &query("$orderby=completionDateTime", 10),
        )
        .await
        .unwrap();
    assert_eq!(printer_jobs.items, vec![a1.clone(), a2.clone(), b1.clone()]);
    let alice_day2 = s
        .list_archived_jobs(
            t,
            &by(ArchivedBy::User("alice".into()), Some(day2), Some(day2)),
            &page(10),
        )
        .await
        .unwrap();
    assert_eq!(alice_day2.items, vec![a2]);
    let group = s
        .list_archived_jobs(
            t,
            &by(ArchivedBy::Group("group-of-bob".into()), Some(day1), None),
            &page(10),
        )
        .await
        .unwrap();
    assert_eq!(group.items, vec![b1]);

    // Another tenant sees nothing.
    let other = s
        .list_usage("other", Period::Day, Dimension::User, &page(10))
        .await
        .unwrap();
    assert!(other.items.is_empty());
    let other_jobs = s
        .list_archived_jobs(
            "other",
            &by(ArchivedBy::Printer("p".into()), None, None),
            &page(10),
        )
        .await
        .unwrap();
    assert!(other_jobs.items.is_empty());
    assert!(
        s.get_usage("other", Period::Month, Dimension::Printer, "p_2026-12-01")
            .await
            .unwrap()
            .is_none()
    );
}

/// Job ends are counted in bulk, later: a fold counts at most its limit, never a job twice; a read counts every
/// job that ended before it (folding what is pending itself); folds running beside job ends and each other (two
/// nodes' folders) lose nothing and add nothing.
pub async fn usage_folding(s: &dyn Store) {
    let t = "tenant-folding";
    s.create_printer(&printer(t, "p", "Lobby"), &operation(t, "op", "p"))
        .await
        .unwrap();
    let day = 1_796_551_200_000_000;
    for pages in 1..=5 {
        ended(s, t, "alice", JobPhase::Completed, pages, day + pages).await;
    }
    assert_eq!(s.fold_usage(2).await.unwrap(), 2);
    assert_eq!(s.fold_usage(2).await.unwrap(), 2);
    let month = || async {
        s.get_usage(t, Period::Month, Dimension::Printer, "p_2026-12-01")
            .await
            .unwrap()
            .map(|u| (u.counts.completed_jobs, u.counts.pages))
    };
    // The fifth is still pending: the read counts it.
    assert_eq!(month().await, Some((5, 15)));
    assert_eq!(s.fold_usage(10).await.unwrap(), 0, "nothing is left to count");
    assert_eq!(month().await, Some((5, 15)));

    // Job ends, and folds of small batches, side by side.
    let ends = async {
        for pages in 1..=40 {
            ended(
                s,
                t,
                &format!("user{}", pages % 4),
                JobPhase::Completed,
                pages,
                day + pages,
            )
            .await;
        }
    };
    let folds = || async {
        let mut folded = 0;
        for _ in 0..60 {
            folded += s.fold_usage(3).await.unwrap();
            tokio::task::yield_now().await;
        }
        folded
    };
    let ((), first, second) = tokio::join!(ends, folds(), folds());
    let rest = s.fold_usage(1000).await.unwrap();
    assert_eq!(first + second + rest, 40, "every job counted once");
    assert_eq!(month().await, Some((45, 15 + 820)));
    let users = s
        .list_usage(t, Period::Month, Dimension::User, &page(10))
        .await
        .unwrap();
    let mut jobs: Vec<_> = users
        .items
        .iter()
        .map(|u| (u.id.as_str(), u.counts.completed_jobs))
        .collect();
    jobs.sort();
    assert_eq!(
        jobs,
        [
            ("alice_2026-12-01", 5),
            ("user0_2026-12-01", 10),
            ("user1_2026-12-01", 10),
            ("user2_2026-12-01", 10),
            ("user3_2026-12-01", 10)
        ]
    );
}
