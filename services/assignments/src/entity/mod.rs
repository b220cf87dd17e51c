//! sea-orm entities of the assignments database.

pub mod assignment;
pub mod campaign;
pub mod org_unit;
pub mod person;
pub mod progress_report;
