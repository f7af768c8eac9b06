//! Task definitions, triggers and print tasks.

use super::bind::{audited, placeholders};
use super::exec::{Exec, params};
use super::list::Collection;
use super::rows::{self, Columns};
use super::{SqlStore, conflict_on_unique};
use crate::{ListQuery, Page, Result, StoreError, TaskStore, fields};
use async_trait::async_trait;
use platen_domain::JobId;
use platen_domain::records::{PrintTask, TaskDefinition, TaskTrigger};
use platen_domain::task::TaskState;
use platen_domain::time::Micros;
use platen_odata::{OrderBy, SqlValue};
use sqlx::any::AnyRow;

const DEFINITION_COLUMNS: &str = "tenant_id, id, display_name, app_id, app_display_name, \
     service_principal_id, service_principal_name, created_at";

fn definition(r: &AnyRow) -> Result<TaskDefinition> {
    Ok(TaskDefinition {
        tenant_id: rows::id(r, "tenant_id")?,
        id: rows::text(r, "id")?,
        display_name: rows::text(r, "display_name")?,
        app_id: rows::text(r, "app_id")?,
        app_display_name: rows::opt_text(r, "app_display_name")?,
        service_principal_id: rows::opt_text(r, "service_principal_id")?,
        service_principal_name: rows::opt_text(r, "service_principal_name")?,
        created_at: rows::int(r, "created_at")?,
    })
}

