//! The quotas section of the conformance suite: rules, and the hold and charge that ride on job changes,
//! exact when starts race for the last pages.

use super::{document, event, job, operation, printer};
use crate::{Commit, Store, StoreError};
use platen_domain::job::JobPhase;
use platen_domain::quota::{
    QuotaAccount, QuotaHold, QuotaPeriod, QuotaReservation, QuotaRule, QuotaSettlement, QuotaSubject,
};
use platen_domain::records::{Job, JobChange};

fn rule(tenant: &str, id: &str, subject: QuotaSubject, pages: Option<i64>, at: i64) -> QuotaRule {
    QuotaRule {
        tenant_id: tenant.into(),
        id: id.into(),
        subject,
        period: QuotaPeriod::Month,
        pages,
        overdraft: 0,
        created_at: at,
    }
}

const MONTH: i64 = 1_796_083_200_000_000; // 2026-12-01T00:00:00Z
const NEXT_MONTH: i64 = 1_798_761_600_000_000; // 2027-01-01T00:00:00Z

fn hold(pages: i64) -> QuotaHold {
    QuotaHold {
        user_id: "alice".into(),
        period: QuotaPeriod::Month,
        period_start: MONTH,
        pages,
    }
}

/// A start under a quota of `allowance` pages holding `pages`.
fn start(j: &Job, pages: i64, allowance: i64) -> JobChange {
    let mut started = Job {
        phase: JobPhase::Processing,
        ..j.clone()
    };
    started.quota_hold = Some(hold(pages));
    let mut c = JobChange::new(started, j.version, Some(event(JobPhase::Processing)));
    c.quota_reserve = Some(QuotaReservation {
        hold: hold(pages),
        allowance,
    });
    c
}

async fn account(s: &dyn Store, t: &str, start: i64) -> QuotaAccount {
    s.quota_account(t, "alice", QuotaPeriod::Month, start)
        .await
        .unwrap()
}

