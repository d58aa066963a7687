//! Where bytes come from: the file walker, and `source`, the one door every source (files,
//! standard input, git blobs, staged blobs) goes through to the scanner.

pub mod source;
pub mod walk;
