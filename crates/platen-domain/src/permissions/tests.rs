use super::*;
use crate::principal::{CallerKind, PRINTER_ADMINISTRATOR_ROLE};

fn user(scopes: &[&str], admin: bool) -> Caller {
    Caller {
        tenant_id: "t".into(),
        object_id: "u1".into(),
        user_principal_name: None,
        display_name: None,
        app_id: Some("app".into()),
        app_display_name: None,
        kind: CallerKind::Delegated {
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
        },
        directory_roles: if admin {
            vec![PRINTER_ADMINISTRATOR_ROLE.into()]
        } else {
            vec![]
        },
        groups: vec![],
        ip_address: None,
    }
}

fn app(roles: &[&str]) -> Caller {
    Caller {
        kind: CallerKind::Application {
            roles: roles.iter().map(|s| s.to_string()).collect(),
        },
        directory_roles: vec![],
        ..user(&[], false)
    }
}

/// Exhaustive: for every operation and every permission named anywhere in the table, a token holding only
/// that permission is granted exactly when the table lists it (and the admin role is present if required).
#[test]
fn matrix_matches_the_table() {
    let mut every: Vec<&str> = Operation::ALL
        .iter()
        .flat_map(|op| {
            op.rule()
                .delegated
                .iter()
                .chain(op.rule().application.iter())
                .copied()
        })
        .collect();
    every.push("User.Read");
    every.sort();
    every.dedup();
    for &op in Operation::ALL {
        let rule = op.rule();
        for &perm in &every {
            for admin in [false, true] {
                let granted = authorize(&user(&[perm], admin), op).is_ok();
                let expected = rule.delegated.contains(&perm) && (admin || !rule.admin_role);
                assert_eq!(granted, expected, "{op:?} delegated {perm} admin={admin}");
            }
            let granted = authorize(&app(&[perm]), op).is_ok();
            assert_eq!(
                granted,
                rule.application.contains(&perm),
                "{op:?} application {perm}"
            );
        }
    }
}

#[test]
fn cancel_is_delegated_only_and_abort_application_only() {
    assert!(authorize(&app(&["PrintJob.ReadWrite.All"]), Operation::CancelJob).is_err());
    assert!(authorize(&user(&["PrintJob.ReadWrite.All"], true), Operation::AbortJob).is_err());
    assert!(authorize(&app(&["PrintJob.ReadWriteBasic.All"]), Operation::AbortJob).is_ok());
}

#[test]
fn all_scopes_reach_other_users_only_with_the_admin_role() {
    let plain = authorize(&user(&["PrintJob.ReadWrite.All"], false), Operation::CancelJob).unwrap();
    assert!(!plain.all_users);
    let admin = authorize(&user(&["PrintJob.ReadWrite.All"], true), Operation::CancelJob).unwrap();
    assert!(admin.all_users);
    let own = authorize(&user(&["PrintJob.ReadWriteBasic"], true), Operation::CancelJob).unwrap();
    assert!(!own.all_users);
    assert!(
        authorize(&app(&["PrintJob.ReadBasic.All"]), Operation::GetJob)
            .unwrap()
            .all_users
    );
}

#[test]
fn basic_permissions_never_reach_document_content() {
    for op in [
        Operation::DownloadDocument,
        Operation::CreateUploadSession,
        Operation::CreateShareUploadSession,
        Operation::GetDocument,
    ] {
        let rule = op.rule();
        assert!(
            rule.delegated
                .iter()
                .chain(rule.application)
                .all(|p| !p.contains("Basic")),
            "{op:?}"
        );
    }
}

#[test]
fn scope_names_are_case_insensitive() {
    assert!(authorize(&user(&["printjob.readwritebasic"], false), Operation::CancelJob).is_ok());
}

#[test]
fn upload_sessions_through_a_share_are_delegated_only() {
    let (_, through_share) = crate::permissions::CREATE_UPLOAD_SESSION;
    assert!(authorize(&app(&["PrintJob.ReadWrite.All"]), through_share).is_err());
    assert!(authorize(&user(&["PrintJob.ReadWrite"], false), through_share).is_ok());
}

#[test]
fn either_operation_grants_the_printer_read() {
    use crate::permissions::{READ_PRINTER, authorize_first};
    let share_user = user(&["PrinterShare.ReadBasic.All"], false);
    let (op, _) = authorize_first(&share_user, READ_PRINTER).unwrap();
    assert_eq!(op, Operation::GetSharePrinter);
    let admin = user(&["Printer.Read.All"], true);
    assert_eq!(
        authorize_first(&admin, READ_PRINTER).unwrap().0,
        Operation::GetPrinter
    );
    assert!(authorize_first(&user(&["PrintJob.ReadWrite"], false), READ_PRINTER).is_err());
}