/// Rules unique per user and per group, found for a user through their id and groups, isolated by tenant; holds
/// taken only while the account has room, exactly under racing starts, released and charged at the end; credits;
/// and a new period starting from nothing.
pub async fn quotas(s: &dyn Store) {
    let t = "tenant-quotas";
    let user = rule(t, "r-user", QuotaSubject::User("alice".into()), Some(5), 2);
    let group = rule(t, "r-group", QuotaSubject::Group("staff".into()), None, 1);
    s.create_quota_rule(&user).await.unwrap();
    s.create_quota_rule(&group).await.unwrap();
    s.create_quota_rule(&rule(
        "other",
        "r-x",
        QuotaSubject::User("alice".into()),
        Some(1),
        3,
    ))
    .await
    .unwrap();
    assert!(matches!(
        s.create_quota_rule(&rule(
            t,
            "r-again",
            QuotaSubject::User("alice".into()),
            Some(9),
            4
        ))
        .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        s.list_quota_rules(t).await.unwrap(),
        vec![group.clone(), user.clone()]
    );
    assert_eq!(s.get_quota_rule(t, "r-user").await.unwrap(), Some(user.clone()));
    assert_eq!(s.get_quota_rule(t, "r-x").await.unwrap(), None);
    let found = s
        .quota_rules_for(t, "alice", &["staff".into(), "other".into()])
        .await
        .unwrap();
    assert_eq!(found, vec![group.clone(), user.clone()]);
    assert_eq!(s.quota_rules_for(t, "bob", &[]).await.unwrap(), vec![]);
    assert!(!s.delete_quota_rule(t, "r-x").await.unwrap());
    assert!(s.delete_quota_rule(t, "r-group").await.unwrap());
    assert_eq!(s.list_quota_rules(t).await.unwrap(), vec![user]);

    s.create_printer(&printer(t, "qp", "P"), &operation(t, "qop", "qp"))
        .await
        .unwrap();
    let mut jobs = vec![];
    for i in 0..8 {
        let (j, _) = s
            .create_job(
                &job(t, "qp", "alice"),
                &document(t, &format!("qdoc{i}")),
                &event(JobPhase::UploadPending),
            )
            .await
            .unwrap();
        jobs.push(j);
    }

    // Six starts of 3 pages race for 10: exactly three are held (9 pages), three refused and not written.
    let racing: Vec<JobChange> = jobs[..6].iter().map(|j| start(j, 3, 10)).collect();
    let outcomes = futures::future::join_all(racing.iter().map(|c| s.commit_job_change(c))).await;
    let mut won = vec![];
    for (j, outcome) in jobs[..6].iter().zip(outcomes) {
        match outcome.unwrap() {
            Commit::Done(done) => {
                assert_eq!(done.job.quota_hold, Some(hold(3)));
                won.push(done.job);
            }
            Commit::QuotaExceeded(a) => {
                assert!(a.held + 3 > 10, "refused with room left: {a:?}");
                let stored = s.get_job(t, j.id).await.unwrap().unwrap();
                assert_eq!((stored.phase, stored.version), (j.phase, j.version));
                assert_eq!(stored.quota_hold, None);
            }
            other => panic!("job {}: {other:?}", j.id),
        }
    }
    assert_eq!(won.len(), 3, "three starts fit in ten pages");
    assert_eq!(
        account(s, t, MONTH).await,
        QuotaAccount {
            held: 9,
            ..QuotaAccount::empty("alice", QuotaPeriod::Month, MONTH)
        }
    );
    assert_eq!(
        s.get_job(t, won[0].id).await.unwrap().unwrap().quota_hold,
        Some(hold(3))
    );

    // One printed 2 of its 3 pages, one was canceled before printing: the holds go, what printed is charged.
    for (j, phase, charge) in [
        (&won[0], JobPhase::Completed, 2),
        (&won[1], JobPhase::Canceled, 0),
    ] {
        let mut c = JobChange::new(Job { phase, ..j.clone() }, j.version, Some(event(phase)));
        c.quota_settle = Some(QuotaSettlement {
            hold: hold(3),
            charge,
        });
        assert!(matches!(s.commit_job_change(&c).await.unwrap(), Commit::Done(_)));
    }
    let now = account(s, t, MONTH).await;
    assert_eq!((now.charged, now.held), (2, 3));

    // 5 pages left: a start of 6 is refused until an administrator credits a page.
    let big = start(&jobs[6], 6, 10);
    assert!(matches!(
        s.commit_job_change(&big).await.unwrap(),
        Commit::QuotaExceeded(QuotaAccount {
            charged: 2,
            held: 3,
            ..
        })
    ));
    let credited = s
        .credit_quota(t, "alice", QuotaPeriod::Month, MONTH, 1)
        .await
        .unwrap();
    assert_eq!(credited.credited, 1);
    assert!(matches!(
        s.commit_job_change(&big).await.unwrap(),
        Commit::Done(_)
    ));
    assert_eq!(account(s, t, MONTH).await.held, 9);

    // The next month starts from nothing; the last one keeps its numbers, listed newest first.
    assert_eq!(
        account(s, t, NEXT_MONTH).await,
        QuotaAccount::empty("alice", QuotaPeriod::Month, NEXT_MONTH)
    );
    s.credit_quota(t, "alice", QuotaPeriod::Month, NEXT_MONTH, 4)
        .await
        .unwrap();
    let history = s.quota_accounts_of(t, "alice").await.unwrap();
    assert_eq!(
        history
            .iter()
            .map(|a| (a.period_start, a.charged, a.held, a.credited))
            .collect::<Vec<_>>(),
        vec![(NEXT_MONTH, 0, 0, 4), (MONTH, 2, 9, 1)]
    );
    assert_eq!(s.quota_accounts_of("other", "alice").await.unwrap(), vec![]);
}
