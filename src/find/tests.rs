//! Unit tests of the token finder: every form it finds, every near miss it must not.

use super::*;

/// jwt.io's HS256 sample.
const JWT_IO: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
/// `{"alg":"none"}.{"sub":"1"}.` — unsigned, empty signature.
const UNSIGNED: &str = "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.";
/// `{"alg":"HS256","kid":"????>"}`: a header holding both `-` and `_`.
const DASHED: &str =
    "eyJhbGciOiJIUzI1NiIsImtpZCI6Ij8_Pz8-In0.eyJzdWIiOiIxIn0.MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY";
/// `{"alg":"dir","enc":"A128GCM"}`: a JWE with an empty encrypted key.
const JWE_DIR: &str = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMTI4R0NNIn0..aXZpdml2aXZpdml2.Y2lwaGVy.dGFndGFndGFndGFn";
/// `{"alg":"RSA-OAEP","enc":"A256GCM"}`: a JWE with all five parts.
const JWE_KEY: &str =
    "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a2V5a2V5a2V5.aXZpdml2aXZpdml2.Y2lwaGVy.dGFndGFndGFndGFn";
const HS_HEADER: &str = "eyJhbGciOiJIUzI1NiJ9";
const PAYLOAD: &str = "eyJzdWIiOiIxIn0";
const SIG: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY";

fn find(buf: &[u8]) -> Vec<Candidate> {
    let mut out = Vec::new();
    find_tokens(buf, &mut out);
    out
}

fn spans(buf: &[u8]) -> Vec<(usize, usize)> {
    find(buf).iter().map(|c| (c.start, c.end)).collect()
}

/// The span of `token` in `text`, found by position, for the one-token cases.
fn only(text: &str, token: &str) -> Vec<(usize, usize)> {
    let start = text.find(token).expect("token in text");
    vec![(start, start + token.len())]
}

fn std_b64(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}

