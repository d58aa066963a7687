//! Where bytes come from: the file walker and bounded windowed reads (git history blobs are read
//! by `commands::git`).

pub mod walk;
pub mod windows;
