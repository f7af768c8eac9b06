//! `impl Store for SqlStore`: forwards each method to the module that owns that part of the schema.

use crate::sql::SqlStore;
use crate::{AddRange, JobScope, ListQuery, Page, Result, Store, Viewer};
use async_trait::async_trait;
use platen_domain::records::*;
use platen_domain::time::Micros;

use crate::Commit;
use crate::sql::{
    devices, directory as dir, documents as docs, infra, jobs, outbox, printers, shares,
    subscriptions as subs, tasks,
};

#[async_trait]
impl Store for SqlStore {
    async fn get_settings(&self, t: &str) -> Result<Option<PrintSettings>> {
        infra::get_settings(self, t).await
    }
    async fn put_settings(&self, t: &str, s: &PrintSettings) -> Result<()> {
        infra::put_settings(self, t, s).await
    }
    async fn upsert_user(&self, t: &str, u: &DirectoryUser) -> Result<()> {
        dir::upsert_user(self, t, u).await
    }
    async fn upsert_group(&self, t: &str, g: &DirectoryGroup) -> Result<()> {
        dir::upsert_group(self, t, g).await
    }
    async fn create_printer(&self, p: &Printer, op: &PrinterOperation) -> Result<()> {
        printers::create(self, p, op).await
    }
    async fn get_operation(&self, t: &str, id: &str) -> Result<Option<PrinterOperation>> {
        printers::get_operation(self, t, id).await
    }
    async fn get_printer(&self, t: &str, id: &str) -> Result<Option<Printer>> {
        printers::get(self, t, id).await
    }
    async fn list_printers(&self, t: &str, q: &ListQuery) -> Result<Page<Printer>> {
        printers::list(self, t, q).await
    }
    async fn update_printer(&self, p: &Printer) -> Result<()> {
        printers::update(self, p).await
    }
    async fn delete_printer(&self, t: &str, id: &str) -> Result<bool> {
        printers::delete(self, t, id).await
    }
    async fn create_share(&self, s: &Share) -> Result<()> {
        shares::create(self, s).await
    }
    async fn get_share(&self, t: &str, id: &str) -> Result<Option<Share>> {
        shares::get(self, t, id).await
    }
    async fn share_of_printer(&self, t: &str, p: &str) -> Result<Option<Share>> {
        shares::of_printer(self, t, p).await
    }
    async fn list_shares(&self, t: &str, v: Option<&Viewer>, q: &ListQuery) -> Result<Page<Share>> {
        shares::list(self, t, v, q).await
    }
    async fn share_visible_to(&self, t: &str, id: &str, v: &Viewer) -> Result<bool> {
        shares::visible_to(self, t, id, v).await
    }
    async fn update_share(&self, s: &Share) -> Result<()> {
        shares::update(self, s).await
    }
    async fn delete_share(&self, t: &str, id: &str) -> Result<bool> {
        shares::delete(self, t, id).await
    }
    async fn add_allowed_user(&self, t: &str, s: &str, u: &DirectoryUser) -> Result<()> {
        shares::add_user(self, t, s, u).await
    }
    async fn remove_allowed_user(&self, t: &str, s: &str, u: &str) -> Result<bool> {
        shares::remove_member(self, "share_allowed_users", "user_id", t, s, u).await
    }
    async fn list_allowed_users(&self, t: &str, s: &str, q: &ListQuery) -> Result<Page<DirectoryUser>> {
        shares::list_users(self, t, s, q).await
    }
    async fn add_allowed_group(&self, t: &str, s: &str, g: &DirectoryGroup) -> Result<()> {
        shares::add_group(self, t, s, g).await
    }
    async fn remove_allowed_group(&self, t: &str, s: &str, g: &str) -> Result<bool> {
        shares::remove_member(self, "share_allowed_groups", "group_id", t, s, g).await
    }
    async fn list_allowed_groups(&self, t: &str, s: &str, q: &ListQuery) -> Result<Page<DirectoryGroup>> {
        shares::list_groups(self, t, s, q).await
    }
    async fn record_share_use(&self, t: &str, s: &str, u: &str, at: Micros) -> Result<()> {
        shares::record_use(self, t, s, u, at).await
    }
    async fn share_last_used(&self, t: &str, s: &str, u: &str) -> Result<Option<Micros>> {
        shares::last_used(self, t, s, u).await
    }
    async fn recent_shares(&self, t: &str, v: &Viewer, limit: u32) -> Result<Vec<(Share, Micros)>> {
        shares::recent(self, t, v, limit).await
    }
    async fn create_job(&self, j: &Job, d: &Document, e: &JobEventRecord) -> Result<(Job, Document)> {
        jobs::create(self, j, d, e).await
    }
    async fn get_job(&self, t: &str, id: i64) -> Result<Option<Job>> {
        jobs::get(self, t, id).await
    }
    async fn list_jobs(&self, t: &str, scope: &JobScope, q: &ListQuery) -> Result<Page<Job>> {
        jobs::list(self, t, scope, q).await
    }
    async fn job_events(&self, t: &str, id: i64) -> Result<Vec<JobEventRecord>> {
        jobs::events(self, t, id).await
    }
    async fn list_documents(&self, t: &str, job: i64) -> Result<Vec<Document>> {
        docs::list(self, t, job).await
    }
    async fn get_document(&self, t: &str, id: &str) -> Result<Option<Document>> {
        docs::get(self, t, id).await
    }
    async fn mark_document_downloaded(&self, t: &str, id: &str, at: Micros) -> Result<()> {
        docs::mark_downloaded(self, t, id, at).await
    }
    async fn create_upload_session(&self, s: &UploadSession) -> Result<()> {
        docs::create_session(self, s).await
    }
    async fn get_upload_session(&self, id: &str) -> Result<Option<UploadSession>> {
        docs::get_session(self, id).await
    }
    async fn upload_ranges(&self, id: &str) -> Result<Vec<UploadRange>> {
        docs::ranges(self, id).await
    }
    async fn add_upload_range(&self, id: &str, r: &UploadRange) -> Result<AddRange> {
        docs::add_range(self, id, r).await
    }
    async fn delete_upload_session(&self, id: &str) -> Result<bool> {
        docs::delete_session(self, id).await
    }
    async fn expired_upload_sessions(&self, now: Micros, limit: u32) -> Result<Vec<String>> {
        docs::expired_sessions(self, now, limit).await
    }
    async fn orphan_blobs(&self, limit: u32) -> Result<Vec<String>> {
        docs::orphans(self, limit).await
    }
    async fn forget_orphan_blobs(&self, keys: &[String]) -> Result<()> {
        docs::forget_orphans(self, keys).await
    }
    async fn create_connector(&self, c: &Connector) -> Result<()> {
        infra::create_connector(self, c).await
    }
    async fn list_connectors(&self, t: &str, q: &ListQuery) -> Result<Page<Connector>> {
        infra::list_connectors(self, t, q).await
    }
    async fn get_connector(&self, t: &str, id: &str) -> Result<Option<Connector>> {
        infra::get_connector(self, t, id).await
    }
    async fn update_connector(&self, c: &Connector) -> Result<()> {
        infra::update_connector(self, c).await
    }
    async fn delete_connector(&self, t: &str, id: &str) -> Result<bool> {
        infra::delete_connector(self, t, id).await
    }
    async fn commit_job_change(&self, c: &JobChange) -> Result<Commit> {
        jobs::commit(self, c).await
    }
    async fn create_task_definition(&self, d: &TaskDefinition) -> Result<()> {
        tasks::create_definition(self, d).await
    }
    async fn get_task_definition(&self, t: &str, id: &str) -> Result<Option<TaskDefinition>> {
        tasks::get_definition(self, t, id).await
    }
    async fn list_task_definitions(&self, t: &str, app: &str) -> Result<Vec<TaskDefinition>> {
        tasks::list_definitions(self, t, app).await
    }
    async fn update_task_definition(&self, d: &TaskDefinition) -> Result<()> {
        tasks::update_definition(self, d).await
    }
    async fn delete_task_definition(&self, t: &str, id: &str) -> Result<bool> {
        tasks::delete_definition(self, t, id).await
    }
    async fn create_task_trigger(&self, tr: &TaskTrigger) -> Result<()> {
        tasks::create_trigger(self, tr).await
    }
    async fn get_task_trigger(&self, t: &str, id: &str) -> Result<Option<TaskTrigger>> {
        tasks::get_trigger(self, t, id).await
    }
    async fn trigger_of_printer(&self, t: &str, p: &str) -> Result<Option<TaskTrigger>> {
        tasks::trigger_of_printer(self, t, p).await
    }
    async fn delete_task_trigger(&self, t: &str, id: &str) -> Result<bool> {
        tasks::delete_trigger(self, t, id).await
    }
    async fn get_task(&self, t: &str, id: &str) -> Result<Option<PrintTask>> {
        tasks::get(self, t, id).await
    }
    async fn list_tasks(&self, t: &str, d: &str, limit: u32) -> Result<Vec<PrintTask>> {
        tasks::list(self, t, d, limit).await
    }
    async fn tasks_of_job(&self, t: &str, job: i64) -> Result<Vec<PrintTask>> {
        tasks::of_job(self, t, job).await
    }
    async fn create_subscription(&self, x: &Subscription) -> Result<()> {
        subs::create(self, x).await
    }
    async fn get_subscription(&self, t: &str, id: &str) -> Result<Option<Subscription>> {
        subs::get(self, t, id).await
    }
    async fn list_subscriptions(&self, t: &str, app: &str) -> Result<Vec<Subscription>> {
        subs::list(self, t, app).await
    }
    async fn update_subscription(&self, x: &Subscription) -> Result<()> {
        subs::update(self, x).await
    }
    async fn delete_subscription(&self, t: &str, id: &str) -> Result<bool> {
        subs::delete(self, t, id).await
    }
    async fn subscriptions_for(
        &self,
        t: &str,
        kind: &str,
        key: &str,
        now: Micros,
    ) -> Result<Vec<Subscription>> {
        subs::for_resource(self, t, kind, key, now).await
    }
    async fn remove_expired_subscriptions(&self, now: Micros, limit: u32) -> Result<Vec<Subscription>> {
        subs::remove_expired(self, now, limit).await
    }
    async fn enqueue_lifecycle(&self, t: &str, sub: &str, payload: &str, now: Micros) -> Result<()> {
        outbox::enqueue_lifecycle(self, t, sub, payload, now).await
    }
    async fn claim_notifications(
        &self,
        now: Micros,
        lease_until: Micros,
        limit: u32,
    ) -> Result<Vec<OutboxItem>> {
        outbox::claim(self, now, lease_until, limit).await
    }
    async fn delete_notifications(&self, ids: &[i64]) -> Result<()> {
        outbox::delete(self, ids).await
    }
    async fn retry_notification(&self, id: i64, next: Micros, error: &str) -> Result<()> {
        outbox::retry(self, id, next, error).await
    }
    async fn printer_tenant(&self, p: &str) -> Result<Option<String>> {
        devices::printer_tenant(self, p).await
    }
    async fn create_device_token(&self, h: &str, t: &str, p: &str, exp: Micros) -> Result<()> {
        devices::create_token(self, h, t, p, exp).await
    }
    async fn device_token(&self, h: &str) -> Result<Option<(String, String, Micros)>> {
        devices::token(self, h).await
    }
    async fn device_events(&self, t: &str, p: &str, after: i64, limit: u32) -> Result<Vec<DeviceEvent>> {
        devices::events_after(self, t, p, after, limit).await
    }
    async fn last_device_event_id(&self, t: &str, p: &str) -> Result<i64> {
        devices::last_event_id(self, t, p).await
    }
    async fn create_ipp_subscription(&self, x: &IppSubscription) -> Result<i64> {
        devices::create_subscription(self, x).await
    }
    async fn get_ipp_subscription(&self, t: &str, id: i64) -> Result<Option<IppSubscription>> {
        devices::get_subscription(self, t, id).await
    }
    async fn renew_ipp_subscription(&self, t: &str, id: i64, exp: Micros) -> Result<()> {
        devices::renew_subscription(self, t, id, exp).await
    }
    async fn cancel_ipp_subscription(&self, t: &str, id: i64) -> Result<bool> {
        devices::cancel_subscription(self, t, id).await
    }
    async fn subscribe_changes(&self) -> Result<tokio::sync::broadcast::Receiver<crate::ChangeEvent>> {
        self.feed.subscribe().await
    }
}
