//! Readiness for load balancers and orchestrators (`/readyz`): the process is up (`/healthz`) and its database
//! answers and is migrated.

use crate::{App, Result};

impl App {
    pub async fn readiness(&self) -> Result<()> {
        Ok(self.store.readiness().await?)
    }
}
