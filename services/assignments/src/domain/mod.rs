//! Pure domain logic of the assignments service: no SQL, no HTTP, time as an argument.

pub mod assignment;
pub mod campaign;
pub mod credential;
pub mod directory;
pub mod duty;
pub mod problem;
