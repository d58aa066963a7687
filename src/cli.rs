//! The command line as clap sees it. These are raw arguments; `config` resolves them, together
//! with `jwtscan.toml`, into the immutable `Settings` the scan runs on.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, CommandFactory as _, Parser, Subcommand, ValueEnum};

use crate::severity::{FailOn, Severity};

#[derive(Parser, Debug)]
#[command(
    name = "jwtscan",
    version,
    about = "Find leaked, weak and forgeable JSON Web Tokens in files and git history",
    args_conflicts_with_subcommands = true,
    after_help = "With no subcommand, `jwtscan [OPTIONS] [PATH]...` is `jwtscan scan`.\n\n\
Severities, lowest first: info, low, medium, high, critical.\n\
Exit status: 0 nothing at or above --fail-on, 1 findings at or above it, 2 a usage or config error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub scan: ScanArgs,
}

/// `jwtscan --fail-on high scan config`, `jwtscan -v git`: options typed before the subcommand,
/// as ripgrep and ruff users type them, are moved after it, where clap reads a subcommand's
/// options. Only the leading options the bare form (`jwtscan [OPTIONS] [PATH]...`) knows are
/// recognised, so a value is never taken for the subcommand; the subcommand then accepts or
/// rejects each option with its usual message. Anything else is left as it was.
pub fn hoist_options(mut args: Vec<OsString>) -> Vec<OsString> {
    let command = Cli::command();
    let mut at = 1;
    while let Some(word) = args.get(at).and_then(|word| word.to_str()) {
        if word == "--" || word == "-" || !word.starts_with('-') {
            break;
        }
        at += if value_follows(&command, word) { 2 } else { 1 };
    }
    let is_subcommand =
        args.get(at).and_then(|word| word.to_str()).is_some_and(|word| command.find_subcommand(word).is_some());
    if at > 1 && is_subcommand {
        args[1..=at].rotate_right(1);
    }
    args
}

/// Whether the option `word` takes its value from the next argument (`--format json`, `-j 4`),
/// not from itself (`--format=json`, `-j4`) or not at all (`-v`).
fn value_follows(command: &clap::Command, word: &str) -> bool {
    let takes_value = |arg: &clap::Arg| arg.get_action().takes_values();
    if let Some(long) = word.strip_prefix("--") {
        return !long.contains('=')
            && command.get_arguments().any(|arg| arg.get_long() == Some(long) && takes_value(arg));
    }
    let shorts: Vec<char> = word.chars().skip(1).collect();
    for (index, short) in shorts.iter().enumerate() {
        if let Some(arg) = command.get_arguments().find(|arg| arg.get_short() == Some(*short))
            && takes_value(arg)
        {
            return index + 1 == shorts.len();
        }
    }
    false
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan files and directories (the default command)
    Scan(ScanArgs),
    /// Scan every blob reachable in a git repository's history
    Git(GitArgs),
    /// Decode one token offline: header, claims with dates, and findings
    Decode(DecodeArgs),
    /// List every rule, or show one rule's full help
    Rules(RulesArgs),
    /// Server-side git hooks: refuse a push that adds a failing finding
    Hook(HookArgs),
}

#[derive(Args, Debug, Default, Clone)]
pub struct ScanArgs {
    /// Files or directories to scan; `-` reads standard input [default: .]
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Also scan files excluded by .gitignore and .ignore (config excludes still apply)
    #[arg(long)]
    pub no_ignore: bool,
    /// Exit 0 even when files could not be read or were over --max-file-size (by default a scan
    /// that could not read everything it was given fails the run)
    #[arg(long)]
    pub allow_incomplete: bool,
    #[command(flatten)]
    pub options: ScanOptions,
}

