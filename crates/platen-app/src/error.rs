use platen_domain::job::Refusal;

/// Why a use case failed. The HTTP layer maps each variant to one Graph error (status + code).
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The resource does not exist in the caller's tenant (or the caller may not know it exists).
    #[error("{0}")]
    NotFound(String),
    /// The caller is known but not allowed to do this.
    #[error("{0}")]
    Forbidden(String),
    /// The request conflicts with the resource's current state.
    #[error("{0}")]
    Conflict(String),
    #[error("{message}")]
    BadRequest {
        message: String,
        inner: Option<&'static str>,
    },
    /// The job state machine refused the event.
    #[error("{0:?}")]
    Refused(Refusal),
    /// Upload protocol errors with their Graph status and inner code.
    #[error("{message}")]
    Upload {
        status: u16,
        code: &'static str,
        inner: &'static str,
        message: String,
    },
    #[error(transparent)]
    Store(#[from] platen_store::StoreError),
    #[error("document storage failed: {0}")]
    Blob(#[from] platen_blob::BlobError),
    #[error("{0}")]
    Internal(String),
}

impl AppError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        AppError::BadRequest {
            message: message.into(),
            inner: None,
        }
    }
    pub fn not_found(what: &str) -> Self {
        AppError::NotFound(format!("The {what} was not found."))
    }
}
