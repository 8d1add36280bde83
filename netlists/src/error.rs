//! Diagnostics: every format error names the file, the 1-based line and the problem.

use std::fmt;
use std::path::{Path, PathBuf};

/// An error reading or writing a netlist or placement file.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be opened, read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating-system error.
        #[source]
        source: std::io::Error,
    },
    /// The content is malformed or inconsistent.
    #[error(transparent)]
    Parse(#[from] ParseError),
}

/// A content problem at a place in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// The file (or a label such as `<memory>`).
    pub path: PathBuf,
    /// 1-based line; 0 when the problem concerns the whole file.
    pub line: usize,
    /// What is wrong, in one line.
    pub message: String,
}

impl ParseError {
    /// A new error at `path:line`. Line breaks inside the message (e.g. from a node name
    /// with an escaped `\n`) are escaped so the diagnostic stays on one line.
    pub fn new(path: impl AsRef<Path>, line: usize, message: impl Into<String>) -> Self {
        let mut message = message.into();
        if message.contains(['\n', '\r']) {
            message = message.replace('\n', "\\n").replace('\r', "\\r");
        }
        ParseError { path: path.as_ref().to_path_buf(), line, message }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: {}", self.path.display(), self.line, self.message)
        } else {
            write!(f, "{}: {}", self.path.display(), self.message)
        }
    }
}

impl std::error::Error for ParseError {}

impl Error {
    /// Wraps an I/O error with its path.
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Error::Io { path: path.as_ref().to_path_buf(), source }
    }
    /// A parse error at `path:line`.
    pub fn parse(path: impl AsRef<Path>, line: usize, message: impl Into<String>) -> Self {
        Error::Parse(ParseError::new(path, line, message))
    }
}

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