#[test]
fn job_operations_through_a_printer_also_need_a_get_printer_permission() {
    use crate::permissions::{JobPath, authorize_job};
    let bare = user(&["PrintJob.ReadWrite"], false);
    assert!(authorize(&bare, Operation::ListJobs).is_ok());
    for path in [JobPath::Printer, JobPath::Share] {
        assert!(
            authorize_job(&bare, Operation::ListJobs, path).is_err(),
            "{path:?}"
        );
    }
    // A share permission lets a user read a printer too (row 5), so it serves both paths.
    let share_user = user(&["PrintJob.ReadWrite", "PrinterShare.ReadBasic.All"], false);
    for path in [JobPath::Printer, JobPath::Share] {
        assert!(
            authorize_job(&share_user, Operation::CancelJob, path).is_ok(),
            "{path:?}"
        );
    }
    // A printer permission reads printers, not shares (row 35).
    let printer_reader = user(&["PrintJob.ReadWrite", "Printer.Read.All"], false);
    assert!(authorize_job(&printer_reader, Operation::GetJob, JobPath::Printer).is_ok());
    assert!(authorize_job(&printer_reader, Operation::GetJob, JobPath::Share).is_err());
}

#[test]
fn applications_reach_jobs_through_printers_with_a_printer_role_only() {
    use crate::permissions::{JobPath, authorize_job};
    let without = app(&["PrintJob.Manage.All"]);
    assert!(authorize_job(&without, Operation::RedirectJob, JobPath::Printer).is_err());
    let with = app(&["PrintJob.Manage.All", "Printer.Read.All"]);
    assert!(authorize_job(&with, Operation::RedirectJob, JobPath::Printer).is_ok());
    // Through a share an application needs the same printer permission (row 35 has no application form; row 18
    // gives applications the share's jobs): share permissions, which are delegated-only, do not count.
    let reader = app(&["PrintJob.Read.All", "PrinterShare.ReadWrite.All"]);
    assert!(authorize_job(&reader, Operation::GetJob, JobPath::Share).is_err());
    let reader = app(&["PrintJob.Read.All", "Printer.Read.All"]);
    assert!(authorize_job(&reader, Operation::GetJob, JobPath::Share).is_ok());
}

/// Every job operation's own rule still decides first: the companion never grants anything by itself.
#[test]
fn the_companion_permission_alone_grants_no_job_operation() {
    use crate::permissions::{JOB_OPERATIONS, JobPath, authorize_job};
    for &op in JOB_OPERATIONS {
        for path in [JobPath::Printer, JobPath::Share] {
            let c = path.companion();
            for admin in [false, true] {
                assert!(
                    authorize_job(&user(c.delegated, admin), op, path).is_err(),
                    "{op:?} {path:?}"
                );
            }
            assert!(
                authorize_job(&app(c.application), op, path).is_err(),
                "{op:?} {path:?}"
            );
        }
    }
}

#[test]
fn settings_printer_shares_and_printer_jobs_need_no_admin_role() {
    assert!(authorize(&user(&["PrintSettings.Read.All"], false), Operation::GetSettings).is_ok());
    assert!(
        authorize(
            &user(&["PrinterShare.ReadBasic.All"], false),
            Operation::ListPrinterShares
        )
        .is_ok()
    );
    assert!(authorize(&user(&["PrintJob.Create"], false), Operation::CreatePrinterJob).is_ok());
    // Rows that do name the role keep it.
    assert!(authorize(&user(&["Printer.Read.All"], false), Operation::ListPrinters).is_err());
}

#[test]
fn app_printing_opens_only_share_job_submission_for_its_roles() {
    use super::{APP_PRINTING_OPERATIONS, authorize_app_printing};
    for role in ["PrintJob.ReadWrite.All", "Platen.PrintJob.Submit"] {
        let caller = app(&[role]);
        for &op in Operation::ALL {
            for path in [JobPath::Share, JobPath::Printer] {
                let granted = authorize_app_printing(&caller, op, path);
                let expected = path == JobPath::Share && APP_PRINTING_OPERATIONS.contains(&op);
                assert_eq!(granted.is_ok(), expected, "{op:?} {path:?} {role}");
                if let Ok(access) = granted {
                    // Its own jobs, and shares only through a grant.
                    assert!(!access.all_users && !access.admin);
                }
            }
        }
    }
    assert!(
        authorize_app_printing(
            &app(&["PrintJob.Read.All"]),
            Operation::CreateShareJob,
            JobPath::Share
        )
        .is_err()
    );
    // A delegated token never prints through app printing: it has its own rules.
    assert!(
        authorize_app_printing(
            &user(&["PrintJob.ReadWrite.All"], true),
            Operation::CreateShareJob,
            JobPath::Share
        )
        .is_err()
    );
}
