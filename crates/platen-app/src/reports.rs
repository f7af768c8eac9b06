//! Graph's print reports: usage rollups per user and per printer (daily, monthly) and archived jobs by printer,
//! user or group. The Graph layer checks `Reports.Read.All`; these keep every read inside the caller's tenant.
//! The records themselves are written by the job door when a job ends (`ArchivedJob::of`).

use crate::{App, AppError, Result};
use platen_domain::Caller;
use platen_domain::usage::{ArchivedJob, Dimension, Period, UsageRow};
use platen_store::{ArchiveScope, ListQuery, Page};

impl App {
    pub async fn usage_report(
        &self,
        caller: &Caller,
        period: Period,
        dimension: Dimension,
        query: &ListQuery,
    ) -> Result<Page<UsageRow>> {
        Ok(self
            .store
            .list_usage(&caller.tenant_id, period, dimension, query)
            .await?)
    }

    pub async fn usage_entry(
        &self,
        caller: &Caller,
        period: Period,
        dimension: Dimension,
        id: &str,
    ) -> Result<UsageRow> {
        self.store
            .get_usage(&caller.tenant_id, period, dimension, id)
            .await?
            .ok_or_else(|| AppError::not_found("print usage summary"))
    }

    pub async fn archived_jobs(
        &self,
        caller: &Caller,
        scope: &ArchiveScope,
        query: &ListQuery,
    ) -> Result<Page<ArchivedJob>> {
        if let (Some(from), Some(to)) = (scope.from, scope.to)
            && from > to
        {
            return Err(AppError::bad_request(
                "startDateTime must not be later than endDateTime.",
            ));
        }
        Ok(self
            .store
            .list_archived_jobs(&caller.tenant_id, scope, query)
            .await?)
    }
}
