//! Where bytes come from: the file walker, bounded windowed reads, and `source`, the one door
//! every source (files, standard input, git blobs, staged blobs) goes through to the scanner.

pub mod source;
pub mod walk;
pub mod windows;