fn url_b64_unpadded(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

#[test]
fn finds_a_token_that_is_the_whole_buffer_from_byte_zero_to_eof() {
    assert_eq!(spans(JWT_IO.as_bytes()), vec![(0, JWT_IO.len())]);
    assert_eq!(find(JWT_IO.as_bytes())[0].compact(JWT_IO.as_bytes()), JWT_IO);
}

#[test]
fn finds_an_unsigned_token_with_its_empty_signature_at_eof() {
    let text = format!("token = {UNSIGNED}");
    assert_eq!(spans(text.as_bytes()), only(&text, UNSIGNED));
}

#[test]
fn finds_several_tokens_on_one_line_in_order() {
    let text = format!("a={JWT_IO}&b={UNSIGNED} {DASHED};{JWE_DIR}");
    let a = 2;
    let b = a + JWT_IO.len() + 3;
    let c = b + UNSIGNED.len() + 1;
    let d = c + DASHED.len() + 1;
    assert_eq!(
        spans(text.as_bytes()),
        vec![(a, a + JWT_IO.len()), (b, b + UNSIGNED.len()), (c, c + DASHED.len()), (d, d + JWE_DIR.len())]
    );
}

#[test]
fn finds_headers_holding_dash_and_underscore() {
    let text = format!("x: '{DASHED}'\n");
    assert_eq!(spans(text.as_bytes()), only(&text, DASHED));
}

#[test]
fn finds_jwe_with_and_without_an_encrypted_key() {
    for jwe in [JWE_DIR, JWE_KEY] {
        let text = format!("enc=\"{jwe}\"\n");
        assert_eq!(spans(text.as_bytes()), only(&text, jwe), "{jwe}");
    }
}

#[test]
fn finds_a_jws_whose_payload_is_not_json() {
    // payload "hello", padded
    let token = format!("{HS_HEADER}.aGVsbG8=.{SIG}");
    let text = format!("({token})");
    assert_eq!(spans(text.as_bytes()), only(&text, &token));
}

#[test]
fn finds_tokens_in_every_text_context() {
    let t = JWT_IO;
    let contexts = [
        format!("let token = \"{t}\";"),
        format!("token = '{t}'"),
        format!("const t = `{t}`;"),
        format!("auth:\n  token: {t}\n"),
        format!("JWT_SECRET_TOKEN={t}\n"),
        format!("{{\"headers\":[{{\"name\":\"Authorization\",\"value\":\"Bearer {t}\"}}]}}"),
        format!("\"source\": [\"token = \\\"{t}\\\"\\n\"]"),
        format!("{{\"a\":\"\\u0022{t}\\u0022\"}}"),
        format!("{{\"a\":\"\\\\u0022{t}\\\\u0022\"}}"),
        format!("\"first line\\n{t}\\nlast\""),
        format!("printf(\"\\x22{t}\\x22\");"),
        format!("2024-01-01 INFO request Authorization: Bearer {t}\r\n"),
        format!("GET /callback?access_token={t}&x=1 HTTP/1.1"),
        format!("https://app.example/cb#id_token={t}&state=x"),
        format!("https://app.example/cb?x=1&token={t}#frag"),
        format!("https://app.example/cb?state=%22{t}%22"),
        format!("<a href=\"/cb?t={t}\">link</a><td>{t}</td>"),
        format!("id,token,name\n1,{t},alice\r\n"),
        format!("<config><token>{t}</token></config>"),
        format!("Use `{t}` as the bearer token.\n"),
        format!("The token is {t}.\n"),
        format!("The token is {t}. Next sentence."),
        format!("token: {t}\r\nnext: 1\r\n"),
    ];
    for text in &contexts {
        let found = spans(text.as_bytes());
        assert!(!found.is_empty(), "nothing found in {text:?}");
        for &(start, end) in &found {
            assert_eq!(&text[start..end], t, "in {text:?}");
        }
    }
}

#[test]
fn finds_a_token_in_the_middle_of_a_minified_line_of_hundreds_of_kilobytes() {
    let filler = "var a=function(b){return b.c+1};".repeat(8_000);
    let text = format!("{filler}x=\"{JWT_IO}\";{filler}");
    assert_eq!(spans(text.as_bytes()), only(&text, JWT_IO));
}

#[test]
fn finds_a_token_between_invalid_utf8_and_nul_bytes() {
    let mut buf = vec![0xff, 0xfe, 0x00];
    buf.extend_from_slice(JWT_IO.as_bytes());
    buf.extend_from_slice(&[0x00, 0xc3, 0x28]);
    assert_eq!(spans(&buf), vec![(3, 3 + JWT_IO.len())]);
    let mut buf = vec![0x80];
    buf.extend_from_slice(UNSIGNED.as_bytes());
    assert_eq!(spans(&buf), vec![(1, 1 + UNSIGNED.len())]);
}

#[test]
fn finds_headers_that_start_with_whitespace_after_the_brace() {
    // `{ "alg": "HS256" }`, `{\n  "alg": "HS256"\n}`, `{\r\n"alg":"HS256"}`
    for header in ["eyAiYWxnIjogIkhTMjU2IiB9", "ewogICJhbGciOiAiSFMyNTYiCn0", "ew0KImFsZyI6IkhTMjU2In0"] {
        let token = format!("{header}.{PAYLOAD}.{SIG}");
        let text = format!("t=\"{token}\"");
        assert_eq!(spans(text.as_bytes()), only(&text, &token), "{header}");
    }
}

#[test]
fn finds_base64_wrapped_tokens_in_a_kubernetes_secret_at_the_wrapper_span() {
    let newline = std_b64(&format!("{JWT_IO}\n"));
    let plain = std_b64(UNSIGNED);
    let yaml = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: api\ntype: Opaque\ndata:\n  token: {newline}\n  \
         other: {plain}\n  user: YWRtaW4=\n"
    );
    let found = find(yaml.as_bytes());
    assert_eq!(found.len(), 2);
    let first = yaml.find(&newline).unwrap();
    assert_eq!((found[0].start, found[0].end), (first, first + newline.len()));
    assert_eq!(found[0].inner.as_deref(), Some(JWT_IO));
    assert_eq!(found[0].compact(yaml.as_bytes()), JWT_IO);
    let second = yaml.find(&plain).unwrap();
    assert_eq!((found[1].start, found[1].end), (second, second + plain.len()));
    assert_eq!(found[1].inner.as_deref(), Some(UNSIGNED));
}

#[test]
fn finds_url_alphabet_unpadded_wrappers_in_json() {
    let wrapped = url_b64_unpadded(DASHED);
    assert!(wrapped.starts_with("ZXlK"));
    let json = format!("{{\"auth\":{{\"blob\":\"{wrapped}\"}}}}");
    let found = find(json.as_bytes());
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].start, found[0].end), only(&json, &wrapped)[0]);
    assert_eq!(found[0].inner.as_deref(), Some(DASHED));
}

