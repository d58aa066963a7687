//! Citations of the JOSE RFCs and IETF drafts beside a test vector (`rfc7520#section-5.7`,
//! `RFC 7515, Appendix A.1`, `draft-ietf-cose-dilithium`): a file that says where its token or
//! key comes from marks it as a published example, whatever the catalogue holds.

/// Longest section number or draft name taken.
const MAX_PART: usize = 48;

/// Where `rfc` (in any common case) and `draft-ietf-` occur in one text, found once per text so
/// that each token asks in logarithmic time (a file may hold many tokens).
pub struct CiteIndex {
    marks: Vec<usize>,
}

/// How many bytes after a mark a citation may take.
const CITATION_LEN: usize = 48;

impl CiteIndex {
    pub fn new(text: &[u8]) -> CiteIndex {
        let mut marks: Vec<usize> = ["rfc", "RFC", "Rfc", "draft-ietf-"]
            .iter()
            .flat_map(|mark| memchr::memmem::find_iter(text, mark.as_bytes()))
            .collect();
        marks.sort_unstable();
        CiteIndex { marks }
    }

    /// The citation closest before `offset` and at most `before` bytes from it.
    pub fn citation(&self, text: &[u8], offset: usize, before: usize) -> Option<String> {
        let offset = offset.min(text.len());
        let from = offset.saturating_sub(before);
        let end = self.marks.partition_point(|&at| at < offset);
        let start = self.marks.partition_point(|&at| at < from);
        self.marks[start..end].iter().rev().find_map(|&at| {
            let lowered = text[at..offset.min(at + CITATION_LEN)].to_ascii_lowercase();
            if lowered.starts_with(b"draft-ietf-") { Some(draft_name(&lowered)) } else { rfc_section(&lowered, 0) }
        })
    }
}

/// `RFC NNNN section X` from `rfc` at `at`: four digits, then within a few bytes a section,
/// `§` or appendix and its number.
fn rfc_section(text: &[u8], at: usize) -> Option<String> {
    let rest = &text[at + 3..];
    let skip = rest.iter().take_while(|b| matches!(b, b' ' | b'-' | b'_')).count();
    let digits = &rest[skip..];
    let count = digits.iter().take_while(|b| b.is_ascii_digit()).count();
    if count != 4 {
        return None;
    }
    let number = std::str::from_utf8(&digits[..4]).ok()?;
    let after = &digits[4..digits.len().min(4 + 24)];
    let words: [(&[u8], &str); 4] =
        [(b"section", "section"), (b"sec.", "section"), ("\u{a7}".as_bytes(), "section"), (b"appendix", "appendix")];
    let (kind, at) = words
        .into_iter()
        .find_map(|(word, kind)| memchr::memmem::find(after, word).map(|at| (kind, at + word.len())))?;
    let part: String = after[at..]
        .iter()
        .skip_while(|b| !b.is_ascii_alphanumeric())
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'.')
        .take(MAX_PART)
        .map(|&b| char::from(b).to_ascii_uppercase())
        .collect();
    let part = part.trim_end_matches('.');
    (!part.is_empty()).then(|| format!("RFC {number} {kind} {part}"))
}

fn draft_name(text: &[u8]) -> String {
    text.iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
        .take(MAX_PART)
        .map(|&b| char::from(b))
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The last citation in `text`.
    fn cite(text: &str) -> Option<String> {
        let text = text.as_bytes();
        CiteIndex::new(text).citation(text, text.len(), text.len())
    }

    #[test]
    fn only_the_stretch_before_the_offset_counts() {
        let text = b"// RFC 7520 section 5.7\nconst A = 1;\nconst T = 2;";
        let index = CiteIndex::new(text);
        assert_eq!(index.citation(text, text.len(), 1024).as_deref(), Some("RFC 7520 section 5.7"));
        assert_eq!(index.citation(text, text.len(), 20), None);
        assert_eq!(index.citation(text, 2, 1024), None);
    }

    #[test]
    fn rfc_sections_and_appendices_are_cited() {
        assert_eq!(
            cite("// https://www.rfc-editor.org/rfc/rfc7520#section-5.7\n").as_deref(),
            Some("RFC 7520 section 5.7")
        );
        assert_eq!(cite("# RFC 7515, Appendix A.1: ").as_deref(), Some("RFC 7515 appendix A.1"));
        assert_eq!(cite("/* from RFC8037 \u{a7}A.4 */").as_deref(), Some("RFC 8037 section A.4"));
        assert_eq!(cite("see draft-ietf-cose-dilithium-05 for").as_deref(), Some("draft-ietf-cose-dilithium-05"));
    }

    #[test]
    fn a_bare_rfc_number_or_other_text_is_no_citation() {
        assert_eq!(cite("implements RFC 7519 tokens"), None);
        assert_eq!(cite("rfc12345 section 1"), None);
        assert_eq!(cite("nothing here"), None);
    }
}
