//! PEM blocks in file text, normalised the way a library sees them after reading a PEM file, and
//! the text and DER forms a key-confused library may feed to HMAC.

use super::literals::unescape;
use super::{KeyForm, MAX_PEM};

/// A PEM block found in a file, normalised the way a library sees it after reading a PEM file.
pub(super) struct PemBlock {
    /// Lines trimmed, escaped `\n` undone, joined by `\n`, without a final newline.
    text: Vec<u8>,
    /// The block as it appears in the file, when that differs (CRLF, indentation), and the line
    /// break after it in the file: a library reading a CRLF PEM file gets that text.
    raw: Option<(Vec<u8>, &'static [u8])>,
    pub(super) der: Option<Vec<u8>>,
    pub(super) label: String,
    pub(super) public: bool,
}

impl PemBlock {
    pub(super) fn forms(&self) -> Vec<(Vec<u8>, KeyForm)> {
        let mut forms = Vec::with_capacity(6);
        let mut with_newline = self.text.clone();
        with_newline.push(b'\n');
        forms.push((self.text.clone(), KeyForm::PemText));
        forms.push((with_newline, KeyForm::PemText));
        if let Some((raw, line_break)) = &self.raw {
            forms.push((raw.clone(), KeyForm::PemText));
            forms.push(([raw.as_slice(), line_break].concat(), KeyForm::PemText));
        }
        if let Some(der) = &self.der {
            forms.push((der.clone(), KeyForm::PemDer));
        }
        forms
    }
}

/// Parses the PEM block starting at `text[0]` (`-----BEGIN `).
pub(super) fn pem_block(text: &[u8]) -> Option<PemBlock> {
    let text = &text[..text.len().min(MAX_PEM)];
    let label_start = b"-----BEGIN ".len();
    let label_len = memchr::memmem::find(&text[label_start..], b"-----")?;
    let label = &text[label_start..label_start + label_len];
    if label.is_empty() || label.len() > 64 || !label.iter().all(|&b| b.is_ascii_uppercase() || b == b' ' || b == b'#')
    {
        return None;
    }
    let end_marker = [b"-----END ".as_slice(), label, b"-----"].concat();
    let end = memchr::memmem::find(text, &end_marker)? + end_marker.len();
    let raw = &text[..end];
    let unescaped;
    let source = if memchr::memmem::find(raw, b"\\n").is_some() {
        unescaped = unescape(raw);
        &unescaped[..]
    } else {
        raw
    };
    let lines: Vec<&[u8]> =
        source.split(|&b| b == b'\n').map(<[u8]>::trim_ascii).filter(|line| !line.is_empty()).collect();
    let normalised = lines.join(&b'\n');
    let body: Vec<u8> = lines
        .iter()
        .skip(1)
        .take(lines.len().saturating_sub(2))
        .filter(|line| memchr::memchr(b':', line).is_none())
        .flat_map(|line| line.iter().copied())
        .collect();
    let der = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.decode(&body).ok()
    };
    let label = String::from_utf8_lossy(label);
    Some(PemBlock {
        raw: (raw != normalised.as_slice()).then(|| {
            let line_break: &'static [u8] = if text[end..].starts_with(b"\r\n") { b"\r\n" } else { b"\n" };
            (raw.to_vec(), line_break)
        }),
        text: normalised,
        der,
        public: label.contains("PUBLIC KEY") || label.contains("CERTIFICATE"),
        label: label.into_owned(),
    })
}
