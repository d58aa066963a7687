//! Where bytes come from: the file walker and bounded windowed reads (git history blobs are read
//! by `commands::git`), and the routing of archives and UTF-16 text before the scanner.

pub mod artifacts;
pub mod walk;
pub mod windows;