/// `text` as `base64` prints it: standard alphabet, lines of `width`, each ended by `newline`.
fn wrapped_lines(text: &str, width: usize, newline: &str, indent: &str) -> String {
    let encoded = std_b64(text);
    let lines: Vec<&str> = encoded.as_bytes().chunks(width).map(|line| std::str::from_utf8(line).unwrap()).collect();
    lines.join(&format!("{newline}{indent}"))
}

#[test]
fn finds_a_wrapper_split_over_lines_by_base64_or_openssl() {
    for (width, newline, indent) in [(76, "\n", ""), (64, "\r\n", ""), (76, "\n", "    ")] {
        let wrapper = wrapped_lines(&format!("{JWT_IO}\n"), width, newline, indent);
        let text = format!("data:\n  token: |\n{indent}{wrapper}{newline}  next: 1{newline}");
        let found = find(text.as_bytes());
        assert_eq!(found.len(), 1, "{text}");
        assert_eq!((found[0].start, found[0].end), only(&text, &wrapper)[0], "{text}");
        assert_eq!(found[0].inner.as_deref(), Some(JWT_IO));
    }
}

#[test]
fn finds_a_wrapper_in_a_go_raw_string_whose_lines_start_at_column_zero() {
    for quote in ["`", "\""] {
        let wrapper = wrapped_lines(JWT_IO, 76, "\n", "");
        assert!(wrapper.lines().count() > 2);
        let text = format!("package x\n\nconst tok = {quote}{wrapper}{quote}\n");
        let found = find(text.as_bytes());
        assert_eq!(found.len(), 1, "{text}");
        assert_eq!((found[0].start, found[0].end), only(&text, &wrapper)[0], "{text}");
        assert_eq!(found[0].inner.as_deref(), Some(JWT_IO));
    }
}

#[test]
fn a_one_line_wrapper_of_exactly_a_line_width_is_not_joined_with_the_next_line() {
    // 57 bytes of token: exactly 76 characters of base64
    let token = "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0NTY3ODkwMTIzNDU2NyJ9.";
    let wrapper = std_b64(token);
    assert_eq!(wrapper.len(), 76);
    let text = format!("v: {wrapper}\nfoo\n");
    let found = find(text.as_bytes());
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].start, found[0].end), only(&text, &wrapper)[0]);
    assert_eq!(found[0].inner.as_deref(), Some(token));
}

#[test]
fn wrappers_holding_more_than_one_token_are_left_to_the_layers_and_less_yields_nothing() {
    for inner in [format!("{HS_HEADER}.{PAYLOAD}"), "eyJhbGciOi...".to_string()] {
        let text = format!("data: {}\n", std_b64(&inner));
        assert!(find(text.as_bytes()).is_empty(), "{inner}");
    }
    // Not a whole-value wrapper, so found inside a base64 layer, at the run's span.
    for text in
        [format!("data: {}\n", std_b64(&format!("{JWT_IO} trailing words"))), format!("data: x{}\n", std_b64(JWT_IO))]
    {
        let found = find(text.as_bytes());
        assert_eq!(found.len(), 1, "{text}");
        assert_eq!((found[0].inner.as_deref(), &found[0].encoding[..]), (Some(JWT_IO), &[Layer::Base64][..]));
    }
}

#[test]
fn ignores_one_and_two_segment_strings() {
    for text in [HS_HEADER.to_string(), format!("{HS_HEADER}.{PAYLOAD}"), format!("\"{HS_HEADER}.{PAYLOAD}\"\n")] {
        assert!(find(text.as_bytes()).is_empty(), "{text}");
    }
}

