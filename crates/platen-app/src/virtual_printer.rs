//! An app configures the virtual printer it registered (graph-print-api.md, flow 3.2 step 3): Graph
//! `PATCH /print/printers/{id}` with `Content-Type: application/ipp`. The front end decodes the body and maps
//! it to the printer's Graph values; this use case decides who may and stores the result.

use crate::{App, AppError, Result};
use platen_domain::Caller;
use platen_domain::records::Printer;

impl App {
    /// Applies `describe`, the front end's mapping of what the app sent onto the printer's Graph values
    /// (capabilities, defaults, status, manufacturer, model, isAcceptingJobs, the stored device description).
    /// It runs on the printer as read for this update because a description adds to the one stored before:
    /// reading the printer a second time to merge would race with other updates. Only the app that registered
    /// a virtual printer may configure it (see [`App::update_printer_with`]); nothing is stored when
    /// `describe` fails.
    pub async fn update_virtual_printer(
        &self,
        caller: &Caller,
        printer_id: &str,
        describe: impl FnOnce(&mut Printer) -> std::result::Result<(), String>,
    ) -> Result<()> {
        self.update_printer_with(caller, printer_id, |p| describe(p).map_err(AppError::Internal))
            .await?;
        Ok(())
    }
}
