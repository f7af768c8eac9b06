//! Test support: a throwaway PostgreSQL database, created on a server and dropped afterwards, so test runs
//! never depend on or leave behind leftovers.

use sqlx::any::{AnyPoolOptions, install_default_drivers};

pub struct TempPostgres {
    admin_url: String,
    name: String,
    url: String,
}

impl TempPostgres {
    /// `admin_url` names a database on the server that the test may connect to (e.g. `…/postgres`).
    pub async fn create(admin_url: &str) -> Result<Self, sqlx::Error> {
        install_default_drivers();
        let name = format!("platen_test_{}", uuid::Uuid::new_v4().simple());
        let admin = AnyPoolOptions::new()
            .max_connections(1)
            .connect(admin_url)
            .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await?;
        admin.close().await;
        let base = admin_url.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin_url);
        Ok(Self {
            admin_url: admin_url.to_string(),
            url: format!("{base}/{name}"),
            name,
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub async fn drop(self) {
        if let Ok(admin) = AnyPoolOptions::new()
            .max_connections(1)
            .connect(&self.admin_url)
            .await
        {
            let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
            if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&admin).await {
                eprintln!("could not drop test database {}: {e}", self.name);
            }
            admin.close().await;
        }
    }
}
