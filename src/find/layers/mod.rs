//! Tokens inside other encodings: base64 at any alignment, percent-encoding, JSON string escapes,
//! gzip/zlib, recursively; and tokens split over concatenated string literals.
//!
//! Nothing here runs unless the one literal pass of [`super`] hits a needle: the bare-token ones,
//! or one of [`NEEDLES`], the fixed texts that `eyJ` (and a gzip header) become under base64.
//! Around such a hit the enclosing value is decoded, and the decoded bytes are searched the same
//! way, one level deeper. Every decoder is pure and bounded: each value is decoded once (the
//! search resumes after it), decoded bytes are charged to a per-buffer [`Decoder`] budget, an
//! inflate stops at a ratio and an absolute cap, and nesting stops at `max_depth`.
//!
//! Where `eyJ` lands in base64 depends on its byte offset modulo 3 in the encoded text:
//!
//! | offset | encoded | fixed text |
//! | --- | --- | --- |
//! | 0 | `ZXlK` | all four characters |
//! | 1 | `?V5S?` | `V5S`: the 3rd and 4th character of a group, the 1st of the next |
//! | 2 | `?leU?` | `leU`: the 4th character of a group, the 1st and 2nd of the next |
//!
//! Offset 0 is the whole-value wrapper of [`super`] (`ZXlK` starting a run); the same needle in
//! the middle of a run, and the two others, lead here.

mod base64;
mod concat;
mod inflate;
mod json;
mod percent;
mod registry;

pub(super) use concat::{is_closer, joined_at};
pub use registry::registry_key;

/// One encoding a token was found inside, named in `evidence.encoding` from the outside in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Layer {
    Percent,
    Json,
    Base64,
    Gzip,
    Zlib,
    Concatenated,
}

impl Layer {
    /// The layer `name` names (what spilled occurrences keep): every layer is listed, as `name`
    /// matches them all.
    pub fn named(name: &str) -> Option<Layer> {
        use Layer::*;
        [Percent, Json, Base64, Gzip, Zlib, Concatenated].into_iter().find(|layer| layer.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Layer::Percent => "percent",
            Layer::Json => "json",
            Layer::Base64 => "base64",
            Layer::Gzip => "gzip",
            Layer::Zlib => "zlib",
            Layer::Concatenated => "concatenated",
        }
    }
}

/// How deep layers are decoded unless the config says otherwise.
pub const DEFAULT_MAX_DEPTH: u8 = 4;
/// The most a config may ask for: each level is a stack frame and a pass over decoded bytes.
pub const MAX_DEPTH_LIMIT: u8 = 16;
/// Decoded bytes allowed per buffer on top of 4× its size: a base64 chain shrinks by 3/4 at
/// each level (1 + 3/4 + 9/16 + … < 4), so only inflated bytes draw on this allowance.
const ALLOWANCE: usize = 4 << 20;
/// Shortest base64 run worth decoding: the base64 of the shortest token
/// (`eyJhbGciOiJub25lIn0.e30.`, 24 characters) is 32 characters.
const MIN_RUN: usize = 32;
/// A layer decoded into at least this many bytes is decoded by one worker at a time (see
/// [`LARGE_DECODES`]); smaller ones, at most `max_depth` of them held at once, run freely.
const LARGE: usize = 1 << 20;
/// Held by the worker decoding a large layer, until that layer's bytes are dropped: each worker
/// holds its window, but only one holds a large decoded copy (and the layers inside it), so eight
/// workers on 16 MiB escaped runs need one worker's 4× + 4 MiB, not eight. Waiting for it changes
/// no result, only when a worker gets on with its window.
static LARGE_DECODES: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Where the base64 group holding a needle starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Start {
    /// This many bytes before the hit.
    Back(usize),
    /// At the hit, which must start a run: a compressed stream is only ever a whole value.
    Run,
}

/// The needles this module adds to the literal pass.
pub(super) const NEEDLES: [(&[u8], Start); 8] = [
    (b"V5S", Start::Back(2)),
    (b"leU", Start::Back(3)),
    // The base64 of a gzip header (1f 8b 08), and that text's own base64 (Helm release Secrets
    // are base64(base64(gzip(JSON)))).
    (b"H4sI", Start::Run),
    (b"SDRzS", Start::Run),
    // The base64 of a zlib header at the default level (78 9c) and any first data byte.
    (b"eJw", Start::Run),
    (b"eJx", Start::Run),
    (b"eJy", Start::Run),
    (b"eJz", Start::Run),
];

/// Per-buffer bounds and what ran into them.
#[derive(Debug)]
pub struct Decoder {
    max_depth: u8,
    budget: usize,
    pub stats: Stats,
    /// The depth of the large layer this worker is decoding, and its hold on [`LARGE_DECODES`].
    large: Option<(u8, std::sync::MutexGuard<'static, ()>)>,
}

/// What the bounds stopped, for the warning a scan prints about the buffer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Values not decoded because the buffer's decoded-byte budget was spent.
    pub budget_exhausted: u32,
    /// Inflates stopped at the ratio or absolute cap (their first part is still searched).
    pub inflate_capped: u32,
    /// Layers not decoded because they lie deeper than `max_depth`.
    pub depth_limited: u32,
}

