//! IPP operation, status and enum values the connector uses.
//!
//! The `ipp` crate's `Operation` and `StatusCode` enums stop short of INFRA (PWG 5100.18) and of the
//! subscription operations (RFC 3995/3996), so the raw values live here (from CUPS 2.4 `ipp.h`).

/// Operation codes.
pub mod op {
    pub const PRINT_JOB: u16 = 0x0002;
    pub const CREATE_JOB: u16 = 0x0005;
    pub const SEND_DOCUMENT: u16 = 0x0006;
    pub const CANCEL_JOB: u16 = 0x0008;
    pub const GET_JOB_ATTRIBUTES: u16 = 0x0009;
    pub const GET_JOBS: u16 = 0x000A;
    pub const GET_PRINTER_ATTRIBUTES: u16 = 0x000B;
    pub const CREATE_PRINTER_SUBSCRIPTIONS: u16 = 0x0016;
    pub const RENEW_SUBSCRIPTION: u16 = 0x001A;
    pub const CANCEL_SUBSCRIPTION: u16 = 0x001B;
    pub const GET_NOTIFICATIONS: u16 = 0x001C;
    pub const ACKNOWLEDGE_DOCUMENT: u16 = 0x003F;
    pub const ACKNOWLEDGE_JOB: u16 = 0x0041;
    pub const FETCH_DOCUMENT: u16 = 0x0042;
    pub const FETCH_JOB: u16 = 0x0043;
    pub const UPDATE_ACTIVE_JOBS: u16 = 0x0045;
    pub const DEREGISTER_OUTPUT_DEVICE: u16 = 0x0046;
    pub const UPDATE_DOCUMENT_STATUS: u16 = 0x0047;
    pub const UPDATE_JOB_STATUS: u16 = 0x0048;
    pub const UPDATE_OUTPUT_DEVICE_ATTRIBUTES: u16 = 0x0049;
}

/// Status codes.
pub mod status {
    pub const CLIENT_ERROR_BAD_REQUEST: u16 = 0x0400;
    pub const CLIENT_ERROR_NOT_POSSIBLE: u16 = 0x0404;
    pub const CLIENT_ERROR_NOT_FOUND: u16 = 0x0406;
    pub const CLIENT_ERROR_GONE: u16 = 0x0407;
    pub const CLIENT_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED: u16 = 0x040A;
    pub const CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED: u16 = 0x040B;
    pub const CLIENT_ERROR_NOT_FETCHABLE: u16 = 0x0420;
    pub const SERVER_ERROR_OPERATION_NOT_SUPPORTED: u16 = 0x0501;
    pub const SERVER_ERROR_SERVICE_UNAVAILABLE: u16 = 0x0502;
    pub const SERVER_ERROR_TEMPORARY_ERROR: u16 = 0x0505;
    pub const SERVER_ERROR_NOT_ACCEPTING_JOBS: u16 = 0x0506;
    pub const SERVER_ERROR_BUSY: u16 = 0x0507;

    /// `successful-ok*` (0x0000–0x00FF), which includes the notification codes 0x0003–0x0007.
    pub fn is_success(code: u16) -> bool {
        code < 0x0100
    }

    /// Errors worth retrying later with the same request.
    pub fn is_transient(code: u16) -> bool {
        matches!(
            code,
            SERVER_ERROR_SERVICE_UNAVAILABLE
                | SERVER_ERROR_TEMPORARY_ERROR
                | SERVER_ERROR_NOT_ACCEPTING_JOBS
                | SERVER_ERROR_BUSY
        )
    }
}

/// `job-state` / `output-device-job-state` values (RFC 8011 §5.3.7).
pub mod job_state {
    pub const PENDING: i32 = 3;
    pub const PENDING_HELD: i32 = 4;
    pub const PROCESSING: i32 = 5;
    pub const PROCESSING_STOPPED: i32 = 6;
    pub const CANCELED: i32 = 7;
    pub const ABORTED: i32 = 8;
    pub const COMPLETED: i32 = 9;

    pub fn is_terminal(state: i32) -> bool {
        state >= CANCELED
    }

    pub fn name(state: i32) -> &'static str {
        match state {
            PENDING => "pending",
            PENDING_HELD => "pending-held",
            PROCESSING => "processing",
            PROCESSING_STOPPED => "processing-stopped",
            CANCELED => "canceled",
            ABORTED => "aborted",
            COMPLETED => "completed",
            _ => "unknown",
        }
    }
}
