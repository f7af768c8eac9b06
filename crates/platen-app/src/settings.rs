//! The tenant's print settings (`/print/settings`).

use crate::{App, Result};
use platen_domain::Caller;
use platen_domain::records::PrintSettings;

impl App {
    /// The tenant's stored settings; `None` until an administrator first changes them.
    pub async fn print_settings(&self, caller: &Caller) -> Result<Option<PrintSettings>> {
        Ok(self.store.get_settings(&caller.tenant_id).await?)
    }

    pub async fn put_print_settings(&self, caller: &Caller, settings: &PrintSettings) -> Result<()> {
        Ok(self.store.put_settings(&caller.tenant_id, settings).await?)
    }
}
