use ::base64::Engine as _;
use ::base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

use super::*;

/// jwt.io's HS256 sample.
const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
/// `{"alg":"none"}.{"sub":"1"}.`
const UNSIGNED: &str = "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.";

type Spanned = (String, Vec<&'static str>, std::ops::Range<usize>);

/// What `search` finds in `text` at the top level: tokens with their chains and spans.
fn found_with(text: &[u8], max_depth: u8) -> (Vec<Spanned>, Stats) {
    let mut dec = Decoder::new(max_depth, text.len());
    let mut out = Vec::new();
    search(text, 0, &mut dec, &mut out);
    let found = out
        .into_iter()
        .map(|f| (f.token, f.encoding.iter().map(|layer| layer.name()).collect(), f.start..f.end))
        .collect();
    (found, dec.stats)
}

fn found(text: &str) -> Vec<(String, Vec<&'static str>)> {
    found_with(text.as_bytes(), DEFAULT_MAX_DEPTH).0.into_iter().map(|(token, chain, _)| (token, chain)).collect()
}

fn one(token: &str, chain: &[&'static str]) -> Vec<(String, Vec<&'static str>)> {
    vec![(token.to_string(), chain.to_vec())]
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    out.extend(miniz_oxide::deflate::compress_to_vec(data, 6));
    out.extend([0; 8]);
    out
}

fn wrap(text: &str, width: usize, indent: &str) -> String {
    text.as_bytes()
        .chunks(width)
        .map(|line| format!("{indent}{}", std::str::from_utf8(line).unwrap()))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn eyj_has_one_fixed_text_per_byte_alignment() {
    let url_alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for prefix in 0..=255u8 {
        for &next in url_alphabet {
            // The needle sits where the table in the module documentation says, for every byte
            // before `eyJ` and every character a token header can continue with.
            let at0 = STANDARD.encode([b'e', b'y', b'J', next]);
            assert_eq!(&at0[..4], "ZXlK");
            let at1 = STANDARD.encode([prefix, b'e', b'y', b'J', next, 0]);
            assert_eq!(&at1[2..5], "V5S", "{prefix} {next}");
            let at2 = STANDARD.encode([prefix, prefix, b'e', b'y', b'J', next]);
            assert_eq!(&at2[3..6], "leU", "{prefix} {next}");
        }
    }
    assert_eq!(
        NEEDLES.iter().map(|&(needle, start)| (needle, start)).take(2).collect::<Vec<_>>(),
        [(&b"V5S"[..], Start::Back(2)), (&b"leU"[..], Start::Back(3))]
    );
    assert_eq!(&STANDARD.encode([0x1f, 0x8b, 8])[..], "H4sI");
    assert!(STANDARD.encode("H4sIAAAA").starts_with("SDRzS"));
    for next in 0..=255u8 {
        let zlib = STANDARD.encode([0x78, 0x9c, next]);
        assert!(NEEDLES.iter().any(|&(needle, _)| zlib.as_bytes().starts_with(needle)), "{zlib}");
    }
}

#[test]
fn finds_a_token_at_each_alignment_inside_base64_in_both_alphabets_padded_or_not() {
    for prefix in [":", " :", "user:", "ab:", "a:", "serviceaccount:", "{\"token\":\""] {
        for suffix in ["", ":x-oauth-basic", "\"}", "\n"] {
            let text = format!("{prefix}{JWT}{suffix}");
            for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
                let encoded = engine.encode(&text);
                assert_eq!(found(&format!("auth: {encoded}\n")), one(JWT, &["base64"]), "{text} as {encoded}");
            }
        }
    }
}

#[test]
fn finds_a_token_followed_by_a_password_in_base64() {
    let encoded = STANDARD.encode(format!("{JWT}:x-oauth-basic"));
    assert_eq!(found(&format!("https://{encoded}@github.com\n")), one(JWT, &["base64"]));
    let encoded = STANDARD.encode(format!("{JWT}\n"));
    assert_eq!(found(&format!("x={encoded}")), one(JWT, &["base64"]));
}

#[test]
fn finds_a_token_in_base64_wrapped_at_64_and_76_columns() {
    for width in [64, 76] {
        for prefix in ["user:", "ab:", "{\"k\": \"v\", \"token\": \""] {
            let encoded = STANDARD.encode(format!("{prefix}{JWT}\"}}"));
            let text = format!("data:\n  auth: |\n{}\n  other: 1\n", wrap(&encoded, width, "    "));
            let (found, _) = found_with(text.as_bytes(), 4);
            assert_eq!(found.len(), 1, "{width} {prefix}");
            assert_eq!(found[0].0, JWT);
            assert_eq!(&text[found[0].2.clone()], wrap(&encoded, width, "    ").trim_start());
        }
    }
}

#[test]
fn yaml_and_json_documents_in_base64_yield_their_tokens() {
    let yaml = format!("apiVersion: v1\nkind: Config\nusers:\n- name: ci\n  user:\n    token: {JWT}\n");
    assert_eq!(found(&format!("config: {}\n", STANDARD.encode(&yaml))), one(JWT, &["base64"]));
    let json = format!("{{\"access_token\":\"{JWT}\",\"token_type\":\"Bearer\"}}");
    assert_eq!(found(&format!("\"{}\"", STANDARD.encode(&json))), one(JWT, &["base64"]));
}

#[test]
fn finds_the_registry_token_of_a_dockerconfigjson_secret() {
    let auth = STANDARD.encode(format!("serviceaccount:{JWT}"));
    let config = format!("{{\"auths\":{{\"quay.example.com\":{{\"auth\":\"{auth}\",\"email\":\"\"}}}}}}");
    // .docker/config.json: the auth value alone.
    assert_eq!(found(&config), one(JWT, &["base64"]));
    // A kubernetes.io/dockerconfigjson Secret: the config itself in base64.
    let secret =
        format!("data:\n  .dockerconfigjson: {}\ntype: kubernetes.io/dockerconfigjson\n", STANDARD.encode(&config));
    assert_eq!(found(&secret), one(JWT, &["base64", "base64"]));
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[test]
fn finds_the_token_of_a_machineconfig_data_url_at_the_whole_url() {
    let auth = STANDARD.encode(format!("serviceaccount:{JWT}"));
    let config = format!("{{\"auths\":{{\"quay.example.com\":{{\"auth\":\"{auth}\"}}}}}}");
    let url = format!("data:,{}", percent_encode(&config));
    let text = format!("    contents:\n      source: {url}\n    mode: 420\n");
    let (found, _) = found_with(text.as_bytes(), 4);
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].0.as_str(), &found[0].1[..]), (JWT, &["percent", "base64"][..]));
    assert_eq!(&text[found[0].2.clone()], url);
}

