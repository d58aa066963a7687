//! The base64 run around a hit, at the alignment the hit implies, on one line or wrapped over
//! lines of 64 or 76 characters; and its decoding.

use std::ops::Range;

use super::super::{ANY64, LINE_WIDTHS, decode_into, is, skip_padding, wrapped_lines_end};
use super::Decoder;

/// A base64 run: its span in the buffer (from its first aligned character, over all its lines)
/// and how many base64 characters it holds.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Run {
    pub(super) span: Range<usize>,
    pub(super) chars: usize,
    lines: bool,
}

impl Run {
    /// The decoded bytes, if the budget and depth allow and the run decodes.
    pub(super) fn decode(&self, buf: &[u8], depth: u8, dec: &mut Decoder) -> Option<Vec<u8>> {
        let text = &buf[self.span.clone()];
        if !dec.admit(depth, self.chars / 4 * 3 + 2) {
            return None;
        }
        if self.lines {
            let joined: Vec<u8> = text.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
            decode(&joined)
        } else {
            decode(text)
        }
    }
}

/// Decodes a run, dropping a last lone character (a run cut short) rather than failing on it.
pub(super) fn decode(text: &[u8]) -> Option<Vec<u8>> {
    let unpadded = text.strip_suffix(b"==").or_else(|| text.strip_suffix(b"=")).unwrap_or(text);
    let text = if unpadded.len() % 4 == 1 { &unpadded[..unpadded.len() - 1] } else { text };
    let mut out = vec![0u8; text.len() / 4 * 3 + 2];
    let len = decode_into(text, &mut out)?;
    out.truncate(len);
    Some(out)
}

/// The run holding the base64 group that starts at `group`, not reaching before `floor`.
pub(super) fn run_around(buf: &[u8], group: usize, floor: usize) -> Option<Run> {
    if !buf.get(group).is_some_and(|&b| is(b, ANY64)) {
        return None;
    }
    let mut start = group;
    while start > floor && is(buf[start - 1], ANY64) {
        start -= 1;
    }
    start += escape_tail(buf, start, group);
    // Characters before the hit's group that do not fill whole groups are not part of this
    // encoding (a path or name glued to it); cutting them keeps the decoding aligned.
    start += (group - start) % 4;
    let mut end = group;
    while buf.get(end).is_some_and(|&b| is(b, ANY64)) {
        end += 1;
    }
    end = skip_padding(buf, end, ANY64);
    let first = start;
    let start = lines_above(buf, start, floor).unwrap_or(start);
    let lines_end = wrapped_lines_end(buf, first, end);
    let lines = start < first || lines_end > end;
    let span = start..lines_end.max(end);
    let chars = if lines { buf[span.clone()].iter().filter(|&&b| is(b, ANY64)).count() } else { span.len() };
    Some(Run { span, chars, lines })
}

/// How many characters at `start` are the tail of an escape sequence that ends there (`\n`,
/// `\t`, `\xHH`, `%HH`, `\uHHHH` before a run), never more than up to `group`.
fn escape_tail(buf: &[u8], start: usize, group: usize) -> usize {
    let before = |n: usize| start.checked_sub(n).and_then(|at| buf.get(at)).copied();
    let hex = |range: Range<usize>| buf.get(range).is_some_and(|text| text.iter().all(u8::is_ascii_hexdigit));
    let tail = match (before(1), buf[start]) {
        (Some(b'\\'), b'n' | b't' | b'r' | b'b' | b'f') => 1,
        (Some(b'\\'), b'u') if hex(start + 1..start + 5) => 5,
        (Some(b'\\'), b'x') if hex(start + 1..start + 3) => 3,
        (Some(b'%'), _) if hex(start..start + 2) => 2,
        _ => 0,
    };
    tail.min(group - start)
}

