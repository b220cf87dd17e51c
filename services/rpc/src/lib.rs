//! The HTTP layer of the internal calls between the gateway and the services: every call
//! signed with the deployment's service key, one route per service, one client for all.
//! Only the binary and its tests link it; the services and the gateway see the traits.

pub mod http;
pub mod signing;
