//! Deciding which change notifications a change produces. They are stored in the outbox in the same
//! transaction as the change ([`platen_domain::records::JobChange::notifications`]), so a committed change
//! is never without its notifications and a rolled-back one never has any.

use crate::{App, Result};
use platen_domain::JobId;
use platen_domain::records::{Job, NewNotification, NotificationResource, PrintTask};
use platen_domain::time::now_micros;
use platen_odata::{Expr, QueryOptions, evaluate, parse_query};
use serde_json::{Value, json};

/// `print/taskDefinitions/{id}/tasks`.
pub const TASK_RESOURCE_KIND: &str = "taskDefinitionTasks";
/// `print/printers/{id}/jobs`.
pub const JOB_RESOURCE_KIND: &str = "printerJobs";

/// Parses `notificationQueryOptions` (e.g. `$filter = isFetchable eq true`, as the Graph docs write it, with
/// spaces around `=`).
pub fn parse_query_options(raw: &str) -> std::result::Result<QueryOptions, platen_odata::ODataError> {
    let normalised: Vec<String> = raw
        .split('&')
        .map(|part| match part.split_once('=') {
            Some((k, v)) => format!("{}={}", k.trim(), v.trim()),
            None => part.trim().to_string(),
        })
        .collect();
    parse_query(&normalised.join("&"))
}

/// The properties of a job that notification filters may test.
pub fn job_filter_view(job: &Job) -> Value {
    json!({
        "id": job.id.to_string(),
        "isFetchable": job.phase.is_fetchable(),
        "status": {"state": job.phase.graph_state(), "isAcquiredByPrinter": job.is_acquired_by_printer()},
        "createdBy": {
            "id": job.created_by.id,
            "userPrincipalName": job.created_by.user_principal_name,
            "displayName": job.created_by.display_name,
        },
        "redirectedFrom": job.redirected_from,
        "redirectedTo": job.redirected_to,
        "displayName": job.display_name,
    })
}

fn wants(change_types: &str, change: &str) -> bool {
    change_types
        .split(',')
        .any(|c| c.trim().eq_ignore_ascii_case(change))
}

fn filter_of(query_options: Option<&str>) -> Option<Expr> {
    query_options
        .and_then(|raw| parse_query_options(raw).ok())
        .and_then(|q| q.filter)
}

impl App {
    /// `created` notifications for a new print task, for its definition's subscribers.
    pub async fn task_created_notifications(&self, task: &PrintTask) -> Result<Vec<NewNotification>> {
        let subs = self
            .store
            .subscriptions_for(
                &task.tenant_id,
                TASK_RESOURCE_KIND,
                &task.definition_id,
                now_micros(),
            )
            .await?;
        Ok(subs
            .into_iter()
            .filter(|s| wants(&s.change_type, "created"))
            .map(|s| NewNotification {
                tenant_id: task.tenant_id.clone(),
                subscription_id: s.id,
                change_type: "created".into(),
                resource: NotificationResource::Task {
                    definition_id: task.definition_id.clone(),
                    task_id: task.id.clone(),
                },
            })
            .collect())
    }

    /// `updated` notifications for a job on `printer_id` that changed from `before` (None: a new job) to
    /// `after`. A subscription with a filter is notified when the job enters the filtered set (so
    /// `isFetchable eq true` yields one notification per job becoming fetchable); without a filter, on
    /// every change. `job_id: None` marks the job a redirect is creating in the same commit.
    pub async fn job_updated_notifications(
        &self,
        before: Option<&Job>,
        after: &Job,
        job_id: Option<JobId>,
    ) -> Result<Vec<NewNotification>> {
        let subs = self
            .store
            .subscriptions_for(
                &after.tenant_id,
                JOB_RESOURCE_KIND,
                &after.printer_id,
                now_micros(),
            )
            .await?;
        if subs.is_empty() {
            return Ok(vec![]);
        }
        let after_view = job_filter_view(after);
        let before_view = before.map(job_filter_view);
        Ok(subs
            .into_iter()
            .filter(|s| wants(&s.change_type, "updated"))
            .filter(|s| match filter_of(s.notification_query_options.as_deref()) {
                None => true,
                Some(f) => {
                    evaluate(&f, &after_view) && !before_view.as_ref().is_some_and(|b| evaluate(&f, b))
                }
            })
            .map(|s| NewNotification {
                tenant_id: after.tenant_id.clone(),
                subscription_id: s.id,
                change_type: "updated".into(),
                resource: NotificationResource::Job {
                    printer_id: after.printer_id.clone(),
                    job_id,
                },
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graph_style_query_options_parse() {
        let q = parse_query_options("$filter = isFetchable eq true").unwrap();
        assert!(q.filter.is_some());
        assert!(parse_query_options("$filter=").is_err());
    }
}
