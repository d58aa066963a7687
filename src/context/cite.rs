//! Citations of the JOSE RFCs and IETF drafts beside a test vector (`rfc7520#section-5.7`,
//! `RFC 7515, Appendix A.1`, `draft-ietf-cose-dilithium`): a file that says where its token or
//! key comes from marks it as a published example, whatever the catalogue holds.

/// Longest section number or draft name taken.
const MAX_PART: usize = 48;

/// The last citation of an RFC section or appendix, or of an IETF draft, in `text`.
pub fn last_citation(text: &[u8]) -> Option<String> {
    let lowered = text.to_ascii_lowercase();
    let rfc =
        memchr::memmem::rfind_iter(&lowered, b"rfc").find_map(|at| rfc_section(&lowered, at).map(|cite| (at, cite)));
    let draft = memchr::memmem::rfind(&lowered, b"draft-ietf-").map(|at| (at, draft_name(&lowered[at..])));
    match (rfc, draft) {
        (Some((rfc_at, cite)), Some((draft_at, _))) if rfc_at > draft_at => Some(cite),
        (_, Some((_, name))) => Some(name),
        (Some((_, cite)), None) => Some(cite),
        (None, None) => None,
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

    fn cite(text: &str) -> Option<String> {
        last_citation(text.as_bytes())
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
