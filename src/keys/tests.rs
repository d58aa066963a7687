//! Unit tests of key-candidate collection: what is kept from named lines, literals and PEM blocks.

use std::sync::Arc;

use super::*;

fn window(text: &str, holds_token: bool) -> Window<'_> {
    let hinted = crate::find::find_tokens_and_hint(text.as_bytes(), &mut Vec::new());
    Window { buf: text.as_bytes(), first_line: 1, limit: text.len(), hinted, holds_token, collect: Collect::All }
}

fn collected(text: &str) -> Vec<(String, u64, KeyForm)> {
    collected_beside(text, false)
}

fn collected_beside(text: &str, holds_token: bool) -> Vec<(String, u64, KeyForm)> {
    let mut store = KeyStore::default();
    collect(&Arc::from("f"), None, &window(text, holds_token), &mut store);
    store
        .keys
        .into_iter()
        .map(|(key, origin)| (String::from_utf8_lossy(&key).into_owned(), origin.line, origin.form))
        .collect()
}

fn has(found: &[(String, u64, KeyForm)], key: &str, line: u64) -> bool {
    found.iter().any(|(k, l, _)| k == key && *l == line)
}

#[test]
fn hinted_text_yields_values_and_literals_on_lines_naming_a_secret() {
    let text = "# jwt config\nJWT_SECRET=plain-env-value-1 # note\nname: not-a-secret-value\n\
                jwt.secret: yaml-value-12345\nconst apiKey = 'js-literal-123';\nconst k = 'unnamed-literal';\n\
                short = \"abc\"\n";
    let found = collected(text);
    assert!(has(&found, "plain-env-value-1", 2), "{found:?}");
    assert!(has(&found, "yaml-value-12345", 4), "{found:?}");
    assert!(has(&found, "js-literal-123", 5), "{found:?}");
    assert!(found.iter().all(|(_, _, form)| matches!(form, KeyForm::Value | KeyForm::NamedLiteral)));
    let unwanted = ["not-a-secret-value", "unnamed-literal", "abc"];
    assert!(!found.iter().any(|(k, _, _)| unwanted.contains(&k.as_str())), "{found:?}");
}

#[test]
fn text_without_a_hint_or_a_token_yields_nothing() {
    assert!(collected("const apiKey = 'js-literal-123';\n").is_empty());
}

#[test]
fn beside_a_token_every_literal_is_kept_and_named_ones_say_so() {
    let text =
        "let t = \"eyJ...\";\nconst k = 'unnamed-literal';\nmy_key = \"named-literal\"\nSIGN_KEY=a-config-value\n";
    let found = collected_beside(text, true);
    assert!(found.contains(&("unnamed-literal".into(), 2, KeyForm::Literal)), "{found:?}");
    assert!(found.contains(&("named-literal".into(), 3, KeyForm::NamedLiteral)), "{found:?}");
    assert!(found.contains(&("a-config-value".into(), 4, KeyForm::Value)), "{found:?}");
}

#[test]
fn a_quote_never_closes_on_a_later_line() {
    let found = collected_beside("a = 'open \\\nsecret = \"on-the-next-line\"\n", true);
    assert!(has(&found, "on-the-next-line", 2), "{found:?}");
    assert!(!found.iter().any(|(k, _, _)| k.contains("open")), "{found:?}");
}

#[test]
fn collects_literals_inside_an_escaped_json_string() {
    let found = collected(r#"config = "{\"secret\":\"nested-value-99\"}""#);
    assert!(has(&found, "nested-value-99", 1), "{found:?}");
}

#[test]
fn a_pem_block_yields_its_text_with_and_without_newline_and_its_der() {
    let text = "x = \"-----BEGIN PUBLIC KEY-----\\nTUlJQg==\\n-----END PUBLIC KEY-----\\n\"\n";
    let mut store = KeyStore::default();
    collect(&Arc::from("f"), None, &window(text, false), &mut store);
    let pem = b"-----BEGIN PUBLIC KEY-----\nTUlJQg==\n-----END PUBLIC KEY-----".to_vec();
    let keys: Vec<_> = store.keys.iter().filter(|(_, origin)| origin.public).map(|(k, _)| k.to_vec()).collect();
    // The unescaped string literal is the same text: the key keeps its public origin.
    let with_newline = [pem.as_slice(), b"\n"].concat();
    assert!(store.keys.get(with_newline.as_slice()).is_some_and(|origin| origin.public));
    assert!(keys.contains(&pem));
    assert!(keys.contains(&[pem.as_slice(), b"\n"].concat()));
    assert!(keys.contains(&b"MIIB".to_vec()));
}

#[test]
fn a_crlf_pem_file_also_yields_its_text_as_read() {
    let text = "-----BEGIN PUBLIC KEY-----\r\nTUlJQg==\r\n-----END PUBLIC KEY-----\r\n";
    let mut store = KeyStore::default();
    collect(&Arc::from("f"), None, &window(text, false), &mut store);
    assert!(store.keys.contains_key(text.as_bytes()));
    assert!(store.keys.contains_key(text.trim_end().as_bytes()));
}

#[test]
fn unmatched_quotes_do_not_hide_later_literals() {
    let found = collected("it's a jwt: \"literal-after-12\"\n");
    assert!(has(&found, "literal-after-12", 1), "{found:?}");
}

#[test]
fn literals_are_found_however_far_apart_their_quotes_are() {
    // Quotes within and past the byte-by-byte look-ahead, and an escape that makes a second form.
    for gap in [0, 1, 14, 15, 16, 17, 40, 3000] {
        let text = format!("{}\"near-quote\"{}'far-quote-1' `a\\\"b-escaped`", " ".repeat(gap), "x".repeat(gap));
        let mut found: Vec<String> = Vec::new();
        super::literals::literals(text.as_bytes(), text.len(), false, &mut |_, key| {
            found.push(String::from_utf8_lossy(key).into_owned())
        });
        assert_eq!(found, ["near-quote", "far-quote-1", "a\\\"b-escaped", "a\"b-escaped"], "gap {gap}");
    }
}