#[test]
fn ignores_truncated_and_elided_examples() {
    let texts = [
        "eyJhbGciOi...".to_string(),
        "eyJhbGciOiJIUzI1NiJ9.eyJ...".to_string(),
        format!("{HS_HEADER}.{PAYLOAD}..."),
        format!("{HS_HEADER}.{PAYLOAD}.."),
        format!("{HS_HEADER}.{PAYLOAD}.<signature>"),
        format!("{HS_HEADER}.{PAYLOAD}.[signature]"),
        format!("{HS_HEADER}.{PAYLOAD}.{{sig}}"),
        format!("{HS_HEADER}.{PAYLOAD}.$SIG"),
        format!("{HS_HEADER}.{PAYLOAD}.***"),
        format!("{HS_HEADER}.{PAYLOAD}.…"),
        // payload `{"sub":"1234567`: a JSON object cut short
        format!("{HS_HEADER}.eyJzdWIiOiIxMjM0NTY3.{SIG}"),
    ];
    for text in &texts {
        assert!(find(text.as_bytes()).is_empty(), "{text}");
    }
}

#[test]
fn still_finds_a_non_none_token_whose_signature_is_really_missing() {
    let token = format!("{HS_HEADER}.{PAYLOAD}.");
    let text = format!("jwt: {token}\n");
    assert_eq!(spans(text.as_bytes()), only(&text, &token));
}

#[test]
fn an_unsigned_token_followed_by_markup_or_a_full_stop_keeps_its_empty_signature() {
    for text in [format!("<td>{UNSIGNED}</td>"), format!("It is {UNSIGNED}. Done"), format!("{UNSIGNED}.")] {
        assert_eq!(spans(text.as_bytes()), only(&text, UNSIGNED), "{text}");
    }
}

#[test]
fn ignores_headers_without_alg_and_parts_that_do_not_decode() {
    let texts = [
        // {"typ":"JWT"}
        format!("eyJ0eXAiOiJKV1QifQ.{PAYLOAD}.{SIG}"),
        "eyJfoo.eyJbar.baz".to_string(),
        "const eyJhbGciOiJIUzI1NiJ9Key = eyJabc.eyJdef.ghi;".to_string(),
        format!("{HS_HEADER}.{PAYLOAD}.a"),
        // a JWE header without enc
        "eyJhbGciOiJkaXIifQ..aXY.Y2lwaGVy.dGFn".to_string(),
    ];
    for text in &texts {
        assert!(find(text.as_bytes()).is_empty(), "{text}");
    }
}

#[test]
fn ignores_regexes_that_describe_tokens() {
    let texts = [
        r"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+",
        r"/eyJ[a-zA-Z0-9]{10,}\.eyJ[a-zA-Z0-9]{10,}\.[a-zA-Z0-9_-]*/",
        r"(eyJ[\w-]*\.[\w-]*\.[\w-]*)",
    ];
    for text in texts {
        assert!(find(text.as_bytes()).is_empty(), "{text}");
    }
}

#[test]
fn ignores_a_token_embedded_in_a_longer_run() {
    for text in [format!("x{JWT_IO}"), format!("{JWT_IO}x.y"), format!("abc.{JWT_IO}"), format!("_{UNSIGNED}")] {
        assert!(find(text.as_bytes()).is_empty(), "{text}");
    }
}

#[test]
fn a_token_followed_by_a_dotted_suffix_is_a_path_not_a_token() {
    for text in [format!("tokens/{JWT_IO}.json"), format!("{JWE_KEY}.x"), format!("{JWT_IO}.a.b.c")] {
        assert!(find(text.as_bytes()).is_empty(), "{text}");
    }
}

#[test]
fn a_jwe_followed_by_a_full_stop_is_found() {
    let text = format!("Encrypted: {JWE_KEY}.\n");
    assert_eq!(spans(text.as_bytes()), only(&text, JWE_KEY));
}

#[test]
fn the_payload_of_a_found_token_is_not_found_again() {
    let text = format!("{JWT_IO} {JWT_IO}");
    assert_eq!(find(text.as_bytes()).len(), 2);
}

#[test]
fn left_boundary_accepts_escapes_but_not_plain_letters() {
    let t = JWT_IO.as_bytes();
    let with_prefix = |prefix: &[u8]| {
        let mut buf = prefix.to_vec();
        buf.extend_from_slice(t);
        !find(&buf).is_empty()
    };
    assert!(with_prefix(b"\\n"));
    assert!(with_prefix(b"\\u003d"));
    assert!(with_prefix(b"%3D"));
    assert!(with_prefix(b"..."));
    assert!(!with_prefix(b"n"));
    assert!(!with_prefix(b"u0022"));
    assert!(!with_prefix(b"%3G"));
}

