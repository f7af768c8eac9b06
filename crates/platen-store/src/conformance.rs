//! The store conformance suite: backend-agnostic checks of the [`Store`] contract, run against SQLite and
//! PostgreSQL (see `tests/conformance.rs`), each section on a fresh store. Add a check here, and every backend
//! must pass it; list a new section in [`crate::conformance_sections!`] too.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::{AddRange, Commit, JobScope, ListQuery, Store, StoreError, Viewer};
use platen_domain::JobId;
use platen_domain::job::{JobEvent, JobPhase, Transition, transition};
use platen_domain::records::*;
use platen_domain::task::TaskState;
use platen_domain::time::now_micros;
use platen_odata::parse_query;
use serde_json::json;

mod concurrent_changes;
mod console_sessions;
mod download_tickets;
mod policies;
mod print_passwords;
mod quotas;
mod release_pins;
mod reports;
mod retention;
mod throttle;
pub use concurrent_changes::concurrent_job_changes;
pub use console_sessions::console_sessions;
pub use download_tickets::download_tickets;
pub use policies::policies;
pub use print_passwords::print_passwords;
pub use quotas::quotas;
pub use release_pins::release_pins;
pub use reports::{reports, usage_folding};
pub use retention::{retention, retention_by_printer};
pub use throttle::throttle_windows;

/// `conformance_sections!(then, args…)` calls `then!(args…; section, section, …)` with the name of every
/// section (a `pub async fn(&dyn Store)` below), so each backend's test file makes one test per section, named
/// after it, without repeating the list.
#[macro_export]
macro_rules! conformance_sections {
    ($then:ident $(, $arg:tt)*) => {
        $then!(
            $($arg),*;
            printers_and_operations,
            shares_and_visibility,
            shares_of_all_tenants,
            jobs_cas_and_paging,
            concurrent_job_changes,
            uploads,
            tenant_isolation,
            pull_printing,
            notifications,
            print_passwords,
            reports,
            usage_folding,
            throttle_windows,
            download_tickets,
            document_conversions,
            console_sessions,
            retention,
            retention_by_printer,
            policies,
            quotas,
            release_pins
        );
    };
}

pub fn printer(tenant: &str, id: &str, name: &str) -> Printer {
    Printer {
        tenant_id: tenant.into(),
        id: id.into(),
        display_name: name.into(),
        manufacturer: Some("Acme".into()),
        model: Some("P1".into()),
        is_accepting_jobs: None,
        status_state: "unknown".into(),
        status_details: vec![],
        status_description: None,
        location: json!({"building": "B1"}),
        defaults: json!({}),
        factory_defaults: json!({}),
        capabilities: json!({"contentTypes": ["application/pdf"]}),
        registered_at: now_micros(),
        is_shared: false,
        has_physical_device: true,
        physical_device_id: None,
        last_seen_at: None,
        connector_id: None,
        registered_by_app: None,
        certificate: None,
        device_attributes: serde_json::Value::Null,
    }
}

pub fn operation(tenant: &str, id: &str, printer: &str) -> PrinterOperation {
    PrinterOperation {
        tenant_id: tenant.into(),
        id: id.into(),
        created_at: now_micros(),
        state: "succeeded".into(),
        description: "done".into(),
        certificate: Some("cert".into()),
        printer_id: Some(printer.into()),
    }
}

pub fn job(tenant: &str, printer: &str, owner: &str) -> Job {
    let now = now_micros();
    Job {
        tenant_id: tenant.into(),
        id: JobId::new(0),
        printer_id: printer.into(),
        share_id: None,
        phase: JobPhase::UploadPending,
        completion: None,
        status_reason: None,
        created_at: now,
        created_by: UserIdentity {
            id: owner.into(),
            user_principal_name: Some(format!("{owner}@x")),
            ..Default::default()
        },
        creator_groups: vec![],
        configuration: json!({"copies": 1}),
        display_name: None,
        redirected_from: None,
        redirected_to: None,
        error_code: None,
        acknowledged_at: None,
        acquired_by: None,
        completed_at: None,
        counts: Default::default(),
        quota_hold: None,
        updated_at: now,
        version: 0,
    }
}

pub fn document(tenant: &str, id: &str) -> Document {
    Document {
        tenant_id: tenant.into(),
        id: id.into(),
        job_id: JobId::new(0),
        display_name: String::new(),
        content_type: String::new(),
        size: 0,
        sha256: None,
        uploaded_at: None,
        downloaded_at: None,
        blob_key: None,
        configuration: None,
        converted: None,
        purged_at: None,
    }
}

pub fn event(phase: JobPhase) -> JobEventRecord {
    JobEventRecord {
        at: now_micros(),
        phase,
        actor: "test".into(),
        reason: None,
    }
}

fn page(limit: u32) -> ListQuery {
    ListQuery {
        limit,
        ..Default::default()
    }
}

fn query(raw: &str, limit: u32) -> ListQuery {
    let q = parse_query(raw).unwrap();
    ListQuery {
        filter: q.filter,
        orderby: q.orderby,
        limit,
        count: q.count.unwrap_or(false),
        ..Default::default()
    }
}

