//! Change notifications: which subscriptions a change concerns (the producers below, called inside the
//! change's own commit), and the subscription lifecycle and delivery (see the submodules).

mod delivery;
mod http;
mod payload;
mod producers;
mod subscriptions;
mod validate;

pub use delivery::{DeliveryConfig, deliver_due, spawn_delivery};
pub use producers::{JOB_RESOURCE_KIND, TASK_RESOURCE_KIND, job_filter_view, parse_query_options};
pub use subscriptions::{SubscriptionPatch, SubscriptionRequest, require_application};
pub use validate::{MAX_CLIENT_STATE_CHARS, MAX_LIFETIME_MINUTES, SubscribedResource};