impl Stats {
    pub fn any(&self) -> bool {
        *self != Stats::default()
    }

    /// The warning a scan prints for a buffer whose decoding ran into a bound.
    pub fn warning(&self) -> Option<String> {
        let parts: Vec<String> = [
            (self.budget_exhausted, "value(s) not decoded: decoded-byte budget spent"),
            (self.inflate_capped, "compressed stream(s) cut at the inflate cap"),
            (self.depth_limited, "layer(s) deeper than [decode] max_depth not decoded"),
        ]
        .into_iter()
        .filter(|&(count, _)| count > 0)
        .map(|(count, what)| format!("{count} {what}"))
        .collect();
        (!parts.is_empty()).then(|| format!("decoding stopped: {}", parts.join("; ")))
    }
}

impl Decoder {
    /// Bounds for decoding inside a buffer of `len` bytes.
    pub fn new(max_depth: u8, len: usize) -> Decoder {
        Decoder {
            max_depth: max_depth.min(MAX_DEPTH_LIMIT),
            budget: len.saturating_mul(4).saturating_add(ALLOWANCE),
            stats: Stats::default(),
            large: None,
        }
    }

    pub fn enabled(&self) -> bool {
        self.max_depth > 0
    }

    /// Whether a layer at `depth` + 1 may be decoded into `len` bytes; charges the bytes if so.
    fn admit(&mut self, depth: u8, len: usize) -> bool {
        if depth >= self.max_depth {
            self.stats.depth_limited += 1;
            return false;
        }
        if len > self.budget {
            self.stats.budget_exhausted += 1;
            return false;
        }
        self.budget -= len;
        if len >= LARGE && self.large.is_none() {
            let guard = LARGE_DECODES.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            self.large = Some((depth, guard));
        }
        true
    }

    /// The layer admitted at `depth` has been searched and dropped: a large decode begun there ends.
    fn done(&mut self, depth: u8) {
        if self.large.as_ref().is_some_and(|&(at, _)| at == depth) {
            self.large = None;
        }
    }
}

/// A token found inside a value: `start..end` is the value's span in the buffer searched,
/// `encoding` the layers from that value inwards.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub start: usize,
    pub end: usize,
    pub token: String,
    pub encoding: Vec<Layer>,
    /// The registry key of the pull-secret entry it sits in, in a decoded layer (see `registry`).
    pub registry: Option<Box<str>>,
}

/// The state of one search over one buffer: values never start before `floor` (so no byte is
/// walked twice), and a value already seen to hold no percent escape is not walked again.
#[derive(Default)]
pub(super) struct Walk {
    /// How many layers the buffer searched lies inside (0: the buffer given to `find`).
    pub(super) depth: u8,
    pub(super) floor: usize,
    plain_until: usize,
    /// Literals up to here were walked by a join that spelt no token: not walked again.
    pub(super) joined_until: usize,
    /// Whether the buffer holds a NUL byte (binary data), once a hit has needed to know.
    pub(super) binary: Option<bool>,
}

/// Decodes the value around a hit whose base64 group starts `back` bytes before `hit`, in a
/// buffer at `walk.depth`; appends the tokens inside and returns where the search resumes.
pub(super) fn at_hit(
    buf: &[u8],
    hit: usize,
    back: usize,
    walk: &mut Walk,
    dec: &mut Decoder,
    out: &mut Vec<Found>,
) -> usize {
    let skip = hit + 1;
    let depth = walk.depth;
    let Some(group) = hit.checked_sub(back).filter(|&group| group >= walk.floor) else { return skip };
    if !dec.enabled() {
        return skip;
    }
    if hit >= walk.plain_until {
        let value = percent::value_around(buf, hit, walk.floor);
        if percent::holds_escape(&buf[value.clone()]) {
            return layer(buf, value, Layer::Percent, depth, dec, out).max(skip);
        }
        walk.plain_until = value.end;
    }
    if let Some(escaped) = json::escaped_run_around(buf, group, walk.floor) {
        return layer(buf, escaped, Layer::Json, depth, dec, out).max(skip);
    }
    match base64::run_around(buf, group, walk.floor) {
        Some(run) if run.chars >= MIN_RUN => {
            let end = run.span.end;
            if let Some(decoded) = run.decode(buf, depth, dec) {
                descend(&decoded, run.span, Layer::Base64, depth, dec, out);
            }
            dec.done(depth);
            end.max(skip)
        }
        Some(run) => run.span.end.max(skip),
        None => skip,
    }
}