pub async fn printers_and_operations(s: &dyn Store) {
    let t = "tenant-printers";
    for i in 0..5 {
        let p = printer(t, &format!("p{i}"), &format!("Printer {i}"));
        s.create_printer(&p, &operation(t, &format!("op{i}"), &p.id))
            .await
            .unwrap();
    }
    let op = s.get_operation(t, "op3").await.unwrap().unwrap();
    assert_eq!(op.printer_id.as_deref(), Some("p3"));
    let dup = s
        .create_printer(&printer(t, "p1", "again"), &operation(t, "op-dup", "p1"))
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");

    // Keyset paging visits every printer exactly once.
    let mut seen = vec![];
    let mut q = page(2);
    loop {
        let pg = s.list_printers(t, &q).await.unwrap();
        seen.extend(pg.items.iter().map(|p| p.id.clone()));
        match pg.next {
            Some(after) => q.after = Some(after),
            None => break,
        }
    }
    assert_eq!(seen, vec!["p0", "p1", "p2", "p3", "p4"]);

    let filtered = s
        .list_printers(t, &query("$filter=displayName eq 'printer 2'&$count=true", 10))
        .await
        .unwrap();
    assert_eq!(filtered.items.len(), 1);
    assert_eq!(filtered.count, Some(1));
    let by_loc = s
        .list_printers(t, &query("$filter=location/building eq 'B1'", 10))
        .await
        .unwrap();
    assert_eq!(by_loc.items.len(), 5);
    let desc = s
        .list_printers(t, &query("$orderby=displayName desc", 2))
        .await
        .unwrap();
    assert_eq!(desc.items[0].id, "p4");

    let mut p = s.get_printer(t, "p2").await.unwrap().unwrap();
    p.display_name = "Renamed".into();
    p.location = json!({"building": "B2", "subunit": ["East"]});
    s.update_printer(&p).await.unwrap();
    assert_eq!(s.get_printer(t, "p2").await.unwrap().unwrap(), p);
    assert!(s.delete_printer(t, "p4").await.unwrap());
    assert!(!s.delete_printer(t, "p4").await.unwrap());
    assert!(matches!(
        s.update_printer(&printer(t, "p4", "x")).await,
        Err(StoreError::NotFound)
    ));
}