#[test]
fn decodes_both_alphabets_with_or_without_padding() {
    let mut out = [0u8; 16];
    let decoded = |input: &[u8], out: &mut [u8; 16]| decode_into(input, out).map(|n| out[..n].to_vec());
    assert_eq!(decoded(b"aGVsbG8", &mut out).as_deref(), Some(&b"hello"[..]));
    assert_eq!(decoded(b"aGVsbG8=", &mut out).as_deref(), Some(&b"hello"[..]));
    assert_eq!(decoded(b"-_+/", &mut out).as_deref(), Some(&[0xfb, 0xff, 0xbf][..]));
    assert_eq!(decoded(b"aGVsb", &mut out), None);
    assert_eq!(decoded(b"aG.s", &mut out), None);
    assert_eq!(decode_into(b"aGVsbG8gd29ybGQ", &mut [0u8; 4]), None);
}

#[test]
fn pathological_runs_of_eyj_and_long_chains_hold_nothing() {
    let buf = b"eyJ".repeat(7_000_000);
    assert!(find(&buf).is_empty());
    let chain = b"eyJa.".repeat(4_000_000);
    assert!(find(&chain).is_empty());
    let headers = format!("{HS_HEADER}.").repeat(1_000_000);
    assert!(find(headers.as_bytes()).is_empty());
    // Many short hits rather than one long run; fewer, as each goes through the (unoptimised in
    // test builds) SIMD searcher — a quadratic rescan would still never finish.
    let spaced = b"eyJ eyJ. ZXlK ".repeat(200_000);
    assert!(find(&spaced).is_empty());
}

#[test]
fn a_hundred_thousand_tokens_in_one_file_are_all_found() {
    let line = format!("{JWT_IO} ");
    let buf = line.repeat(100_000);
    let found = find(buf.as_bytes());
    assert_eq!(found.len(), 100_000);
    assert_eq!((found[99_999].start, found[99_999].end), (99_999 * line.len(), 99_999 * line.len() + JWT_IO.len()));
}

#[test]
fn a_long_wrapper_run_holding_no_token_is_rejected() {
    let mut buf = b"ZXlK".to_vec();
    buf.extend(std::iter::repeat_n(b'A', 20_000_000));
    assert!(find(&buf).is_empty());
    let line = format!("ZXlK{}\n", "A".repeat(72));
    assert!(find(line.repeat(100_000).as_bytes()).is_empty());
}

/// Random mixes of token fragments, needles, separators, escapes and raw bytes: the finder must
/// not panic, and what it returns must be in order, disjoint, and decode.
#[test]
fn every_candidate_in_random_fragment_soup_decodes_and_spans_are_ordered() {
    let wrapped = std_b64(JWT_IO);
    let fragments: [&[u8]; 19] = [
        b"eyJ",
        b"ZXlK",
        b".",
        b"=",
        b"..",
        b" ",
        b"\\u0022",
        b"%2",
        b"\xff\x00",
        b"\n",
        HS_HEADER.as_bytes(),
        PAYLOAD.as_bytes(),
        SIG.as_bytes(),
        UNSIGNED.as_bytes(),
        JWT_IO.as_bytes(),
        JWE_DIR.as_bytes(),
        wrapped.as_bytes(),
        b"abc",
        "\u{2026}".as_bytes(),
    ];
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut total = 0;
    for _ in 0..3_000 {
        let mut buf = Vec::new();
        for _ in 0..next() % 24 {
            buf.extend_from_slice(fragments[(next() % fragments.len() as u64) as usize]);
        }
        let found = find(&buf);
        let mut previous_end = 0;
        for candidate in &found {
            assert!(candidate.start >= previous_end && candidate.end > candidate.start && candidate.end <= buf.len());
            assert!(token::decode(candidate.compact(&buf)).is_some(), "{:?}", String::from_utf8_lossy(&buf));
            previous_end = candidate.end;
        }
        total += found.len();
    }
    assert!(total > 100, "the soup should hold tokens, found {total}");
}

