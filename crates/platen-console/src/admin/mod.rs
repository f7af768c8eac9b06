//! Pages for Printer Administrators. Each checks the role (a 403 page otherwise) and the Graph permission
//! rule of the operation it performs, then calls the same use case as the Graph route.

pub(crate) mod apps;
pub(crate) mod connectors;
pub(crate) mod policies;
pub(crate) mod printers;
pub(crate) mod quotas;
pub(crate) mod shares;
pub(crate) mod usage;