#[test]
fn finds_a_token_in_percent_encoded_base64_query_values_and_form_bodies() {
    // `+`, `/` and `=` percent-encoded inside the base64.
    let encoded = STANDARD.encode(format!("a:{JWT}:?>?~~"));
    assert!(encoded.contains('/') && encoded.ends_with('='), "{encoded}");
    let escaped = encoded.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D");
    assert_eq!(found(&format!("GET /cb?state=xyz&auth={escaped}&x=1")), one(JWT, &["percent", "base64"]));
    // A token left as it is by the encoding is a bare token.
    assert_eq!(found(&format!("grant_type=x&assertion={}", percent_encode(&format!("a {JWT}")))), one(JWT, &[]));
    let body = percent_encode(&format!("{{\"auth\":\"{}\"}}", STANDARD.encode(format!("u:{JWT}"))));
    assert_eq!(found(&format!("a=1&config={body}")), one(JWT, &["percent", "base64"]));
}

#[test]
fn finds_base64_broken_by_json_escapes_in_a_decoded_layer() {
    let encoded = STANDARD.encode(format!("robot$ci:{JWT}"));
    let escaped = wrap(&encoded, 64, "").replace('\n', "\\n").replace('/', "\\/");
    assert_eq!(found(&format!("{{\"auth\":\"{escaped}\"}}")), one(JWT, &["json", "base64"]));
    let inner = format!("{{\"auth\":\"{escaped}\"}}");
    assert_eq!(found(&format!("config: {}\n", STANDARD.encode(&inner))), one(JWT, &["base64", "json", "base64"]));
}

