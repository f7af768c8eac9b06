//! printConnectors: the Platen connectors (or other on-premises bridges) that registered printers. The Graph
//! layer checks the documented permission; these use cases keep every connector inside the caller's tenant.

use crate::{App, AppError, Result};
use platen_domain::Caller;
use platen_domain::records::{Connector, Printer};
use platen_store::{ListQuery, Page};

impl App {
    pub async fn list_connectors(&self, caller: &Caller, query: &ListQuery) -> Result<Page<Connector>> {
        Ok(self.store.list_connectors(&caller.tenant_id, query).await?)
    }

    pub async fn get_connector(&self, caller: &Caller, id: &str) -> Result<Connector> {
        self.store
            .get_connector(&caller.tenant_id, id)
            .await?
            .ok_or_else(|| AppError::not_found("connector"))
    }

    /// Registers a connector in the caller's tenant (whatever tenant the record names).
    pub async fn create_connector(&self, caller: &Caller, connector: Connector) -> Result<Connector> {
        let connector = Connector {
            tenant_id: caller.tenant_id.clone(),
            ..connector
        };
        self.store.create_connector(&connector).await?;
        Ok(connector)
    }

    /// Stores a connector read with [`App::get_connector`] and changed by the caller.
    pub async fn update_connector(&self, caller: &Caller, connector: Connector) -> Result<Connector> {
        if connector.tenant_id != caller.tenant_id {
            return Err(AppError::not_found("connector"));
        }
        self.store.update_connector(&connector).await?;
        Ok(connector)
    }

    pub async fn delete_connector(&self, caller: &Caller, id: &str) -> Result<()> {
        if self.store.delete_connector(&caller.tenant_id, id).await? {
            Ok(())
        } else {
            Err(AppError::not_found("connector"))
        }
    }

    /// The connector a printer was registered through, if any (and if it still exists).
    pub async fn connector_of(&self, printer: &Printer) -> Result<Option<Connector>> {
        match &printer.connector_id {
            Some(id) => Ok(self.store.get_connector(&printer.tenant_id, id).await?),
            None => Ok(None),
        }
    }
}
