//! IPP operation and status codes Platen uses, including the INFRA (PWG 5100.18) and notification (RFC 3995/3996)
//! ones the `ipp` crate's enums lack. Values from CUPS 2.4's `ipp.h`.

pub mod op {
    pub const PRINT_JOB: i16 = 0x0002;
    pub const VALIDATE_JOB: i16 = 0x0004;
    pub const CREATE_JOB: i16 = 0x0005;
    pub const SEND_DOCUMENT: i16 = 0x0006;
    pub const CANCEL_JOB: i16 = 0x0008;
    pub const GET_JOB_ATTRIBUTES: i16 = 0x0009;
    pub const CANCEL_MY_JOBS: i16 = 0x0039;
    pub const CLOSE_JOB: i16 = 0x003B;
    pub const IDENTIFY_PRINTER: i16 = 0x003C;
    pub const GET_JOBS: i16 = 0x000A;
    pub const GET_PRINTER_ATTRIBUTES: i16 = 0x000B;
    pub const CREATE_PRINTER_SUBSCRIPTIONS: i16 = 0x0016;
    pub const CREATE_JOB_SUBSCRIPTIONS: i16 = 0x0017;
    pub const RENEW_SUBSCRIPTION: i16 = 0x001A;
    pub const CANCEL_SUBSCRIPTION: i16 = 0x001B;
    pub const GET_NOTIFICATIONS: i16 = 0x001C;
    pub const ACKNOWLEDGE_DOCUMENT: i16 = 0x003F;
    pub const ACKNOWLEDGE_IDENTIFY_PRINTER: i16 = 0x0040;
    pub const ACKNOWLEDGE_JOB: i16 = 0x0041;
    pub const FETCH_DOCUMENT: i16 = 0x0042;
    pub const FETCH_JOB: i16 = 0x0043;
    pub const GET_OUTPUT_DEVICE_ATTRIBUTES: i16 = 0x0044;
    pub const UPDATE_ACTIVE_JOBS: i16 = 0x0045;
    pub const DEREGISTER_OUTPUT_DEVICE: i16 = 0x0046;
    pub const UPDATE_DOCUMENT_STATUS: i16 = 0x0047;
    pub const UPDATE_JOB_STATUS: i16 = 0x0048;
    pub const UPDATE_OUTPUT_DEVICE_ATTRIBUTES: i16 = 0x0049;

    /// What `operations-supported` advertises on the INFRA endpoint (devices).
    pub const SUPPORTED: &[i16] = &[
        GET_JOBS,
        GET_PRINTER_ATTRIBUTES,
        CREATE_PRINTER_SUBSCRIPTIONS,
        RENEW_SUBSCRIPTION,
        CANCEL_SUBSCRIPTION,
        GET_NOTIFICATIONS,
        ACKNOWLEDGE_DOCUMENT,
        ACKNOWLEDGE_IDENTIFY_PRINTER,
        ACKNOWLEDGE_JOB,
        FETCH_DOCUMENT,
        FETCH_JOB,
        GET_OUTPUT_DEVICE_ATTRIBUTES,
        UPDATE_ACTIVE_JOBS,
        DEREGISTER_OUTPUT_DEVICE,
        UPDATE_DOCUMENT_STATUS,
        UPDATE_JOB_STATUS,
        UPDATE_OUTPUT_DEVICE_ATTRIBUTES,
    ];

    /// What `operations-supported` advertises on a share's IPP Everywhere endpoint (people's computers).
    pub const SHARE_SUPPORTED: &[i16] = &[
        PRINT_JOB,
        VALIDATE_JOB,
        CREATE_JOB,
        SEND_DOCUMENT,
        CANCEL_JOB,
        GET_JOB_ATTRIBUTES,
        GET_JOBS,
        GET_PRINTER_ATTRIBUTES,
        CANCEL_MY_JOBS,
        CLOSE_JOB,
        CREATE_PRINTER_SUBSCRIPTIONS,
        CREATE_JOB_SUBSCRIPTIONS,
        RENEW_SUBSCRIPTION,
        CANCEL_SUBSCRIPTION,
        GET_NOTIFICATIONS,
    ];
}

pub mod status {
    pub const OK: i16 = 0x0000;
    pub const OK_IGNORED_OR_SUBSTITUTED: i16 = 0x0001;
    pub const OK_EVENTS_COMPLETE: i16 = 0x0007;
    pub const BAD_REQUEST: i16 = 0x0400;
    pub const FORBIDDEN: i16 = 0x0401;
    pub const NOT_AUTHENTICATED: i16 = 0x0402;
    pub const NOT_AUTHORIZED: i16 = 0x0403;
    pub const NOT_POSSIBLE: i16 = 0x0404;
    pub const NOT_FOUND: i16 = 0x0406;
    pub const REQUEST_ENTITY_TOO_LARGE: i16 = 0x0408;
    pub const DOCUMENT_FORMAT_NOT_SUPPORTED: i16 = 0x040A;
    pub const ATTRIBUTES_OR_VALUES_NOT_SUPPORTED: i16 = 0x040B;
    pub const CHARSET_NOT_SUPPORTED: i16 = 0x040D;
    pub const COMPRESSION_NOT_SUPPORTED: i16 = 0x040F;
    pub const COMPRESSION_ERROR: i16 = 0x0410;
    pub const NOT_FETCHABLE: i16 = 0x0420;
    pub const INTERNAL_ERROR: i16 = 0x0500;
    pub const OPERATION_NOT_SUPPORTED: i16 = 0x0501;
    pub const SERVICE_UNAVAILABLE: i16 = 0x0502;
    pub const VERSION_NOT_SUPPORTED: i16 = 0x0503;
    pub const NOT_ACCEPTING_JOBS: i16 = 0x0506;
    /// server-error-busy: a throttling limit; the client should retry later.
    pub const BUSY: i16 = 0x0507;
    pub const MULTIPLE_DOCUMENT_JOBS_NOT_SUPPORTED: i16 = 0x0509;
}