#[test]
fn finds_the_tokens_of_a_helm_release_secret() {
    let manifest = format!("---\\nkind: Secret\\nstringData:\\n  token: {JWT}\\n");
    let release = format!("{{\"name\":\"web\",\"manifest\":\"{manifest}\",\"version\":1}}");
    let helm = STANDARD.encode(gzip(release.as_bytes()));
    assert!(helm.starts_with("H4sI"));
    let secret = format!("data:\n  release: {}\ntype: helm.sh/release.v1\n", STANDARD.encode(&helm));
    assert_eq!(found(&secret), one(JWT, &["base64", "base64", "gzip"]));
    let zlib = STANDARD.encode(miniz_oxide::deflate::compress_to_vec_zlib(release.as_bytes(), 6));
    assert_eq!(found(&format!("blob: {zlib}\n")), one(JWT, &["base64", "zlib"]));
    assert_eq!(
        found(&format!("blob: {}\n", STANDARD.encode(format!("x:{}", STANDARD.encode(&release))))),
        one(JWT, &["base64", "base64"])
    );
}

#[test]
fn each_token_in_one_value_is_reported_once() {
    let json = format!("{{\"a\":\"{JWT}\",\"b\":\"{UNSIGNED}\",\"c\":\"{JWT}\"}}");
    let encoded = STANDARD.encode(&json);
    assert_eq!(found(&encoded), [one(JWT, &["base64"]), one(UNSIGNED, &["base64"])].concat());
}

#[test]
fn decoys_yield_nothing() {
    for text in [
        "A JWT starts with eyJ because that is the base64 of {\" in every token header.",
        "user:correct-horse-battery-staple",
        "{\"auths\":{\"r\":{\"auth\":\"dXNlcjpwYXNzd29yZA==\"}}}",
        "eyJ0eXAiOiJ0ZXh0In0 is only a header; eyJ again",
    ] {
        assert_eq!(found(&STANDARD.encode(text)), Vec::new(), "{text}");
        assert_eq!(found(&format!("Authorization: Basic {}", STANDARD.encode(text))), Vec::new(), "{text}");
    }
    assert_eq!(found("func handleUpdate(moduleUrl string) { titleUpload(V5S) }"), Vec::new());
}