#[test]
fn the_hint_search_finds_the_same_tokens_and_says_whether_a_hint_is_there() {
    let cases = [
        (format!("{JWT_IO} {UNSIGNED}"), false),
        (format!("const SECRET = 1; {JWT_IO}\nx {UNSIGNED} jwt {DASHED}"), true),
        (format!("{JWT_IO}\n{JWE_KEY} # signing\nsecret secret {UNSIGNED}"), true),
        (format!("{JWE_DIR} -----BEGIN PUBLIC KEY----- {{\"kty\":\"oct\"}}"), true),
        ("no token, only a Jwt".to_string(), true),
    ];
    for (text, hinted) in cases {
        let mut out = Vec::new();
        assert_eq!(find_tokens_and_hint(text.as_bytes(), &mut out), hinted, "{text}");
        assert_eq!(out, find(text.as_bytes()), "{text}");
    }
}

/// The hint words as the search once took them, one needle each: what `needles::HINTS` must find.
const HINT_WORDS: [&str; 17] = [
    "secret", "Secret", "SECRET", "jwt", "Jwt", "JWT", "hmac", "Hmac", "HMAC", "jose", "Jose", "JOSE", "signing",
    "Signing", "SIGNING", "BEGIN ", "kty",
];

#[test]
fn the_hint_needles_follow_the_token_needles() {
    assert_eq!(token_needles().count(), TOKEN_NEEDLES);
}

#[test]
fn hint_needles_find_what_one_needle_a_word_finds() {
    // Hint words, pieces that start or end like one or like its needle (`ecret`, `gning`) without
    // being one, and tokens, whose runs the search passes over whole.
    let pieces = [
        "secret",
        "Secret",
        "SECRET",
        "sECRET",
        "SeCRET",
        "ecret",
        "ECRET",
        "decret",
        " ecret",
        "signing",
        "Signing",
        "SIGNING",
        "siGNING",
        "SIgning",
        "gning",
        "GNING",
        "aligning",
        "designing",
        "xsigning",
        "jwt",
        "JwT",
        "hmac",
        "hMAC",
        "Jose",
        "jOSE",
        "BEGIN ",
        "BEGIN",
        "kty",
        "KTY",
        " ",
        "\n",
        "s",
        "si",
        "S",
        "SI",
        "=",
        ".",
        JWT_IO,
        UNSIGNED,
    ];
    let one_needle_a_word = Literals::new(
        token_needles().chain(HINT_WORDS.iter().map(|word| word.as_bytes().to_vec())).collect::<Vec<_>>(),
    );
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..20_000 {
        let mut text = String::new();
        for _ in 0..6 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            text.push_str(pieces[(seed % pieces.len() as u64) as usize]);
        }
        let mut out = Vec::new();
        let hinted = find_tokens_and_hint(text.as_bytes(), &mut out);
        assert_eq!(out, find(text.as_bytes()), "{text}");
        let mut dec = Decoder::new(layers::DEFAULT_MAX_DEPTH, text.len());
        let expected =
            find_hinted(text.as_bytes(), &one_needle_a_word, |_, hit, _, _| Some(hit), &mut dec, &mut Vec::new());
        assert_eq!(hinted, expected, "{text:?}");
    }
}

#[test]
fn in_binary_data_a_token_right_after_a_letter_or_digit_is_found() {
    // A dex string: NUL of the one before, a one-byte length that is a letter, the token.
    let mut dex = vec![0x00, b'd'];
    dex.extend_from_slice(JWT_IO.as_bytes());
    dex.push(0x00);
    assert_eq!(spans(&dex), vec![(2, 2 + JWT_IO.len())]);
    // A SQLite record: header varints, an integer, a text column, then the token.
    let mut row = vec![0x04, 0x01, 0x1b, 0x81, 0x03, 0x2a, b'a', b'l', b'i', b'c', b'e'];
    let start = row.len();
    row.extend_from_slice(JWT_IO.as_bytes());
    row.extend_from_slice(&[0x00, 0x00]);
    assert_eq!(spans(&row), vec![(start, start + JWT_IO.len())]);
}

#[test]
fn in_binary_data_a_dotted_prefix_or_a_non_token_still_holds_nothing() {
    for prefix in [&b"\x00abc."[..], b"\x00x.", b"\x00eyJ"] {
        let mut buf = prefix.to_vec();
        buf.extend_from_slice(JWT_IO.as_bytes());
        assert!(find(&buf).is_empty(), "{:?}", String::from_utf8_lossy(&buf));
    }
    let mut buf = b"\x00xeyJhbGciOiJIUzI1NiJ9".to_vec();
    buf.extend_from_slice(b".notatoken");
    assert!(find(&buf).is_empty());
}
