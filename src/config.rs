//! Resolves command-line flags and `jwtscan.toml` into one immutable `Settings`. Flags win over
//! the file; anything unknown or malformed is an error that names the key and the file.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::cli::{ColorChoice, Format, ScanOptions};
use crate::context::{ContextSection, Overrides, Policy};
use crate::discover::normalize;
use crate::severity::{FailOn, Severity};

pub const DEFAULT_MAX_FILE_SIZE: u64 = 50 * 1024 * 1024;
pub const DEFAULT_MAX_LIFETIME: i64 = 24 * 3600;
pub const MAX_THREADS: usize = 1024;

#[derive(Debug)]
pub struct Settings {
    pub paths: Vec<PathBuf>,
    /// The config file used, as found or given; `None` when there is none.
    pub config: Option<PathBuf>,
    pub format: Format,
    pub output: Option<PathBuf>,
    /// `--sarif-output`: the SARIF log of the same run, beside the report in `format`.
    pub sarif_output: Option<PathBuf>,
    pub fail_on: Option<Severity>,
    pub min_severity: Severity,
    pub now: i64,
    pub baseline: HashSet<String>,
    pub no_ignore: bool,
    pub max_file_size: u64,
    pub threads: usize,
    pub wordlists: Vec<PathBuf>,
    pub show_secrets: bool,
    pub inline_ignore: bool,
    pub sarif_category: Option<String>,
    pub color: bool,
    pub max_lifetime: i64,
    pub exclude: Option<Exclude>,
    pub disabled_rules: HashSet<String>,
    pub severity_overrides: HashMap<String, Severity>,
    pub allowlist_tokens: HashSet<String>,
    pub extra_sensitive_claims: Vec<String>,
    pub extra_pii_claims: Vec<String>,
    /// What fails a run per context (`--strict`, `[context]`, `[context.policy]`).
    pub policy: Policy,
    /// `[context]` globs, matched against paths relative to `config_base`.
    pub context_overrides: Overrides,
    /// The config file's folder.
    pub config_base: Option<PathBuf>,
    /// Text report: every finding in full, not one line per file for those that do not fail.
    pub verbose: bool,
    /// Counts per rule × context in the report.
    pub statistics: bool,
    /// How many layers of encoding (base64, percent, JSON escapes, gzip/zlib) are decoded around a
    /// hit; 0 turns layer decoding off (`[decode] max_depth`).
    pub max_depth: u8,
    /// How archives, compressed streams and images are opened, and their bounds
    /// (`[archives] max_depth`; the rest are not settings: tests shrink them).
    pub archives: crate::artifact::Limits,
    /// Decompressed bytes the run's archives may still produce, shared by its threads (starts
    /// at `archives.run_bytes`).
    pub archive_budget: crate::artifact::Budget,
    /// Bytes the HMAC secret checks may hash; not a flag: tests shrink it.
    pub hash_budget: crate::budget::HashBudget,
    /// `--crack`: deep mask cracking of the HS tokens left unsolved; `None`: the default mask only.
    pub crack: Option<crate::mask::Crack>,
    /// Verification against the issuers' published keys; `None`: off, no network at all.
    pub verify: Option<VerifySettings>,
}

/// How `--verify` may reach issuers. Only the command line sets these two: a config file in a
/// scanned repository must not point the scanner at the internal network or vouch for a CA.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifySettings {
    pub ca_file: Option<PathBuf>,
    pub allow_private: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            paths: vec![PathBuf::from(".")],
            config: None,
            format: Format::Text,
            output: None,
            sarif_output: None,
            fail_on: Some(Severity::Low),
            min_severity: Severity::Info,
            now: now_from_clock(),
            baseline: HashSet::new(),
            no_ignore: false,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            threads: default_threads(),
            wordlists: Vec::new(),
            show_secrets: false,
            inline_ignore: true,
            sarif_category: None,
            color: false,
            max_lifetime: DEFAULT_MAX_LIFETIME,
            exclude: None,
            disabled_rules: HashSet::new(),
            severity_overrides: HashMap::new(),
            allowlist_tokens: HashSet::new(),
            extra_sensitive_claims: Vec::new(),
            extra_pii_claims: Vec::new(),
            policy: Policy::default(),
            context_overrides: Overrides::default(),
            config_base: None,
            verbose: false,
            statistics: false,
            max_depth: crate::find::layers::DEFAULT_MAX_DEPTH,
            archives: crate::artifact::Limits::default(),
            archive_budget: crate::artifact::Budget::new(crate::artifact::Limits::default().run_bytes),
            hash_budget: crate::budget::HashBudget::default(),
            crack: None,
            verify: None,
        }
    }
}