/// [`ShareStore::share_view`] answers what the separate reads answer, in one: the share, its printer, the user's
/// last use and the viewer's visibility ("closed" lists group g-admins and user bob; "open" allows all users).
async fn share_views(s: &dyn Store, t: &str, alice: &Viewer, bob: &Viewer) {
    let carol = Viewer {
        user_id: "carol".into(),
        groups: vec!["g-other".into(), "g-more".into()],
    };
    for (viewer, share, expected) in [
        (Some(alice), "closed", true),
        (Some(bob), "closed", true),
        (Some(&carol), "closed", false),
        (Some(&carol), "open", true),
        (None, "closed", true),
    ] {
        let user = viewer.map_or("admin", |v| v.user_id.as_str());
        let view = s.share_view(t, share, user, viewer).await.unwrap().unwrap();
        assert_eq!(view.visible, expected, "{user} on {share}");
        assert_eq!(view.share.id, share);
        assert_eq!(Some(view.share.clone()), s.get_share(t, share).await.unwrap());
        let printer = s.get_printer(t, &view.share.printer_id).await.unwrap().unwrap();
        assert_eq!(view.printer, printer);
        assert_eq!(view.last_used, None);
    }
    s.record_share_use(t, "closed", "ERIN", 42).await.unwrap();
    let view = s.share_view(t, "closed", "erin", None).await.unwrap().unwrap();
    assert_eq!(view.last_used, Some(42));
    let view = s
        .share_view(t, "closed", "alice", Some(alice))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.last_used, None, "another user's use is not mine");
    // Asked again after each write, a view shows the write (SQLite keeps views in memory).
    let view =
        |user: &'static str| async move { s.share_view(t, "closed", user, None).await.unwrap().unwrap() };
    assert_eq!(view("erin").await.last_used, Some(42));
    s.record_share_use(t, "closed", "erin", 43).await.unwrap();
    assert_eq!(view("erin").await.last_used, Some(43));
    let mut printer = view("erin").await.printer;
    printer.display_name = "Renamed printer".into();
    s.update_printer(&printer).await.unwrap();
    assert_eq!(view("erin").await.printer.display_name, "Renamed printer");
    let mut share = view("erin").await.share;
    share.display_name = "Renamed share".into();
    s.update_share(&share).await.unwrap();
    assert_eq!(view("erin").await.share.display_name, "Renamed share");
    let carol_may_use = || async {
        s.share_view(t, "closed", "carol", Some(&carol))
            .await
            .unwrap()
            .unwrap()
            .visible
    };
    assert!(!carol_may_use().await);
    let carol_user = DirectoryUser {
        id: "carol".into(),
        display_name: None,
        user_principal_name: None,
    };
    s.add_allowed_user(t, "closed", &carol_user).await.unwrap();
    assert!(carol_may_use().await);
    s.remove_allowed_user(t, "closed", "carol").await.unwrap();
    assert!(!carol_may_use().await);
    assert!(s.share_view(t, "nope", "bob", Some(bob)).await.unwrap().is_none());
    assert!(
        s.share_view("other-tenant", "closed", "bob", None)
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn shares_and_visibility(s: &dyn Store) {
    let t = "tenant-shares";
    for i in 0..3 {
        let p = printer(t, &format!("sp{i}"), "P");
        s.create_printer(&p, &operation(t, &format!("sop{i}"), &p.id))
            .await
            .unwrap();
    }
    let share = |id: &str, printer: &str, all: bool| Share {
        tenant_id: t.into(),
        id: id.into(),
        printer_id: printer.into(),
        display_name: format!("Share {id}"),
        allow_all_users: all,
        created_at: now_micros(),
    };
    s.create_share(&share("open", "sp0", true)).await.unwrap();
    s.create_share(&share("closed", "sp1", false)).await.unwrap();
    let second = s.create_share(&share("again", "sp0", false)).await;
    assert!(
        matches!(second, Err(StoreError::Conflict(_))),
        "one share per printer: {second:?}"
    );

    let alice = Viewer {
        user_id: "alice".into(),
        groups: vec!["g-admins".into()],
    };
    let bob = Viewer {
        user_id: "bob".into(),
        groups: vec![],
    };
    let ids = |pg: crate::Page<Share>| pg.items.into_iter().map(|s| s.id).collect::<Vec<_>>();
    assert_eq!(
        ids(s.list_shares(t, Some(&bob), &page(10)).await.unwrap()),
        vec!["open"]
    );
    s.add_allowed_group(
        t,
        "closed",
        &DirectoryGroup {
            id: "G-Admins".into(),
            display_name: Some("Admins".into()),
        },
    )
    .await
    .unwrap();
    assert!(s.share_visible_to(t, "closed", &alice).await.unwrap());
    assert!(!s.share_visible_to(t, "closed", &bob).await.unwrap());
    let bob_user = DirectoryUser {
        id: "bob".into(),
        display_name: Some("Bob".into()),
        user_principal_name: None,
    };
    s.add_allowed_user(t, "closed", &bob_user).await.unwrap();
    s.add_allowed_user(t, "closed", &bob_user).await.unwrap(); // idempotent
    assert!(s.share_visible_to(t, "closed", &bob).await.unwrap());
    share_views(s, t, &alice, &bob).await;
    // One member of one list, by id (any case); a list holds only what was added to it.
    use crate::ShareList::{AllowedGroups, AllowedUsers};
    assert!(
        s.share_list_contains(t, "closed", AllowedUsers, "BOB")
            .await
            .unwrap()
    );
    assert!(
        s.share_list_contains(t, "closed", AllowedGroups, "g-admins")
            .await
            .unwrap()
    );
    assert!(
        !s.share_list_contains(t, "closed", AllowedUsers, "alice")
            .await
            .unwrap()
    );
    assert!(
        !s.share_list_contains(t, "closed", AllowedGroups, "bob")
            .await
            .unwrap()
    );
    assert!(
        !s.share_list_contains(t, "closed", AllowedUsers, "g-admins")
            .await
            .unwrap()
    );
    assert!(
        !s.share_list_contains(t, "open", AllowedUsers, "bob")
            .await
            .unwrap()
    );
    assert!(
        !s.share_list_contains("other-tenant", "closed", AllowedUsers, "bob")
            .await
            .unwrap()
    );
    let users = s.list_allowed_users(t, "closed", &page(10)).await.unwrap();
    assert_eq!(users.items, vec![bob_user]);
    assert!(s.remove_allowed_user(t, "closed", "BOB").await.unwrap());
    assert!(!s.share_visible_to(t, "closed", &bob).await.unwrap());
    assert!(
        !s.share_list_contains(t, "closed", AllowedUsers, "bob")
            .await
            .unwrap()
    );
    assert_eq!(
        s.list_allowed_groups(t, "closed", &page(10))
            .await
            .unwrap()
            .items
            .len(),
        1
    );

    // Re-pointing a share to a printer that has one conflicts; to a free printer works.
    let mut moved = s.get_share(t, "closed").await.unwrap().unwrap();
    moved.printer_id = "sp0".into();
    assert!(matches!(
        s.update_share(&moved).await,
        Err(StoreError::Conflict(_))
    ));
    moved.printer_id = "sp2".into();
    s.update_share(&moved).await.unwrap();
    assert_eq!(s.share_of_printer(t, "sp2").await.unwrap().unwrap().id, "closed");
    // By id alone (IPP clients): found with its tenant; an unknown id is none.
    let found = s.find_share("closed").await.unwrap().unwrap();
    assert_eq!((found.tenant_id.as_str(), found.printer_id.as_str()), (t, "sp2"));
    assert!(s.find_share("no-such-share").await.unwrap().is_none());
    // The IPP printer's own setting: off by default, set and unset; gone with the share.
    assert!(!s.share_allows_unauthenticated_ipp(t, "closed").await.unwrap());
    s.set_share_allows_unauthenticated_ipp(t, "closed", true)
        .await
        .unwrap();
    assert!(s.share_allows_unauthenticated_ipp(t, "closed").await.unwrap());
    s.set_share_allows_unauthenticated_ipp(t, "closed", false)
        .await
        .unwrap();
    assert!(!s.share_allows_unauthenticated_ipp(t, "closed").await.unwrap());
    s.set_share_allows_unauthenticated_ipp(t, "open", true)
        .await
        .unwrap();

    s.record_share_use(t, "open", "bob", 10).await.unwrap();
    s.record_share_use(t, "open", "bob", 20).await.unwrap();
    assert_eq!(s.share_last_used(t, "open", "bob").await.unwrap(), Some(20));
    let page = ["open".to_string(), "closed".to_string(), "nope".to_string()];
    assert_eq!(
        s.shares_last_used(t, &page, "BOB").await.unwrap(),
        vec![("open".to_string(), 20)]
    );
    assert!(s.shares_last_used(t, &page, "alice").await.unwrap().is_empty());
    assert!(
        s.shares_last_used("other", &page, "bob")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(s.shares_last_used(t, &[], "bob").await.unwrap().is_empty());
    let recent = s.recent_shares(t, &bob, 10).await.unwrap();
    assert_eq!(recent.len(), 1);
    assert!(s.delete_share(t, "open").await.unwrap());
    assert!(s.recent_shares(t, &bob, 10).await.unwrap().is_empty());
    assert!(!s.share_allows_unauthenticated_ipp(t, "open").await.unwrap());
}

/// The DNS-SD advertiser's view: every tenant's shares with their printers, oldest first, bounded.
pub async fn shares_of_all_tenants(s: &dyn Store) {
    assert!(s.all_shares_with_printers(10).await.unwrap().is_empty());
    let mut expected = vec![];
    for (i, t) in ["tenant-a", "tenant-b", "tenant-a"].iter().enumerate() {
        let mut p = printer(t, &format!("ap{i}"), &format!("Printer {i}"));
        p.capabilities = json!({"contentTypes": ["application/pdf", "image/urf"], "colorModes": ["color"]});
        s.create_printer(&p, &operation(t, &format!("aop{i}"), &p.id))
            .await
            .unwrap();
        let share = Share {
            tenant_id: (*t).into(),
            id: format!("as{i}").into(),
            printer_id: p.id.clone(),
            display_name: format!("Share {i}"),
            allow_all_users: i == 1,
            created_at: 1_000 + i as i64,
        };
        s.create_share(&share).await.unwrap();
        let mut stored = s.get_printer(t, &p.id).await.unwrap().unwrap();
        stored.is_shared = true;
        expected.push((share, stored));
    }
    // A printer without a share is not listed.
    let lone = printer("tenant-b", "lone", "Lone");
    s.create_printer(&lone, &operation("tenant-b", "lone-op", "lone"))
        .await
        .unwrap();

    let all = s.all_shares_with_printers(10).await.unwrap();
    assert_eq!(all, expected);
    assert_eq!(s.all_shares_with_printers(2).await.unwrap(), expected[..2]);
    // Renamed and deleted shares show at once.
    let mut renamed = expected[0].0.clone();
    renamed.display_name = "Renamed".into();
    s.update_share(&renamed).await.unwrap();
    assert!(s.delete_share("tenant-b", "as1").await.unwrap());
    let names: Vec<(String, String)> = s
        .all_shares_with_printers(10)
        .await
        .unwrap()
        .into_iter()
        .map(|(sh, p)| (sh.display_name, p.id.into_string()))
        .collect();
    assert_eq!(
        names,
        [
            ("Renamed".to_string(), "ap0".to_string()),
            ("Share 2".into(), "ap2".into())
        ]
    );
}

pub async fn jobs_cas_and_paging(s: &dyn Store) {
    let t = "tenant-jobs";
    s.create_printer(&printer(t, "jp", "P"), &operation(t, "jop", "jp"))
        .await
        .unwrap();
    let mut ids = vec![];
    for i in 0..7 {
        let owner = if i % 2 == 0 { "alice" } else { "bob" };
        let (j, d) = s
            .create_job(
                &job(t, "jp", owner),
                &document(t, &format!("doc{i}")),
                &event(JobPhase::UploadPending),
            )
            .await
            .unwrap();
        assert!(j.id.get() > 0);
        assert_eq!(d.job_id, j.id);
        ids.push(j.id);
    }
    let mine = JobScope {
        printer_id: Some("jp".into()),
        share_id: None,
        owner_id: Some("alice".into()),
    };
    let pg = s.list_jobs(t, &mine, &page(10)).await.unwrap();
    assert_eq!(pg.items.len(), 4);
    let all = JobScope {
        printer_id: Some("jp".into()),
        share_id: None,
        owner_id: None,
    };
    let mut q = query("$orderby=createdDateTime desc", 3);
    let mut seen = vec![];
    loop {
        let pg = s.list_jobs(t, &all, &q).await.unwrap();
        seen.extend(pg.items.iter().map(|j| j.id));
        match pg.next {
            Some(after) => q.after = Some(after),
            None => break,
        }
    }
    let mut expected = ids.clone();
    expected.reverse();
    assert_eq!(
        seen, expected,
        "descending by creation with id tie-break, no duplicates"
    );
    let by_upn = s
        .list_jobs(
            t,
            &all,
            &query("$filter=createdBy/userPrincipalName eq 'BOB@x'", 10),
        )
        .await
        .unwrap();
    assert_eq!(by_upn.items.len(), 3);

    // Compare-and-swap: a stale version loses.
    let job = s.get_job(t, ids[0]).await.unwrap().unwrap();
    let Transition::To(next) = transition(job.phase, JobEvent::Cancel) else {
        panic!("cancel refused")
    };
    let canceled = Job {
        phase: next,
        ..job.clone()
    };
    assert!(matches!(
        s.commit_job_change(&JobChange::new(canceled, job.version, Some(event(next))))
            .await
            .unwrap(),
        Commit::Done(_)
    ));
    let aborted = Job {
        phase: JobPhase::Aborted,
        ..job.clone()
    };
    assert!(matches!(
        s.commit_job_change(&JobChange::new(aborted, job.version, None))
            .await
            .unwrap(),
        Commit::Stale
    ));
    let stored = s.get_job(t, ids[0]).await.unwrap().unwrap();
    assert_eq!(stored.phase, JobPhase::Canceled);
    assert_eq!(stored.version, job.version + 1);
    let states = s
        .list_jobs(t, &all, &query("$filter=status/state eq 'canceled'", 10))
        .await
        .unwrap();
    assert_eq!(
        states.items.iter().map(|j| j.id).collect::<Vec<_>>(),
        vec![ids[0]]
    );
    let history = s.job_events(t, ids[0]).await.unwrap();
    assert_eq!(
        history.iter().map(|e| e.phase).collect::<Vec<_>>(),
        vec![JobPhase::UploadPending, JobPhase::Canceled]
    );
}

pub async fn uploads(s: &dyn Store) {
    let t = "tenant-uploads";
    s.create_printer(&printer(t, "up", "P"), &operation(t, "uop", "up"))
        .await
        .unwrap();
    let (job, doc) = s
        .create_job(
            &job(t, "up", "alice"),
            &document(t, "udoc"),
            &event(JobPhase::UploadPending),
        )
        .await
        .unwrap();
    // A document's configuration is set only while its job is at the version the caller read.
    let config = json!({"copies": 2, "feedDirection": "longEdgeFirst"});
    assert!(
        s.set_document_configuration(t, &doc.id, job.id, job.version, Some(&config))
            .await
            .unwrap()
    );
    assert_eq!(
        s.get_document(t, &doc.id).await.unwrap().unwrap().configuration,
        Some(config.clone())
    );
    assert!(
        !s.set_document_configuration(t, &doc.id, job.id, job.version + 1, None)
            .await
            .unwrap(),
        "a stale job version changes nothing"
    );
    assert!(
        !s.set_document_configuration("other-tenant", &doc.id, job.id, job.version, None)
            .await
            .unwrap()
    );
    assert_eq!(
        s.list_documents(t, job.id).await.unwrap()[0].configuration,
        Some(config)
    );
    assert!(
        s.set_document_configuration(t, &doc.id, job.id, job.version, None)
            .await
            .unwrap()
    );
    assert_eq!(
        s.get_document(t, &doc.id).await.unwrap().unwrap().configuration,
        None
    );
    let session = UploadSession {
        id: "sess1".into(),
        tenant_id: t.into(),
        job_id: job.id,
        document_id: doc.id.clone(),
        token_sha256: "abc".into(),
        document_name: "a.pdf".into(),
        content_type: "application/pdf".into(),
        size: 10,
        created_at: now_micros(),
        expires_at: now_micros() + 1_000_000,
    };
    s.create_upload_session(&session).await.unwrap();
    let r = |a, b, k: &str| UploadRange {
        first: a,
        last: b,
        blob_key: k.into(),
    };
    assert!(
        matches!(s.add_upload_range("sess1", &r(5, 9, "k2")).await.unwrap(), AddRange::Added(v) if v.len() == 1)
    );
    assert_eq!(
        s.add_upload_range("sess1", &r(4, 5, "k3")).await.unwrap(),
        AddRange::Overlap
    );
    let AddRange::Added(all) = s.add_upload_range("sess1", &r(0, 4, "k1")).await.unwrap() else {
        panic!()
    };
    assert_eq!(all.iter().map(|r| r.first).collect::<Vec<_>>(), vec![0, 5]);
    assert_eq!(
        s.add_upload_range("nope", &r(0, 1, "k")).await.unwrap(),
        AddRange::SessionGone
    );

    let finished_doc = Document {
        display_name: "a.pdf".into(),
        content_type: "application/pdf".into(),
        size: 10,
        sha256: Some("ff".into()),
        uploaded_at: Some(now_micros()),
        blob_key: Some("final".into()),
        ..doc.clone()
    };
    let ready = Job {
        phase: JobPhase::Ready,
        ..job.clone()
    };
    let finish = |doc: &Document, job: &Job, version: i64| {
        let mut c = JobChange::new(job.clone(), version, Some(event(JobPhase::Ready)));
        c.upload = Some(FinishedUpload {
            session_id: Some("sess1".into()),
            document: doc.clone(),
        });
        c
    };
    // A stale job version writes nothing.
    assert!(matches!(
        s.commit_job_change(&finish(&finished_doc, &ready, job.version + 7))
            .await
            .unwrap(),
        Commit::Stale
    ));
    assert!(s.get_upload_session("sess1").await.unwrap().is_some());
    assert!(matches!(
        s.commit_job_change(&finish(&finished_doc, &ready, job.version))
            .await
            .unwrap(),
        Commit::Done(_)
    ));
    assert!(s.get_upload_session("sess1").await.unwrap().is_none());
    assert_eq!(s.get_document(t, "udoc").await.unwrap().unwrap(), finished_doc);
    // A second finisher (a retried last range, another node) finds the session gone and writes nothing: no
    // second history entry, no other payload.
    let saved = s.get_job(t, job.id).await.unwrap().unwrap();
    let history = s.job_events(t, job.id).await.unwrap().len();
    let other_doc = Document {
        blob_key: Some("final-again".into()),
        ..finished_doc.clone()
    };
    assert!(matches!(
        s.commit_job_change(&finish(&other_doc, &saved, saved.version))
            .await
            .unwrap(),
        Commit::UploadSessionGone
    ));
    assert_eq!(
        s.get_job(t, job.id).await.unwrap().unwrap().version,
        saved.version
    );
    assert_eq!(s.job_events(t, job.id).await.unwrap().len(), history);
    assert_eq!(s.get_document(t, "udoc").await.unwrap().unwrap(), finished_doc);
    let mut orphans = s.orphan_blobs(10).await.unwrap();
    orphans.sort();
    // The session's own blob (its ranges are written into it; this document took another) and its ranges'.
    assert_eq!(orphans, vec!["documents/udoc/sess1", "k1", "k2"]);
    s.forget_orphan_blobs(&orphans).await.unwrap();
    assert!(s.orphan_blobs(10).await.unwrap().is_empty());

    // Expiry listing and cancel.
    let stale = UploadSession {
        id: "sess2".into(),
        expires_at: 5,
        ..session
    };
    s.create_upload_session(&stale).await.unwrap();
    assert_eq!(
        s.expired_upload_sessions(now_micros(), 10).await.unwrap(),
        vec!["sess2".to_string()]
    );
    assert!(s.delete_upload_session("sess2").await.unwrap());
    assert!(!s.delete_upload_session("sess2").await.unwrap());
    let swept = s.orphan_blobs(10).await.unwrap();
    assert_eq!(swept, vec!["documents/udoc/sess2".to_string()]);
    s.forget_orphan_blobs(&swept).await.unwrap();

    // Ranges written in place: reserved before their bytes are written, confirmed after.
    let live = now_micros() + 60_000_000;
    let sess3 = UploadSession {
        id: "sess3".into(),
        expires_at: now_micros() + 1_000_000,
        ..stale
    };
    s.create_upload_session(&sess3).await.unwrap();
    let key = "documents/udoc/sess3";
    assert!(matches!(
        s.reserve_upload_range("sess3", &r(0, 4, key), "a", live).await.unwrap(),
        AddRange::Added(v) if v.is_empty()
    ));
    // A reservation is not received yet, but nothing may overlap it.
    assert!(s.upload_ranges("sess3").await.unwrap().is_empty());
    assert_eq!(
        s.reserve_upload_range("sess3", &r(4, 6, key), "b", live)
            .await
            .unwrap(),
        AddRange::Overlap
    );
    assert_eq!(
        s.add_upload_range("sess3", &r(3, 3, "old")).await.unwrap(),
        AddRange::Overlap
    );
    assert!(s.renew_upload_range("sess3", "a", live).await.unwrap());
    assert!(!s.renew_upload_range("sess3", "zz", live).await.unwrap());
    let AddRange::Added(all) = s.confirm_upload_range("sess3", "a", key).await.unwrap() else {
        panic!()
    };
    assert_eq!((all.len(), all[0].first, all[0].last), (1, 0, 4));
    assert_eq!(s.upload_ranges("sess3").await.unwrap(), all);
    // Confirmed once only; a confirmed range is not renewed or released.
    assert_eq!(
        s.confirm_upload_range("sess3", "a", key).await.unwrap(),
        AddRange::Overlap
    );
    s.release_upload_range("sess3", "a", key).await.unwrap();
    assert_eq!(s.upload_ranges("sess3").await.unwrap().len(), 1);
    // A released reservation frees its range; one whose lease ran out (its node died) is taken over.
    s.reserve_upload_range("sess3", &r(5, 7, key), "c", live)
        .await
        .unwrap();
    s.release_upload_range("sess3", "c", key).await.unwrap();
    s.reserve_upload_range("sess3", &r(5, 9, key), "d", now_micros() - 1)
        .await
        .unwrap();
    assert!(matches!(
        s.reserve_upload_range("sess3", &r(5, 9, key), "e", live)
            .await
            .unwrap(),
        AddRange::Added(_)
    ));
    assert_eq!(
        s.confirm_upload_range("sess3", "d", key).await.unwrap(),
        AddRange::Overlap,
        "taken over"
    );
    let AddRange::Added(all) = s.confirm_upload_range("sess3", "e", key).await.unwrap() else {
        panic!()
    };
    assert_eq!(all.len(), 2);
    // The session gone, a late confirmation lists where its bytes went as an orphan.
    s.reserve_upload_range("sess3", &r(1, 1, key), "f", live)
        .await
        .ok();
    assert!(s.delete_upload_session("sess3").await.unwrap());
    assert_eq!(
        s.confirm_upload_range("sess3", "f", "late-part").await.unwrap(),
        AddRange::SessionGone
    );
    assert_eq!(
        s.reserve_upload_range("sess3", &r(0, 0, key), "g", live)
            .await
            .unwrap(),
        AddRange::SessionGone
    );
    let mut swept = s.orphan_blobs(10).await.unwrap();
    swept.sort();
    assert_eq!(swept, vec![key.to_string(), "late-part".to_string()]);
    s.forget_orphan_blobs(&swept).await.unwrap();
}

pub async fn tenant_isolation(s: &dyn Store) {
    s.create_printer(&printer("ta", "iso", "P"), &operation("ta", "iso-op", "iso"))
        .await
        .unwrap();
    let (j, _) = s
        .create_job(
            &job("ta", "iso", "u"),
            &document("ta", "iso-doc"),
            &event(JobPhase::UploadPending),
        )
        .await
        .unwrap();
    assert!(s.get_printer("tb", "iso").await.unwrap().is_none());
    assert!(s.get_operation("tb", "iso-op").await.unwrap().is_none());
    assert!(s.get_job("tb", j.id).await.unwrap().is_none());
    assert!(s.get_document("tb", "iso-doc").await.unwrap().is_none());
    assert!(s.list_printers("tb", &page(10)).await.unwrap().items.is_empty());
    assert!(!s.delete_printer("tb", "iso").await.unwrap());
}

fn definition(tenant: &str, id: &str, app: &str) -> TaskDefinition {
    TaskDefinition {
        tenant_id: tenant.into(),
        id: id.into(),
        display_name: format!("Definition {id}"),
        app_id: app.into(),
        app_display_name: Some("Release app".into()),
        service_principal_id: Some(format!("sp-{app}")),
        service_principal_name: Some(format!("Service principal of {app}")),
        created_at: now_micros(),
    }
}

fn subscription(tenant: &str, id: &str, kind: &str, key: &str, expires_at: i64) -> Subscription {
    Subscription {
        id: id.into(),
        tenant_id: tenant.into(),
        app_id: "app".into(),
        creator_id: "sp".into(),
        change_type: "created".into(),
        resource: format!("print/taskDefinitions/{key}/tasks"),
        resource_kind: kind.into(),
        resource_key: key.into(),
        notification_url: "http://127.0.0.1:1/hook".into(),
        lifecycle_notification_url: None,
        client_state: Some("secret".into()),
        notification_query_options: None,
        latest_supported_tls_version: Some("v1_2".into()),
        expires_at,
        created_at: now_micros(),
    }
}

pub async fn pull_printing(s: &dyn Store) {
    let t = "tenant-pull";
    s.create_printer(&printer(t, "vp", "Virtual"), &operation(t, "vop", "vp"))
        .await
        .unwrap();
    s.create_printer(&printer(t, "dest", "Destination"), &operation(t, "dop", "dest"))
        .await
        .unwrap();
    let d1 = definition(t, "d1", "app-a");
    s.create_task_definition(&d1).await.unwrap();
    // A delegated creator names no service principal: both stay absent.
    let d2 = TaskDefinition {
        service_principal_id: None,
        service_principal_name: None,
        ..definition(t, "d2", "app-b")
    };
    s.create_task_definition(&d2).await.unwrap();
    assert_eq!(
        s.list_task_definitions(t, Some("app-a")).await.unwrap(),
        std::slice::from_ref(&d1)
    );
    let every_app: Vec<String> = s
        .list_task_definitions(t, None)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(every_app, ["d1", "d2"]);
    assert_eq!(s.get_task_definition(t, "d2").await.unwrap(), Some(d2));
    let mut d = s.get_task_definition(t, "d1").await.unwrap().unwrap();
    assert_eq!(d, d1, "every createdBy member round-trips");
    d.display_name = "Renamed".into();
    s.update_task_definition(&d).await.unwrap();
    let renamed = s.get_task_definition(t, "d1").await.unwrap().unwrap();
    assert_eq!(renamed.display_name, "Renamed");
    assert_eq!(
        (renamed.service_principal_id, renamed.service_principal_name),
        (d1.service_principal_id, d1.service_principal_name),
        "a rename keeps the creator's service principal"
    );

    let trigger = TaskTrigger {
        tenant_id: t.into(),
        id: "tr1".into(),
        printer_id: "vp".into(),
        definition_id: "d1".into(),
        event: "jobStarted".into(),
        created_at: now_micros(),
    };
    s.create_task_trigger(&trigger).await.unwrap();
    let second = s
        .create_task_trigger(&TaskTrigger {
            id: "tr2".into(),
            ..trigger.clone()
        })
        .await;
    assert!(
        matches!(second, Err(StoreError::Conflict(_))),
        "one trigger per printer: {second:?}"
    );
    assert_eq!(s.trigger_of_printer(t, "vp").await.unwrap().unwrap().id, "tr1");

    // Start on the triggered printer: job held and task created in one commit, with a notification.
    let (j, d0) = s
        .create_job(
            &job(t, "vp", "alice"),
            &document(t, "pdoc"),
            &event(JobPhase::UploadPending),
        )
        .await
        .unwrap();
    s.create_subscription(&subscription(
        t,
        "sub1",
        "taskDefinitionTasks",
        "d1",
        now_micros() + 60_000_000,
    ))
    .await
    .unwrap();
    let task = PrintTask {
        tenant_id: t.into(),
        id: "task1".into(),
        definition_id: "d1".into(),
        trigger_id: "tr1".into(),
        app_id: "app-a".into(),
        job_id: j.id,
        printer_id: "vp".into(),
        state: TaskState::Processing,
        description: String::new(),
        created_at: now_micros(),
        updated_at: now_micros(),
    };
    let mut change = JobChange::new(
        Job {
            phase: JobPhase::Held,
            ..j.clone()
        },
        j.version,
        Some(event(JobPhase::Held)),
    );
    change.new_task = Some(task.clone());
    change.notifications.push(NewNotification {
        tenant_id: t.into(),
        subscription_id: "sub1".into(),
        change_type: "created".into(),
        resource: NotificationResource::Task {
            definition_id: "d1".into(),
            task_id: "task1".into(),
        },
    });
    let Commit::Done(held) = s.commit_job_change(&change).await.unwrap() else {
        panic!("the first commit of a version is written")
    };
    let held = held.job;
    assert_eq!(held.version, j.version + 1);
    assert!(
        matches!(s.commit_job_change(&change).await.unwrap(), Commit::Stale),
        "stale version writes nothing"
    );
    assert_eq!(s.tasks_of_job(t, j.id).await.unwrap(), vec![task.clone()]);
    let tasks = ListQuery {
        limit: 10,
        ..ListQuery::default()
    };
    assert_eq!(
        s.list_tasks(t, "d1", &tasks).await.unwrap().items,
        vec![task.clone()]
    );

    // Redirect: a new job on the destination, cross-linked, sharing the document; the task completes.
    let new_job = Job {
        printer_id: "dest".into(),
        phase: JobPhase::Queued,
        ..job(t, "dest", "alice")
    };
    let new_doc = Document {
        id: "pdoc-copy".into(),
        blob_key: d0.blob_key.clone(),
        ..d0.clone()
    };
    let mut change = JobChange::new(
        Job {
            phase: JobPhase::Redirected,
            ..held.clone()
        },
        held.version,
        Some(event(JobPhase::Redirected)),
    );
    change.task_update = Some(PrintTask {
        state: TaskState::Completed,
        ..task.clone()
    });
    // Held again at the destination: the store gives the new task the new job's id.
    let dest_task = PrintTask {
        id: "task-dest".into(),
        job_id: JobId::new(0),
        printer_id: "dest".into(),
        ..task.clone()
    };
    change.redirect = Some(RedirectedJob {
        job: new_job,
        document: new_doc,
        event: event(JobPhase::Queued),
        held_task: Some(dest_task.clone()),
        device_events: vec![],
    });
    change.notifications.push(NewNotification {
        tenant_id: t.into(),
        subscription_id: "sub1".into(),
        change_type: "updated".into(),
        resource: NotificationResource::Job {
            printer_id: "dest".into(),
            job_id: None,
        },
    });
    let Commit::Done(done) = s.commit_job_change(&change).await.unwrap() else {
        panic!("redirect written")
    };
    let dest = done.redirected.unwrap();
    assert_eq!(
        s.tasks_of_job(t, dest.id).await.unwrap(),
        vec![PrintTask {
            job_id: dest.id,
            ..dest_task
        }]
    );
    assert_eq!(
        done.job.redirected_to.as_deref(),
        Some(format!("print/printers/dest/jobs/{}", dest.id).as_str())
    );
    let stored_dest = s.get_job(t, dest.id).await.unwrap().unwrap();
    assert_eq!(
        stored_dest.redirected_from.as_deref(),
        Some(format!("print/printers/vp/jobs/{}", j.id).as_str())
    );
    assert_eq!(
        s.get_task(t, "task1").await.unwrap().unwrap().state,
        TaskState::Completed
    );
    let items = s
        .claim_notifications(now_micros() + 1, now_micros() + 30_000_000, 10)
        .await
        .unwrap();
    let payloads: Vec<&str> = items.iter().map(|i| i.payload.as_str()).collect();
    assert_eq!(items.len(), 2, "{payloads:?}");
    assert!(
        payloads[1].contains(&format!("print/printers/dest/jobs/{}", dest.id)),
        "{payloads:?}"
    );
    s.delete_notifications(&items.iter().map(|i| i.id).collect::<Vec<_>>())
        .await
        .unwrap();

    // Processing tasks of an app, oldest first, across tenants (secure release's expiry): the completed one is not
    // among them, nor are tasks created after the cutoff or another app's.
    let processing = s
        .processing_tasks_of_app("app-a", now_micros() + 1, 10)
        .await
        .unwrap();
    assert_eq!(
        processing.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
        vec!["task-dest"]
    );
    assert_eq!(processing[0].job_id, dest.id);
    assert!(
        s.processing_tasks_of_app("app-a", dest_task.created_at, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        s.processing_tasks_of_app("app-b", now_micros() + 1, 10)
            .await
            .unwrap()
            .is_empty()
    );

    assert!(s.delete_task_trigger(t, "tr1").await.unwrap());
    assert!(s.trigger_of_printer(t, "vp").await.unwrap().is_none());
    assert!(s.delete_task_definition(t, "d1").await.unwrap());
    assert!(s.get_task(t, "task1").await.unwrap().is_none());
    assert!(s.get_task(t, "task-dest").await.unwrap().is_none());
}

pub async fn notifications(s: &dyn Store) {
    let t = "tenant-notify";
    let now = now_micros();
    s.create_subscription(&subscription(t, "live", "printerJobs", "p", now + 60_000_000))
        .await
        .unwrap();
    s.create_subscription(&subscription(t, "old", "printerJobs", "p", now - 1))
        .await
        .unwrap();
    let live = s.subscriptions_for(t, "printerJobs", "p", now).await.unwrap();
    assert_eq!(
        live.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(),
        vec!["live"]
    );
    let expired = s.remove_expired_subscriptions(now, 10).await.unwrap();
    assert!(expired.iter().any(|x| x.id == "old"));
    assert!(s.get_subscription(t, "old").await.unwrap().is_none());

    s.enqueue_lifecycle(t, "live", r#"{"lifecycleEvent":"missed"}"#, now)
        .await
        .unwrap();
    // Leased items are invisible to a second claimant until the lease ends or the item is retried.
    let first = s.claim_notifications(now, now + 30_000_000, 10).await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].attempts, 1);
    assert!(
        s.claim_notifications(now, now + 30_000_000, 10)
            .await
            .unwrap()
            .is_empty()
    );
    s.retry_notification(first[0].id, now + 5, "connection refused")
        .await
        .unwrap();
    assert!(
        s.claim_notifications(now, now + 30_000_000, 10)
            .await
            .unwrap()
            .is_empty(),
        "not due yet"
    );
    let again = s
        .claim_notifications(now + 5, now + 30_000_000, 10)
        .await
        .unwrap();
    assert_eq!(again[0].attempts, 2);
    let mut x = s.get_subscription(t, "live").await.unwrap().unwrap();
    x.expires_at += 1_000_000;
    s.update_subscription(&x).await.unwrap();
    assert!(s.delete_subscription(t, "live").await.unwrap());
    assert!(
        s.claim_notifications(now + 60_000_000, now + 90_000_000, 10)
            .await
            .unwrap()
            .is_empty(),
        "deleted with its subscription"
    );
}

/// A converted payload rides on the job change that makes the job fetchable; jobs left `transforming` are
/// found again across tenants; a payload replaced by a second conversion becomes an orphan.
pub async fn document_conversions(s: &dyn Store) {
    let t = "tenant-conversions";
    s.create_printer(&printer(t, "cp", "P"), &operation(t, "cop", "cp"))
        .await
        .unwrap();
    let (job, doc) = s
        .create_job(
            &job(t, "cp", "alice"),
            &document(t, "cdoc"),
            &event(JobPhase::UploadPending),
        )
        .await
        .unwrap();
    let transforming = Job {
        phase: JobPhase::Transforming,
        ..job.clone()
    };
    let Commit::Done(c) = s
        .commit_job_change(&JobChange::new(
            transforming.clone(),
            job.version,
            Some(event(JobPhase::Transforming)),
        ))
        .await
        .unwrap()
    else {
        panic!("the move to transforming must commit")
    };
    let left = s.transforming_jobs(1000).await.unwrap();
    assert!(left.iter().any(|j| j.id == job.id && j.tenant_id.as_str() == t));
    assert!(left.iter().all(|j| j.phase == JobPhase::Transforming));

    let payload = |key: &str| ConvertedPayload {
        content_type: "application/pdf".into(),
        size: 42,
        sha256: "ab".into(),
        blob_key: key.into(),
    };
    let convert = |job: &Job, version: i64, key: &str| {
        let mut change = JobChange::new(job.clone(), version, Some(event(job.phase)));
        change.converted = Some(DocumentConversion {
            document_id: doc.id.clone(),
            payload: payload(key),
        });
        change
    };
    let queued = Job {
        phase: JobPhase::Queued,
        ..c.job.clone()
    };
    assert!(matches!(
        s.commit_job_change(&convert(&queued, c.job.version, "converted-1"))
            .await
            .unwrap(),
        Commit::Done(_)
    ));
    let stored = s.get_document(t, "cdoc").await.unwrap().unwrap();
    assert_eq!(stored.converted, Some(payload("converted-1")));
    let seen = stored.clone().for_device();
    assert_eq!(
        (seen.content_type.as_str(), seen.blob_key.as_deref()),
        ("application/pdf", Some("converted-1"))
    );
    assert!(
        !s.transforming_jobs(1000)
            .await
            .unwrap()
            .iter()
            .any(|j| j.id == job.id)
    );

    let now = s.get_job(t, job.id).await.unwrap().unwrap();
    assert!(matches!(
        s.commit_job_change(&convert(&now, now.version, "converted-2"))
            .await
            .unwrap(),
        Commit::Done(_)
    ));
    let orphans = s.orphan_blobs(100).await.unwrap();
    assert!(orphans.contains(&"converted-1".to_string()), "{orphans:?}");
    assert!(!orphans.contains(&"converted-2".to_string()), "{orphans:?}");
    s.forget_orphan_blobs(&["converted-1".to_string()]).await.unwrap();
}
