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
    /// A job configuration asks for something the printer's capabilities do not offer (Graph: 400; IPP:
    /// client-error-attributes-or-values-not-supported).
    #[error("{0}")]
    UnsupportedSetting(platen_domain::UnsupportedSetting),
    /// The job state machine refused the event.
    #[error("{0:?}")]
    Refused(Refusal),
    /// The upload protocol refused a request.
    #[error("{message}")]
    Upload { failure: UploadFailure, message: String },
    /// An administrator's print policy refuses the job (Graph: 403 with inner code `printPolicyViolation`; IPP:
    /// client-error-not-possible); the sentence names the policy.
    #[error("{0}")]
    PolicyRefused(String),
    /// The job would pass its creator's print quota (Graph: 403 with inner code `printQuotaExceeded`; IPP:
    /// client-error-not-possible); the sentence says how many pages are left and when they reset.
    #[error("{0}")]
    QuotaExceeded(String),
    /// The resource existed but its content was deleted for good (retention).
    #[error("{0}")]
    Gone(String),
    /// A download URL is unknown, expired, or its secret is wrong.
    #[error("The download URL is not valid or has expired; request the document's $value again.")]
    DownloadLinkInvalid,
    /// A print password was wrong, unknown, revoked or not the user's.
    #[error("The user name or print password is wrong.")]
    BadCredentials,
    /// Too many wrong print passwords lately for the user or from the address: refused without checking.
    #[error("Too many failed sign-ins; retry in {} s.", retry_after.as_secs().max(1))]
    TooManyFailures { retry_after: std::time::Duration },
    /// A throttling limit was reached (`AppConfig::throttling`); nothing was changed.
    #[error("{message}")]
    Throttled {
        retry_after: std::time::Duration,
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

/// Why an upload session or one of its byte ranges was refused. The front end decides what each one looks like
/// on the wire (Graph: a status and error codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadFailure {
    /// The `Content-Range` header is not `bytes first-last/total` with sane bounds.
    MalformedRange,
    /// The document is larger than the configured limit.
    DocumentTooLarge,
    /// The upload URL's own credential is wrong or missing.
    InvalidCredential,
    /// The body's length does not match its `Content-Range`, or the range does not fit the session's size.
    FragmentLengthMismatch,
    /// One range is larger than a single request may carry.
    FragmentTooLarge,
    /// The range overlaps bytes already received.
    FragmentOverlap,
    /// The session does not exist, has expired, or was finished.
    SessionNotFound,
}
