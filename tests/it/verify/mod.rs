//! Verification tests against a local HTTPS identity provider (`idp`): each outcome and each
//! guard of `--verify`, with no internet. Tokens are signed at run time with keys made here.

mod cli;
mod idp;
mod library;