/// Where a wrapped run begins when the line holding `start` (which starts there, after any
/// indentation) continues lines of exactly 64 or 76 base64 characters; `None` if it does not.
fn lines_above(buf: &[u8], start: usize, floor: usize) -> Option<usize> {
    let mut first = None;
    let mut line_start = start;
    let mut width = None;
    loop {
        let mut at = line_start;
        while at > floor && matches!(buf[at - 1], b' ' | b'\t') {
            at -= 1;
        }
        if at <= floor || buf[at - 1] != b'\n' {
            return first;
        }
        let mut end = at - 1;
        if end > floor && buf[end - 1] == b'\r' {
            end -= 1;
        }
        let mut begin = end;
        while begin > floor && is(buf[begin - 1], ANY64) {
            begin -= 1;
        }
        let len = end - begin;
        let whole_line = begin == floor || matches!(buf[begin - 1], b'\n' | b' ' | b'\t');
        if !whole_line || !LINE_WIDTHS.contains(&len) || width.is_some_and(|width| width != len) {
            return first;
        }
        width = Some(len);
        first = Some(begin);
        line_start = begin;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ::base64::Engine as _;
    use ::base64::engine::general_purpose::STANDARD;

    #[test]
    fn a_run_keeps_only_whole_groups_before_the_hit() {
        let text = b"path/c2VydmljZWFjY291bnQ6ZXlK";
        let group = text.len() - 4;
        let run = run_around(text, group, 0).unwrap();
        assert_eq!(run.span, 1..text.len());
    }

    #[test]
    fn a_run_drops_the_tail_of_an_escape_before_it() {
        for (text, run) in [
            (&b"\\nc2VydmljZWFjY291bnQ6ZXlK"[..], &b"c2VydmljZWFjY291bnQ6ZXlK"[..]),
            (b"%22c2VydmljZWFjY291bnQ6ZXlK", b"c2VydmljZWFjY291bnQ6ZXlK"),
            (b"\\u0022c2VydmljZWFjY291bnQ6ZXlK", b"c2VydmljZWFjY291bnQ6ZXlK"),
        ] {
            let found = run_around(text, text.len() - 4, 0).unwrap();
            assert_eq!(&text[found.span], run, "{}", String::from_utf8_lossy(text));
        }
    }

    #[test]
    fn a_run_does_not_reach_before_the_floor() {
        let text = b"c2VydmljZWFjY291bnQ6ZXlK";
        assert_eq!(run_around(text, 20, 8).unwrap().span, 8..24);
    }

    #[test]
    fn a_wrapped_run_is_joined_from_a_hit_on_any_of_its_lines() {
        for width in LINE_WIDTHS {
            let encoded = STANDARD.encode("x".repeat(200));
            let lines: Vec<&str> = encoded.as_bytes().chunks(width).map(|c| std::str::from_utf8(c).unwrap()).collect();
            let text = format!("data:\n  {}\nnext: 1\n", lines.join("\n  "));
            let first = text.find(lines[0]).unwrap();
            let last = text.find(lines[lines.len() - 1]).unwrap() + lines[lines.len() - 1].len();
            for line in &lines {
                let at = text.find(line).unwrap();
                let run = run_around(text.as_bytes(), at, 0).unwrap();
                assert_eq!(run.span, first..last, "width {width}, line {line}");
                assert_eq!(run.chars, encoded.trim_end_matches('=').len());
                assert_eq!(run.decode(text.as_bytes(), 0, &mut Decoder::new(4, text.len())).unwrap(), vec![b'x'; 200]);
            }
        }
    }

    #[test]
    fn lines_of_another_width_are_not_joined() {
        let text = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\nc2VydmljZWFjY291bnQ6ZXlK";
        let at = text.find("c2V").unwrap();
        assert_eq!(run_around(text.as_bytes(), at, 0).unwrap().span, at..text.len());
    }

    #[test]
    fn decode_drops_a_last_lone_character() {
        assert_eq!(decode(b"dXNlcjpwYXNzd29yZA==").unwrap(), b"user:password");
        assert_eq!(decode(b"dXNlcjpwYXNzx").unwrap(), b"user:pass");
        assert_eq!(decode(b"dXNlcjpwYXNzd29yZA=").unwrap(), b"user:password");
    }
}