#[async_trait]
impl TaskStore for SqlStore {
    async fn create_task_definition(&self, d: &TaskDefinition) -> Result<()> {
        let sql =
            format!("INSERT INTO task_definitions ({DEFINITION_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)");
        sqlx::query(audited(&sql))
            .bind(d.tenant_id.as_str())
            .bind(&d.id)
            .bind(&d.display_name)
            .bind(&d.app_id)
            .bind(&d.app_display_name)
            .bind(&d.service_principal_id)
            .bind(&d.service_principal_name)
            .bind(d.created_at)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    async fn get_task_definition(&self, tenant: &str, id: &str) -> Result<Option<TaskDefinition>> {
        let sql =
            format!("SELECT {DEFINITION_COLUMNS} FROM task_definitions WHERE tenant_id = $1 AND id = $2");
        let row = sqlx::query(audited(&sql))
            .bind(tenant)
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(definition).transpose()
    }

    async fn list_task_definitions(&self, tenant: &str, app_id: Option<&str>) -> Result<Vec<TaskDefinition>> {
        // `$2 IS NULL`: every app's (an administrator's view); otherwise one app's own.
        let sql = format!(
            "SELECT {DEFINITION_COLUMNS} FROM task_definitions WHERE tenant_id = $1 AND ($2 IS NULL OR app_id = $2) \
             ORDER BY created_at, id"
        );
        let rows = sqlx::query(audited(&sql))
            .bind(tenant)
            .bind(app_id)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(definition).collect()
    }

    async fn update_task_definition(&self, d: &TaskDefinition) -> Result<()> {
        let done = sqlx::query(
            "UPDATE task_definitions SET display_name = $3, app_display_name = $4 WHERE tenant_id = $1 AND id = $2",
        )
        .bind(d.tenant_id.as_str())
        .bind(&d.id)
        .bind(&d.display_name)
        .bind(&d.app_display_name)
        .execute(&self.write)
        .await?;
        if done.rows_affected() == 0 {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
    }

    async fn delete_task_definition(&self, tenant: &str, id: &str) -> Result<bool> {
        let mut tx = self.write.begin().await?;
        for table in ["task_triggers", "tasks"] {
            sqlx::query(audited(&format!(
                "DELETE FROM {table} WHERE tenant_id = $1 AND definition_id = $2"
            )))
            .bind(tenant)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        }
        let done = sqlx::query("DELETE FROM task_definitions WHERE tenant_id = $1 AND id = $2")
            .bind(tenant)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    async fn create_task_trigger(&self, t: &TaskTrigger) -> Result<()> {
        sqlx::query(
            "INSERT INTO task_triggers (tenant_id, id, printer_id, definition_id, event, created_at) VALUES ($1,$2,$3,$4,$5,$6)",
        )
        .bind(t.tenant_id.as_str())
        .bind(&t.id)
        .bind(t.printer_id.as_str())
        .bind(&t.definition_id)
        .bind(&t.event)
        .bind(t.created_at)
        .execute(&self.write)
        .await
        .map_err(|e| conflict_on_unique(e, "the printer already has a task trigger; only one trigger per printer is supported"))?;
        Ok(())
    }

    async fn get_task_trigger(&self, tenant: &str, id: &str) -> Result<Option<TaskTrigger>> {
        let sql = format!("SELECT {TRIGGER_COLUMNS} FROM task_triggers WHERE tenant_id = $1 AND id = $2");
        let row = sqlx::query(audited(&sql))
            .bind(tenant)
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(trigger).transpose()
    }

    async fn trigger_of_printer(&self, tenant: &str, printer: &str) -> Result<Option<TaskTrigger>> {
        let sql =
            format!("SELECT {TRIGGER_COLUMNS} FROM task_triggers WHERE tenant_id = $1 AND printer_id = $2");
        let row = sqlx::query(audited(&sql))
            .bind(tenant)
            .bind(printer)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(trigger).transpose()
    }

    async fn delete_task_trigger(&self, tenant: &str, id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM task_triggers WHERE tenant_id = $1 AND id = $2")
            .bind(tenant)
            .bind(id)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn get_task(&self, tenant: &str, id: &str) -> Result<Option<PrintTask>> {
        let sql = format!("SELECT {TASK_COLUMNS} FROM tasks WHERE tenant_id = $1 AND id = $2");
        self.lookup(&sql, params![tenant, id], |row| task(row)).await
    }

    async fn list_tasks(&self, tenant: &str, definition: &str, query: &ListQuery) -> Result<Page<PrintTask>> {
        let mut query = query.clone();
        query.orderby.push(OrderBy {
            path: fields::TASK_CREATED.into(),
            descending: true,
        });
        let coll = Collection {
            columns: TASK_COLUMNS,
            from: "tasks t",
            scope: vec!["t.tenant_id = $1".into(), "t.definition_id = $2".into()],
            params: vec![SqlValue::Text(tenant.into()), SqlValue::Text(definition.into())],
            fields: &fields::TASKS,
        };
        self.list_page(coll, &query, |row| task(row)).await
    }

    async fn processing_tasks_of_app(
        &self,
        app_id: &str,
        before: Micros,
        limit: u32,
    ) -> Result<Vec<PrintTask>> {
        let sql = format!(
            "SELECT {TASK_COLUMNS} FROM tasks WHERE app_id = $1 AND state = 'processing' AND created_at < $2 \
             ORDER BY created_at, tenant_id, id LIMIT {limit}"
        );
        let rows = sqlx::query(audited(&sql))
            .bind(app_id)
            .bind(before)
            .fetch_all(&self.read)
            .await?;
        rows.iter().map(task).collect()
    }

    async fn tasks_of_job(&self, tenant: &str, job: JobId) -> Result<Vec<PrintTask>> {
        self.tasks_of_jobs(tenant, &[job]).await
    }

    async fn tasks_of_jobs(&self, tenant: &str, jobs: &[JobId]) -> Result<Vec<PrintTask>> {
        if jobs.is_empty() {
            return Ok(vec![]);
        }
        // A page is at most a few hundred jobs: one placeholder each, through `tasks_by_job`.
        let placeholders = placeholders(2, jobs.len());
        let sql = format!(
            "SELECT {TASK_COLUMNS} FROM tasks WHERE tenant_id = $1 AND job_id IN ({}) ORDER BY job_id, created_at, id",
            placeholders
        );
        let mut q = sqlx::query(audited(&sql)).bind(tenant);
        for job in jobs {
            q = q.bind(job.get());
        }
        let rows = q.fetch_all(&self.read).await?;
        rows.iter().map(task).collect()
    }
}

const TRIGGER_COLUMNS: &str = "tenant_id, id, printer_id, definition_id, event, created_at";

fn trigger(r: &AnyRow) -> Result<TaskTrigger> {
    Ok(TaskTrigger {
        tenant_id: rows::id(r, "tenant_id")?,
        id: rows::text(r, "id")?,
        printer_id: rows::id(r, "printer_id")?,
        definition_id: rows::text(r, "definition_id")?,
        event: rows::text(r, "event")?,
        created_at: rows::int(r, "created_at")?,
    })
}

const TASK_COLUMNS: &str = "tenant_id, id, definition_id, trigger_id, app_id, job_id, printer_id, state, description, created_at, updated_at";

fn task<R: Columns + ?Sized>(r: &R) -> Result<PrintTask> {
    let state = rows::text(r, "state")?;
    Ok(PrintTask {
        tenant_id: rows::id(r, "tenant_id")?,
        id: rows::text(r, "id")?,
        definition_id: rows::text(r, "definition_id")?,
        trigger_id: rows::text(r, "trigger_id")?,
        app_id: rows::text(r, "app_id")?,
        job_id: rows::job_id(r, "job_id")?,
        printer_id: rows::id(r, "printer_id")?,
        state: TaskState::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("task state {state}")))?,
        description: rows::text(r, "description")?,
        created_at: rows::int(r, "created_at")?,
        updated_at: rows::int(r, "updated_at")?,
    })
}

pub(crate) async fn insert<E: Exec>(tx: &mut E, t: &PrintTask) -> Result<()> {
    tx.execute(
        "INSERT INTO tasks (tenant_id, id, definition_id, trigger_id, app_id, job_id, printer_id, state, description, \
         created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
        params![
            t.tenant_id.as_str(),
            t.id,
            t.definition_id,
            t.trigger_id,
            t.app_id,
            t.job_id.get(),
            t.printer_id.as_str(),
            t.state.as_str(),
            t.description,
            t.created_at,
            t.updated_at,
        ],
    )
    .await?;
    Ok(())
}

/// Updates a task unless it already ended: ended tasks never change (the task state machine), so a writer that
/// decided from a stale read finds nothing to update (false) and must decide again.
pub(crate) async fn update<E: Exec>(tx: &mut E, t: &PrintTask) -> Result<bool> {
    let done = tx
        .execute(
            "UPDATE tasks SET state = $3, description = $4, updated_at = $5 WHERE tenant_id = $1 AND id = $2 \
             AND state NOT IN ('completed', 'aborted')",
            params![
                t.tenant_id.as_str(),
                t.id,
                t.state.as_str(),
                t.description,
                t.updated_at
            ],
        )
        .await?;
    Ok(done > 0)
}