#[test]
fn a_gzip_bomb_stops_at_the_cap_and_is_counted() {
    let bomb = gzip(&vec![b'a'; 32 << 20]);
    let text = format!("release: {}\n", STANDARD.encode(&bomb));
    let started = std::time::Instant::now();
    let (found, stats) = found_with(text.as_bytes(), 4);
    assert!(found.is_empty());
    assert_eq!(stats.inflate_capped, 1);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn nesting_deeper_than_the_limit_stops_there_and_is_counted() {
    let mut layer = format!("t={JWT}").into_bytes();
    for _ in 0..100 {
        layer = gzip(&layer);
    }
    let text = format!("x: {}\n", STANDARD.encode(&layer));
    let (found, stats) = found_with(text.as_bytes(), 4);
    assert!(found.is_empty());
    assert_eq!(stats.depth_limited, 1);
    let mut layer = format!("t={JWT}").into_bytes();
    for _ in 0..3 {
        layer = gzip(&layer);
    }
    let (found, _) = found_with(format!("x: {}\n", STANDARD.encode(&layer)).as_bytes(), 4);
    assert_eq!(found[0].1, ["base64", "gzip", "gzip", "gzip"]);
}

#[test]
fn depth_zero_decodes_nothing_and_a_spent_budget_is_counted() {
    let text = format!("auth: {}\n", STANDARD.encode(format!("user:{JWT}")));
    assert_eq!(found_with(text.as_bytes(), 0).0, Vec::new());
    let mut dec = Decoder::new(4, 0);
    dec.budget = 10;
    let mut out = Vec::new();
    search(text.as_bytes(), 0, &mut dec, &mut out);
    assert!(out.is_empty());
    assert_eq!(dec.stats.budget_exhausted, 1);
}

/// The token joined from the literals of `code`, with its span in `code`.
fn joined(code: &str) -> Option<(String, &str)> {
    let hit = code.find("eyJ")?;
    let (_, chain_end) = super::super::bare_at(code.as_bytes(), hit);
    let (found, resume) = joined_at(code.as_bytes(), hit, chain_end).ok()?;
    assert_eq!(found.encoding, [Layer::Concatenated]);
    assert_eq!(resume, found.end);
    Some((found.token, &code[found.start..found.end]))
}

#[test]
fn joins_split_literals_in_each_language() {
    let (a, rest) = JWT.split_at(40);
    let (b, c) = rest.split_at(60);
    for code in [
        format!("token := \"{a}\" +\n\t\"{b}\" +\n\t\"{c}\"\n"), // Go
        format!("String t = \"{a}\"\n        + \"{b}\"\n        + \"{c}\";\n"), // Java, C#
        format!("val t = \"{a}\" +\n    \"{b}\" +\n    \"{c}\"\n"), // Kotlin, Swift
        format!("const t = '{a}' +\n  `{b}` + \"{c}\";\n"),      // JS/TS
        format!("$t = '{a}' .\n    '{b}'\n    . '{c}';\n"),      // PHP
        format!("t = (\"{a}\"\n     \"{b}\"\n     f\"{c}\")\n"), // Python
        format!("const char *t = \"{a}\"\n    \"{b}\" \"{c}\";\n"), // C, C++
        format!("#define T \"{a}\\\n{b}\\\n{c}\"\n"),            // backslash-newline
        format!("t = \"{a}\" \\\n    \"{b}\" \\\n    \"{c}\"\n"), // Python explicit join
        format!("var t = @\"{a}\" + $\"{b}\" + \"{c}\";"),       // C# prefixes
    ] {
        let (token, span) = joined(&code).unwrap_or_else(|| panic!("{code}"));
        assert_eq!(token, JWT, "{code}");
        assert!(span.starts_with(a) && span.ends_with(c), "{code}: {span}");
    }
}

#[test]
fn joins_groovy_slashy_strings_left_shifts_and_literals_parted_by_comments() {
    let (a, rest) = JWT.split_at(40);
    let (b, c) = rest.split_at(60);
    for code in [
        format!("def t = /{a}/ +\n    /{b}/ + /{c}/\n"), // Groovy slashy strings
        format!("def t = \"{a}\" <<\n    \"{b}\" << '{c}'\n"), // Groovy, Ruby `<<`
        format!("String t = \"{a}\" + // header\n    \"{b}\" + /* sig */ \"{c}\";"), // comments
        format!("t = (\"{a}\"  # header\n     \"{b}\"\n     \"{c}\")\n"), // Python comment
        format!("val t = \"{a}\" // header\n    + \"{b}\"\n    + \"{c}\"\n"), // comment, then `+`
    ] {
        let (token, span) = joined(&code).unwrap_or_else(|| panic!("{code}"));
        assert_eq!(token, JWT, "{code}");
        assert!(span.starts_with(a) && span.ends_with(c), "{code}: {span}");
    }
}

#[test]
fn a_slash_after_a_token_joins_only_a_slashy_string_by_plus() {
    let (a, b) = JWT.split_at(50);
    for code in [
        format!("https://idp.acme.io/{a}/{b}"),
        format!("def t = /{a}/ /{b}/"),
        format!("def t = /{a}/ + \"{b}\""),
        format!("def t = \"{a}\" + /{b}/"),
        format!("x = \"{a}\" /* \"{b}\""),
    ] {
        assert_eq!(joined(&code), None, "{code}");
    }
}

#[test]
fn a_token_that_ends_inside_the_first_literal_or_prose_is_not_joined() {
    let (a, b) = JWT.split_at(50);
    for code in [
        format!("t = \"{JWT}\" + \"suffix\""),
        format!("t = [\"{JWT}\", \"{JWT}\"]"),
        "msg = \"a token starts with eyJ\" + \" and has two dots\"".to_string(),
        format!("msg = \"{a}\" + \" {b}\""),
        format!("x = \"{a}\" + variable + \"{b}\""),
        format!("x = \"{a}\" // \"{b}\""),
        format!("x = \"{a}\"\n\n{}\"{b}\"", " ".repeat(300)),
    ] {
        assert_eq!(joined(&code), None, "{code}");
    }
}

#[test]
fn hits_repeated_through_a_long_input_cost_linear_time() {
    // Each would walk the rest of the input again if a walk did not move the search past it:
    // minutes, where linear work takes well under a second even in a debug build.
    let inputs = [
        "\"eyJ\" ".repeat(100_000),
        "leUleUleU\\n".repeat(50_000),
        "handleUpdate(".repeat(100_000),
        format!("{}\\n", "QV5S".repeat(16)).repeat(20_000),
        "%41V5S".repeat(100_000),
        format!("\"{}\" + ", &JWT[..40]).repeat(20_000),
    ];
    for input in inputs {
        let started = std::time::Instant::now();
        let mut out = Vec::new();
        super::super::find_tokens(input.as_bytes(), &mut out);
        let elapsed = started.elapsed();
        assert!(elapsed < std::time::Duration::from_secs(10), "{elapsed:?} for {}", &input[..40]);
    }
}