#[derive(Args, Debug, Default, Clone)]
pub struct GitArgs {
    /// The repository (a work tree or a bare repository)
    #[arg(value_name = "REPO", default_value = ".")]
    pub repo: PathBuf,
    /// Only commits not reachable from REV
    #[arg(long, value_name = "REV", conflicts_with_all = ["range", "staged"])]
    pub since: Option<String>,
    /// Only commits in A..B, as `git log A..B` selects them
    #[arg(long, value_name = "A..B", conflicts_with = "staged")]
    pub range: Option<String>,
    /// Only what is staged in the index and differs from HEAD
    #[arg(long)]
    pub staged: bool,
    /// Exit 0 even when objects could not be read or trees not entered (by default an
    /// incomplete history scan fails the run)
    #[arg(long)]
    pub allow_incomplete: bool,
    #[command(flatten)]
    pub options: ScanOptions,
}

/// The options `scan` and `git` both read.
#[derive(Args, Debug, Default, Clone)]
pub struct ScanOptions {
    /// Report format [default: text]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,
    /// Write the report to FILE instead of standard output
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write the SARIF log of the same run to FILE (one scan for annotations and code
    /// scanning)
    #[arg(long, value_name = "FILE")]
    pub sarif_output: Option<PathBuf>,
    /// Exit 1 if any finding is at or above SEVERITY: info, low, medium, high, critical, or never
    /// [default: low, or fail_on in the config]
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<FailOn>,
    /// Drop findings below SEVERITY from the report: info, low, medium, high or critical
    /// [default: info, or min_severity in the config]
    #[arg(long, value_name = "SEVERITY")]
    pub min_severity: Option<Severity>,
    /// "Now" for the expiry rules: unix seconds or RFC 3339 [default: the clock]
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
    /// Config file [default: jwtscan.toml or .jwtscan.toml in the first PATH's folder or the
    /// nearest folder above it, up to the repository root]
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Also exclude paths matching GLOB, as the config's `exclude` does (repeatable)
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Also turn RULE off, as the config's `rules.disable` does (repeatable, or comma-separated;
    /// see `jwtscan rules`)
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    pub disable: Vec<String>,
    /// A previous JSON report: findings whose fingerprint is in it are not reported
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Skip files larger than SIZE, in bytes or with a K, M or G suffix (counted in the summary)
    /// [default: 50M]
    #[arg(long, value_name = "SIZE", value_parser = crate::units::parse_size)]
    pub max_file_size: Option<u64>,
    /// Worker threads [default: all cores]
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
    /// Extra candidate HMAC secrets, one per line (repeatable)
    #[arg(long, value_name = "FILE")]
    pub wordlist: Vec<PathBuf>,
    /// Deep cracking of the HS tokens no list, name or key solves: masks (--crack-mask) within
    /// a time budget (--crack-time), on all cores; and the RSA keys behind RS tokens, recovered
    /// from their signatures and tried as HMAC keys too. Progress shows on a terminal
    #[arg(long)]
    pub crack: bool,
    /// A hashcat-style mask for --crack (?l ?u ?d ?h ?s ?a, ?w = [a-z0-9]; every shorter prefix
    /// is tried first; repeatable) [default: ?w?w?w?w?w?w]
    #[arg(long, value_name = "MASK", requires = "crack")]
    pub crack_mask: Vec<String>,
    /// Seconds --crack may spend on masks, and as much again on recovering RSA keys from RS
    /// tokens [default: 60]
    #[arg(long, value_name = "SECONDS", requires = "crack")]
    pub crack_time: Option<u64>,
    /// Print tokens and secrets in full
    #[arg(long)]
    pub show_secrets: bool,
    /// Report findings on `jwtscan:ignore` lines too
    #[arg(long)]
    pub no_inline_ignore: bool,
    /// SARIF automationDetails.id, to tell several uploads apart
    #[arg(long, value_name = "ID")]
    pub sarif_category: Option<String>,
    /// When to colour text output
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
    pub color: ColorChoice,
    /// Every context counts toward --fail-on, not only source (tests, docs, examples, vendored
    /// and generated files too)
    #[arg(long)]
    pub strict: bool,
    /// Say on stderr which config file the scan uses (or that it uses none), and show every
    /// finding of the text report in full, not one line per file for those that do not fail
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// Add counts per rule and context to the report
    #[arg(long)]
    pub statistics: bool,
    #[command(flatten)]
    pub verify: VerifyArgs,
    /// Do not verify, even if the config file says `verify = true`
    #[arg(long, conflicts_with = "verify")]
    pub no_verify: bool,
}

/// `--verify` and its guards; shared by the scanning commands and `decode`.
#[derive(Args, Debug, Default, Clone)]
pub struct VerifyArgs {
    /// Ask each token's issuer for its published keys (OIDC discovery, JWKS) and report whether
    /// the token is live, dead, invalid or unknown. Off by default: no network access without it
    #[arg(long)]
    pub verify: bool,
    /// With --verify: also trust the CA certificates in FILE (PEM), for internal issuers
    #[arg(long, value_name = "FILE")]
    pub verify_ca: Option<PathBuf>,
    /// With --verify: allow issuers on loopback, private and link-local addresses
    #[arg(long)]
    pub verify_allow_private: bool,
}

#[derive(Args, Debug, Clone)]
pub struct DecodeArgs {
    /// The token; `-` or nothing reads standard input
    #[arg(value_name = "TOKEN")]
    pub token: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    pub format: ListFormat,
    /// "Now" for the expiry rules: unix seconds or RFC 3339 [default: the clock]
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
    /// Show a guessed HMAC secret in full instead of masked
    #[arg(long)]
    pub show_secrets: bool,
    /// When to colour text output
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
    pub color: ColorChoice,
    #[command(flatten)]
    pub verify: VerifyArgs,
}

#[derive(Args, Debug, Clone)]
pub struct RulesArgs {
    /// Show this rule's full help
    #[arg(value_name = "ID")]
    pub id: Option<String>,
    /// Output format (`markdown`: the rule reference in docs/rules.md)
    #[arg(long, value_enum, default_value = "text")]
    pub format: RulesFormat,
}

#[derive(Args, Debug, Clone)]
pub struct HookArgs {
    #[command(subcommand)]
    pub kind: HookKind,
    /// The repository receiving the push [default: the hook's working folder, the git dir]
    #[arg(long, value_name = "REPO", default_value = ".", global = true)]
    pub repo: PathBuf,
    /// Refuse the push if a finding in the commits it adds is at or above SEVERITY [default:
    /// low, or fail_on in the config]
    #[arg(long, value_name = "SEVERITY", global = true)]
    pub fail_on: Option<FailOn>,
    /// Config file [default: jwtscan.toml or .jwtscan.toml in the tree of the repository's HEAD
    /// before the push, so a push cannot change its own gate]
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
    /// Every context counts, not only source (tests, docs, examples too)
    #[arg(long, global = true)]
    pub strict: bool,
    /// Time budget for the scan, with an s, m or h unit
    #[arg(long, value_name = "DURATION", default_value = "60s", global = true)]
    pub timeout: String,
    /// Accept the push when it could not be scanned in full (time budget spent, objects unreadable).
    /// By default such a push is refused (fail closed)
    #[arg(long, global = true)]
    pub fail_open: bool,
}

#[derive(Subcommand, Debug, Clone)]
pub enum HookKind {
    /// As `hooks/pre-receive`: reads `OLD NEW REF` lines on standard input, one per updated ref
    PreReceive,
    /// As `hooks/update`: one ref, given as arguments
    Update {
        /// The ref being updated
        #[arg(value_name = "REF")]
        refname: String,
        /// Its old value (all zeros: the ref is created)
        #[arg(value_name = "OLD")]
        old: String,
        /// Its new value (all zeros: the ref is deleted)
        #[arg(value_name = "NEW")]
        new: String,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum RulesFormat {
    #[default]
    Text,
    Json,
    Markdown,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
    Sarif,
    Github,
    /// GitLab's secret-detection report (`artifacts: reports: secret_detection`)
    Gitlab,
    /// JUnit XML: one failed test case per failing finding, one test suite per file
    Junit,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ListFormat {
    #[default]
    Text,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}