/// Decodes `span` as `kind` (percent or JSON escapes), searches the result; returns the span's end.
fn layer(
    buf: &[u8],
    span: std::ops::Range<usize>,
    kind: Layer,
    depth: u8,
    dec: &mut Decoder,
    out: &mut Vec<Found>,
) -> usize {
    let text = &buf[span.clone()];
    if text.len() >= MIN_RUN.min(24) && dec.admit(depth, text.len()) {
        let decoded = match kind {
            Layer::Percent => percent::decode(text),
            _ => json::unescape(text),
        };
        descend(&decoded, span.clone(), kind, depth, dec, out);
        drop(decoded);
        dec.done(depth);
    }
    span.end
}

/// Searches `decoded`, the content of `span` under `kind`, and reports each distinct token in it
/// once, at `span`.
fn descend(
    decoded: &[u8],
    span: std::ops::Range<usize>,
    kind: Layer,
    depth: u8,
    dec: &mut Decoder,
    out: &mut Vec<Found>,
) {
    let mut inner = Vec::new();
    search(decoded, depth + 1, dec, &mut inner);
    let mut seen = std::collections::HashSet::new();
    let pull_secret = memchr::memmem::find(decoded, b"\"auths\"").is_some();
    for found in inner {
        if !seen.insert(found.token.clone()) {
            continue;
        }
        let mut encoding = Vec::with_capacity(found.encoding.len() + 1);
        encoding.push(kind);
        encoding.extend(found.encoding);
        let registry =
            found.registry.or_else(|| registry_key(decoded, found.start).filter(|_| pull_secret).map(Box::from));
        out.push(Found { start: span.start, end: span.end, token: found.token, encoding, registry });
    }
}

/// What a needle of [`NESTED`] (and of the same needles in the top-level pass) starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Needle {
    /// A bare token header, or base64 of a JSON object at the start of a run.
    Bare,
    /// `ZXlK`.
    Wrapped,
    /// One of [`NEEDLES`].
    Layer(Start),
}

impl Needle {
    /// The needle at `index` in the order of [`needles`].
    pub(super) fn of(index: usize) -> Option<Needle> {
        let bare = super::BARE.len();
        match index {
            i if i < bare => Some(Needle::Bare),
            i if i == bare => Some(Needle::Wrapped),
            i => NEEDLES.get(i - bare - 1).map(|&(_, start)| Needle::Layer(start)),
        }
    }
}

/// The bare-token needles, `ZXlK`, then [`NEEDLES`]: the order [`Needle::of`] reads.
pub(super) fn needles() -> impl Iterator<Item = &'static [u8]> {
    super::BARE.iter().copied().chain([super::WRAPPED]).chain(NEEDLES.iter().map(|&(needle, _)| needle))
}

static NESTED: std::sync::LazyLock<super::needles::Literals> = std::sync::LazyLock::new(|| {
    super::needles::Literals::planned(&needles().collect::<Vec<_>>(), &super::buckets::TOKENS, None)
});

/// Every token in a decoded buffer at `depth`: bare, whole-value base64, or inside further layers.
fn search(buf: &[u8], depth: u8, dec: &mut Decoder, out: &mut Vec<Found>) {
    if let Some((kind, stream)) = inflate::compressed(buf) {
        let limit = inflate::limit(stream.len(), dec.budget);
        if dec.admit(depth, limit) {
            let (inflated, capped) = inflate::inflate(kind, stream, limit);
            dec.budget += limit - inflated.len();
            dec.stats.inflate_capped += u32::from(capped);
            descend(&inflated, 0..buf.len(), kind, depth, dec, out);
            drop(inflated);
            dec.done(depth);
        }
        return;
    }
    let mut walk = Walk { depth, ..Walk::default() };
    let mut at = 0;
    let mut plain = Vec::new();
    while let Some((span, needle)) = NESTED.find(buf, at) {
        let hit = span.start;
        let resume = match Needle::of(needle) {
            Some(needle) => super::at_needle(buf, hit, needle, &mut walk, dec, out, &mut plain),
            None => hit + 1,
        };
        for candidate in plain.drain(..) {
            let span = candidate.start..candidate.end;
            match candidate.inner {
                Some(token) => out.push(Found {
                    start: span.start,
                    end: span.end,
                    token,
                    encoding: vec![Layer::Base64],
                    registry: candidate.registry,
                }),
                None => push_text(buf, span, Vec::new(), out),
            }
        }
        walk.floor = walk.floor.max(resume);
        at = resume.max(hit + 1);
    }
}

/// Every token in `buf` searched as a decoded layer is (bare ones with an empty chain), with what
/// the bounds stopped: the entry point for the fuzz target.
pub fn search_layers(buf: &[u8], max_depth: u8) -> (Vec<Found>, Stats) {
    let mut dec = Decoder::new(max_depth, buf.len());
    let mut out = Vec::new();
    search(buf, 0, &mut dec, &mut out);
    (out, dec.stats)
}

fn push_text(buf: &[u8], span: std::ops::Range<usize>, encoding: Vec<Layer>, out: &mut Vec<Found>) {
    if let Ok(token) = std::str::from_utf8(&buf[span.clone()]) {
        out.push(Found { start: span.start, end: span.end, token: token.to_string(), encoding, registry: None });
    }
}

#[cfg(test)]
mod tests;
