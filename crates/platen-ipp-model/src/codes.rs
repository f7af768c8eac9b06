//! IPP operation and status codes Platen uses, including the INFRA (PWG 5100.18) and notification (RFC 3995/3996)
//! ones the `ipp` crate's enums lack. Values from CUPS 2.4's `ipp.h`.

pub mod op {
    pub const GET_JOBS: i16 = 0x000A;
    pub const GET_PRINTER_ATTRIBUTES: i16 = 0x000B;
    pub const CREATE_PRINTER_SUBSCRIPTIONS: i16 = 0x0016;
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

    /// What `operations-supported` advertises.
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
}

pub mod status {
    pub const OK: i16 = 0x0000;
    pub const OK_IGNORED_OR_SUBSTITUTED: i16 = 0x0001;
    pub const OK_EVENTS_COMPLETE: i16 = 0x0007;
    pub const BAD_REQUEST: i16 = 0x0400;
    pub const FORBIDDEN: i16 = 0x0401;
    pub const NOT_AUTHORIZED: i16 = 0x0403;
    pub const NOT_POSSIBLE: i16 = 0x0404;
    pub const NOT_FOUND: i16 = 0x0406;
    pub const ATTRIBUTES_OR_VALUES_NOT_SUPPORTED: i16 = 0x040B;
    pub const NOT_FETCHABLE: i16 = 0x0420;
    pub const INTERNAL_ERROR: i16 = 0x0500;
    pub const OPERATION_NOT_SUPPORTED: i16 = 0x0501;
    pub const VERSION_NOT_SUPPORTED: i16 = 0x0503;
}
