//! One module per subcommand.

pub(crate) mod cluster;
pub(crate) mod compare;
pub(crate) mod convert;
pub(crate) mod demo;
pub(crate) mod eval;
pub(crate) mod generate;
pub(crate) mod info;
pub(crate) mod place;
pub(crate) mod render;
pub(crate) mod serve;
pub(crate) mod train;

use clap::ValueEnum;

/// Output format of reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, Default)]
pub(crate) enum Format {
    /// Human-readable text.
    #[default]
    Text,
    /// One JSON document on stdout.
    Json,
}
