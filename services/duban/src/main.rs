//! `duban`: parse the command line and hand over to the library.

use clap::Parser;

#[global_allocator]
static ALLOCATOR: duban::Allocator = duban::Allocator;

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    duban::cli::run(duban::cli::Cli::parse()).await
}
