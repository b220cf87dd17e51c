//! `duban`: parse the command line and hand over to the library.

use clap::Parser;

#[global_allocator]
static ALLOCATOR: duban::Allocator = duban::Allocator;

fn main() -> anyhow::Result<()> {
    duban::block_on(duban::cli::run(duban::cli::Cli::parse()))?
}
