//! Readiness for load balancers and orchestrators (`/readyz`): the process is up (`/healthz`) and its database
//! answers and is migrated.

use crate::{App, Result};

impl App {
    pub async fn readiness(&self) -> Result<()> {
        Ok(self.store.readiness().await?)
    }
}

impl App {
    /// The store's side of `/metrics` (webhook backlog, connection pools), read when scraped.
    pub async fn store_gauges(&self) -> Result<platen_store::StoreGauges> {
        Ok(self.store.gauges().await?)
    }
}