impl Settings {
    pub fn rule_enabled(&self, rule: crate::catalog::RuleId) -> bool {
        !self.disabled_rules.contains(rule.as_str())
    }

    /// Runs `work` on a rayon pool of `threads` threads, so its parallel parts keep to
    /// `--threads`; on the calling thread alone if no pool can be started.
    pub fn on_threads<R: Send>(&self, work: impl FnOnce() -> R + Send) -> R {
        match rayon::ThreadPoolBuilder::new().num_threads(self.threads).build() {
            Ok(pool) => pool.install(work),
            Err(_) => work(),
        }
    }
}

/// Config `exclude` globs, matched against paths relative to the config file's folder.
#[derive(Debug)]
pub struct Exclude {
    globs: GlobSet,
    base: PathBuf,
}

impl Exclude {
    /// Where `root` sits below the config file's folder, or `None` when it lies outside it (then
    /// nothing under `root` is excluded). Computed once per root so matching stays cheap.
    pub fn root_prefix(&self, root: &Path) -> Option<PathBuf> {
        let absolute = std::env::current_dir().ok()?.join(root);
        normalize(&absolute).strip_prefix(&self.base).ok().map(Path::to_path_buf)
    }

    /// `relative` is a path relative to the config file's folder.
    pub fn matches(&self, relative: &Path) -> bool {
        self.globs.is_match(relative)
    }
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    fail_on: Option<String>,
    min_severity: Option<String>,
    max_lifetime: Option<toml::Value>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    wordlists: Vec<PathBuf>,
    #[serde(default)]
    rules: RulesSection,
    #[serde(default)]
    allowlist: AllowlistSection,
    #[serde(default)]
    claims: ClaimsSection,
    verify: Option<bool>,
    #[serde(default)]
    context: Option<ContextSection>,
    #[serde(default)]
    decode: DecodeSection,
    #[serde(default)]
    archives: ArchivesSection,
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct ArchivesSection {
    max_depth: Option<toml::Value>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct DecodeSection {
    max_depth: Option<toml::Value>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct RulesSection {
    #[serde(default)]
    disable: Vec<String>,
    #[serde(default)]
    severity: BTreeMap<String, String>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct AllowlistSection {
    #[serde(default)]
    tokens: Vec<String>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct ClaimsSection {
    #[serde(default)]
    sensitive: Vec<String>,
    #[serde(default)]
    pii: Vec<String>,
}

/// Builds settings for a scan of `paths` (empty means `.`).
pub fn resolve(paths: &[PathBuf], options: &ScanOptions) -> Result<Settings> {
    let mut settings = Settings {
        paths: if paths.is_empty() { vec![PathBuf::from(".")] } else { paths.to_vec() },
        ..Settings::default()
    };
    settings.config = match &options.config {
        Some(path) => Some(path.clone()),
        None => crate::discover::find_config(&settings.paths[0]),
    };
    let mut excludes = ExcludePatterns::default();
    if let Some(path) = settings.config.clone() {
        apply_config_file(&mut settings, &path, &mut excludes).map_err(|err| crate::redact::error(&err))?;
    }
    apply_flags(&mut settings, options, &mut excludes)?;
    settings.exclude = excludes.build()?;
    crate::wordlist::check_wordlists(&settings.wordlists)?;
    if options.verbose {
        match &settings.config {
            Some(path) => eprintln!("jwtscan: config: {}", crate::escape::terminal(&path.display().to_string())),
            None => eprintln!("jwtscan: config: none"),
        }
    }
    Ok(settings)
}

/// Exclude globs from the config and from `--exclude`, all read against one folder: the config
/// file's, or the current folder when there is no config.
#[derive(Default)]
struct ExcludePatterns {
    /// Each pattern with what to name in an error about it.
    patterns: Vec<(String, String)>,
    base: Option<PathBuf>,
}

impl ExcludePatterns {
    fn build(self) -> Result<Option<Exclude>> {
        if self.patterns.is_empty() {
            return Ok(None);
        }
        let base = match self.base {
            Some(base) => base,
            None => normalize(&std::env::current_dir().context("cannot read the current folder")?),
        };
        let mut builder = GlobSetBuilder::new();
        for (pattern, source) in &self.patterns {
            // Like .gitignore: a pattern without a slash matches at any depth.
            let anchored = if pattern.contains('/') {
                pattern.trim_start_matches('/').to_string()
            } else {
                format!("**/{pattern}")
            };
            // `dir/**` also names `dir` itself, so the walk can prune it instead of entering it.
            let folder = anchored.trim_end_matches('/').trim_end_matches("/**").to_string();
            for glob in [anchored.clone(), format!("{folder}/**"), folder] {
                let glob = GlobBuilder::new(&glob)
                    .literal_separator(true)
                    .build()
                    .map_err(|err| anyhow::anyhow!("{source}: {pattern}: {err}"))?;
                builder.add(glob);
            }
        }
        let globs = builder.build().map_err(|err| anyhow::anyhow!("exclude: {err}"))?;
        Ok(Some(Exclude { globs, base }))
    }
}

/// Settings for `jwtscan git --range`/`--since`: the config is the one in the range's base
/// commit (`display` names it, `text` is its content, `None` when the base has none), never the
/// checkout's, which the change being judged may have edited. Its paths are relative to `root`.
pub fn resolve_from_commit(root: &Path, options: &ScanOptions, display: &str, text: Option<&[u8]>) -> Result<Settings> {
    let mut settings = Settings { paths: vec![root.to_path_buf()], ..Settings::default() };
    let mut excludes = ExcludePatterns::default();
    if let Some(text) = text {
        let base = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        std::str::from_utf8(text)
            .map_err(|_| anyhow::anyhow!("invalid config file {display}: not UTF-8"))
            .and_then(|text| apply_config_text(&mut settings, display, text, base, &mut excludes))
            .map_err(|err| crate::redact::error(&err))?;
    }
    apply_flags(&mut settings, options, &mut excludes)?;
    settings.exclude = excludes.build()?;
    crate::wordlist::check_wordlists(&settings.wordlists)?;
    if options.verbose {
        eprintln!("jwtscan: config: {}", crate::escape::terminal(display));
    }
    Ok(settings)
}

fn apply_config_file(settings: &mut Settings, path: &Path, excludes: &mut ExcludePatterns) -> Result<()> {
    let display = path.display();
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read config file {display}"))?;
    let base = std::fs::canonicalize(path)
        .with_context(|| format!("cannot resolve config file {display}"))?
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    apply_config_text(settings, &display.to_string(), &text, base, excludes)
}

/// The keys of the config's top level, for `table_hint`.
const TOP_LEVEL_KEYS: [&str; 11] = [
    "fail_on",
    "min_severity",
    "max_lifetime",
    "exclude",
    "wordlists",
    "rules",
    "allowlist",
    "claims",
    "verify",
    "context",
    "decode",
];

/// A top-level key written after a `[table]` header belongs to that table in TOML, where it is an
/// unknown field or a value of the wrong type: say so, as the parser cannot.
fn table_hint(text: &str, err: &toml::de::Error) -> Option<String> {
    let at = err.span()?.start;
    let mut table = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if offset + line.len() > at {
            let key = trimmed.split('=').next()?.trim().trim_matches('"');
            let table: &str = table?;
            return TOP_LEVEL_KEYS.contains(&key).then(|| {
                format!(
                    "\nhint: `{key}` is a top-level key, but in TOML every key after the `{table}]` line belongs to \
                     that table: move `{key} = ...` above the first [table] line"
                )
            });
        }
        if trimmed.starts_with('[') {
            table = Some(trimmed.split(']').next().unwrap_or(trimmed));
        }
        offset += line.len();
    }
    None
}

fn apply_config_text(
    settings: &mut Settings,
    display: &str,
    text: &str,
    base: PathBuf,
    excludes: &mut ExcludePatterns,
) -> Result<()> {
    let file: ConfigFile = toml::from_str(text).map_err(|err| {
        let hint = table_hint(text, &err).unwrap_or_default();
        anyhow::anyhow!("invalid config file {display}: {err}{hint}")
    })?;
    let bad = |key: &str, err: String| anyhow::anyhow!("invalid config file {display}: `{key}`: {err}");

    if let Some(value) = &file.fail_on {
        settings.fail_on = value.parse::<FailOn>().map_err(|err| bad("fail_on", err))?.0;
    }
    if let Some(value) = &file.min_severity {
        settings.min_severity = value.parse().map_err(|err| bad("min_severity", err))?;
    }
    if let Some(value) = &file.max_lifetime {
        let parsed = match value {
            toml::Value::String(text) => crate::time::parse_duration(text),
            toml::Value::Integer(seconds) if *seconds > 0 => Some(*seconds),
            _ => None,
        };
        settings.max_lifetime = parsed.ok_or_else(|| {
            bad("max_lifetime", format!("expected a duration such as \"24h\", \"30m\" or \"7d\", got {value}"))
        })?;
    }
    for pattern in &file.exclude {
        excludes.patterns.push((pattern.clone(), format!("invalid config file {display}: `exclude`")));
    }
    excludes.base = Some(base.clone());
    settings.wordlists.extend(file.wordlists.iter().map(|list| base.join(list)));
    for id in &file.rules.disable {
        check_rule_id(id).map_err(|err| bad("rules.disable", err))?;
        settings.disabled_rules.insert(id.clone());
    }
    for (id, severity) in &file.rules.severity {
        check_rule_id(id).map_err(|err| bad("rules.severity", err))?;
        let severity = severity.parse().map_err(|err| bad(&format!("rules.severity.{id}"), err))?;
        settings.severity_overrides.insert(id.clone(), severity);
    }
    for token in &file.allowlist.tokens {
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad("allowlist.tokens", format!("`{token}` is not a hex SHA-256 (token_sha256)")));
        }
        settings.allowlist_tokens.insert(token.to_ascii_lowercase());
    }
    if let Some(value) = &file.decode.max_depth {
        let limit = crate::find::layers::MAX_DEPTH_LIMIT;
        settings.max_depth =
            value.as_integer().and_then(|depth| u8::try_from(depth).ok()).filter(|&depth| depth <= limit).ok_or_else(
                || bad("decode.max_depth", format!("expected a whole number from 0 to {limit}, got {value}")),
            )?;
    }
    if let Some(value) = &file.archives.max_depth {
        let limit = crate::artifact::MAX_DEPTH_LIMIT;
        settings.archives.max_depth =
            value.as_integer().and_then(|depth| u8::try_from(depth).ok()).filter(|&depth| depth <= limit).ok_or_else(
                || bad("archives.max_depth", format!("expected a whole number from 0 to {limit}, got {value}")),
            )?;
    }
    settings.extra_sensitive_claims = file.claims.sensitive;
    settings.extra_pii_claims = file.claims.pii;
    if let Some(section) = &file.context {
        let invalid = |err: String| anyhow::anyhow!("invalid config file {display}: {err}");
        settings.context_overrides = Overrides::from_section(section).map_err(invalid)?;
        section.apply_policy(&mut settings.policy).map_err(invalid)?;
    }
    settings.config_base = Some(base);
    if let Some(verify) = file.verify {
        settings.verify = verify.then(VerifySettings::default);
    }
    Ok(())
}

fn check_rule_id(id: &str) -> std::result::Result<(), String> {
    if crate::catalog::meta(id).is_some() {
        Ok(())
    } else {
        Err(format!("unknown rule id `{id}` (see `jwtscan rules`)"))
    }
}

fn apply_flags(settings: &mut Settings, options: &ScanOptions, excludes: &mut ExcludePatterns) -> Result<()> {
    for pattern in &options.exclude {
        excludes.patterns.push((pattern.clone(), "invalid --exclude".to_string()));
    }
    for id in &options.disable {
        check_rule_id(id).map_err(|err| anyhow::anyhow!("--disable {id}: {err}"))?;
        settings.disabled_rules.insert(id.clone());
    }
    if let Some(format) = options.format {
        settings.format = format;
    }
    settings.output = options.output.clone();
    if let Some(FailOn(fail_on)) = options.fail_on {
        settings.fail_on = fail_on;
    }
    if let Some(min) = options.min_severity {
        settings.min_severity = min;
    }
    if let Some(now) = &options.now {
        settings.now = parse_now(now)?;
    }
    if let Some(path) = &options.baseline {
        settings.baseline = crate::baseline::load(path).map_err(|err| crate::redact::error(&err))?;
    }
    if let Some(size) = options.max_file_size {
        settings.max_file_size = size;
    }
    if let Some(threads) = options.threads {
        // Each thread is spawned up front: a huge count exhausts the machine or overflows.
        if !(1..=MAX_THREADS).contains(&threads) {
            bail!("--threads must be between 1 and {MAX_THREADS}, got {threads}");
        }
        settings.threads = threads;
    }
    settings.wordlists.extend(options.wordlist.iter().cloned());
    if options.crack {
        use crate::mask::{CRACK_MASK, Crack, Mask};
        let texts: Vec<&str> = if options.crack_mask.is_empty() {
            vec![CRACK_MASK]
        } else {
            options.crack_mask.iter().map(String::as_str).collect()
        };
        let masks = texts
            .iter()
            .map(|text| Mask::parse(text).map_err(|err| anyhow::anyhow!("--crack-mask {text}: {err}")))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let time = std::time::Duration::from_secs(options.crack_time.unwrap_or(60));
        settings.crack = Some(Crack { masks, time });
    }
    settings.show_secrets = options.show_secrets;
    settings.inline_ignore = !options.no_inline_ignore;
    settings.sarif_category = options.sarif_category.clone();
    settings.sarif_output = options.sarif_output.clone();
    settings.color = color_enabled(options.color, options.output.is_none());
    settings.policy.strict |= options.strict;
    settings.verbose = options.verbose;
    settings.statistics = options.statistics;
    if options.verify.verify {
        settings.verify = Some(VerifySettings::default());
    }
    if options.no_verify {
        settings.verify = None;
    }
    if let Some(verify) = &mut settings.verify {
        if let Some(path) = &options.verify.verify_ca {
            crate::verify::read_ca_file(path)?;
            verify.ca_file = Some(path.clone());
        }
        verify.allow_private = options.verify.verify_allow_private;
    }
    Ok(())
}

pub fn parse_now(text: &str) -> Result<i64> {
    crate::time::parse_time(text)
        .ok_or_else(|| anyhow::anyhow!("invalid --now `{text}`: expected unix seconds or an RFC 3339 date-time"))
}

pub fn now_from_clock() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs() as i64)
}

fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Colour only on a terminal, never with `NO_COLOR` set (https://no-color.org), unless forced.
pub fn color_enabled(choice: ColorChoice, to_stdout: bool) -> bool {
    use std::io::IsTerminal;
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            to_stdout
                && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_config(dir: &Path, text: &str) -> PathBuf {
        let path = dir.join("jwtscan.toml");
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn reads_every_documented_key() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("ops")).unwrap();
        std::fs::write(dir.path().join("ops/secrets.txt"), "s3cret\n").unwrap();
        write_config(
            dir.path(),
            r#"
fail_on = "medium"
min_severity = "low"
max_lifetime = "2h"
exclude = ["tests/fixtures/**"]
wordlists = ["ops/secrets.txt"]
[rules]
disable = ["pii-claim"]
[rules.severity]
no-expiry = "low"
[allowlist]
tokens = ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]
[claims]
sensitive = ["tenant_key"]
pii = ["employee_id"]
"#,
        );
        let settings = resolve(&[dir.path().to_path_buf()], &ScanOptions::default()).unwrap();
        assert_eq!(settings.fail_on, Some(Severity::Medium));
        assert_eq!(settings.min_severity, Severity::Low);
        assert_eq!(settings.max_lifetime, 7200);
        assert!(settings.disabled_rules.contains("pii-claim"));
        assert_eq!(settings.severity_overrides["no-expiry"], Severity::Low);
        assert_eq!(settings.extra_sensitive_claims, ["tenant_key"]);
        assert!(settings.wordlists[0].ends_with("ops/secrets.txt"));
        let exclude = settings.exclude.unwrap();
        assert_eq!(exclude.root_prefix(dir.path()), Some(PathBuf::new()));
        assert!(exclude.matches(Path::new("tests/fixtures/a/b.txt")));
        assert!(exclude.matches(Path::new("tests/fixtures")));
        assert!(!exclude.matches(Path::new("src/tests/fixtures.rs")));
    }

    #[test]
    fn unknown_keys_and_rule_ids_name_the_key_and_file() {
        let dir = tempfile::tempdir().unwrap();
        write_config(dir.path(), "fail_onn = \"low\"\n");
        let err = resolve(&[dir.path().to_path_buf()], &ScanOptions::default()).unwrap_err().to_string();
        assert!(err.contains("fail_onn") && err.contains("jwtscan.toml"), "{err}");

        write_config(dir.path(), "[rules]\ndisable = [\"no-such-rule\"]\n");
        let err = resolve(&[dir.path().to_path_buf()], &ScanOptions::default()).unwrap_err().to_string();
        assert!(err.contains("no-such-rule") && err.contains("rules.disable"), "{err}");
    }

    #[test]
    fn a_thread_count_beyond_the_limit_is_an_error_not_a_hang_or_panic() {
        for threads in [0, MAX_THREADS + 1, 100_000, usize::MAX] {
            let options = ScanOptions { threads: Some(threads), ..ScanOptions::default() };
            let err = resolve(&[], &options).unwrap_err().to_string();
            assert!(err.contains("--threads"), "{err}");
        }
        let options = ScanOptions { threads: Some(MAX_THREADS), ..ScanOptions::default() };
        assert_eq!(resolve(&[], &options).unwrap().threads, MAX_THREADS);
    }

    #[test]
    fn archives_max_depth_is_read_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let settings = resolve(&[dir.path().to_path_buf()], &ScanOptions::default()).unwrap();
        assert_eq!(settings.archives.max_depth, crate::artifact::DEFAULT_MAX_DEPTH);
        write_config(dir.path(), "[archives]\nmax_depth = 0\n");
        let settings = resolve(&[dir.path().to_path_buf()], &ScanOptions::default()).unwrap();
        assert_eq!(settings.archives.max_depth, 0);
        for bad in ["-1", "17", "\"4\"", "2.5"] {
            write_config(dir.path(), &format!("[archives]\nmax_depth = {bad}\n"));
            let err = resolve(&[dir.path().to_path_buf()], &ScanOptions::default()).unwrap_err().to_string();
            assert!(err.contains("archives.max_depth") && err.contains("0 to 16"), "{err}");
        }
    }

    #[test]
    fn flags_override_the_file() {
        let dir = tempfile::tempdir().unwrap();
        write_config(dir.path(), "fail_on = \"critical\"\n");
        let options = ScanOptions { fail_on: Some(FailOn(None)), ..ScanOptions::default() };
        let settings = resolve(&[dir.path().to_path_buf()], &options).unwrap();
        assert_eq!(settings.fail_on, None);
    }
}
