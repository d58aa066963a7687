//! Byte sizes as people type them on a command line: `52428800`, `512K`, `10M`, `1G` (binary
//! multiples; a trailing `B` or `iB` is accepted, as in `10MB` or `10MiB`).

/// Parses a size; the error says what was expected.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let digits = trimmed.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = trimmed.split_at(digits);
    let expected = || format!("expected a size such as 1048576, 512K, 10M or 1G, got `{text}`");
    let number: u64 = number.parse().map_err(|_| expected())?;
    let unit = unit.trim_start();
    let unit = unit.strip_suffix("iB").or_else(|| unit.strip_suffix('B')).unwrap_or(unit);
    let shift = match unit {
        "" => 0,
        "K" | "k" => 10,
        "M" | "m" => 20,
        "G" | "g" => 30,
        "T" | "t" => 40,
        _ => return Err(expected()),
    };
    number.checked_mul(1 << shift).ok_or_else(|| format!("size `{text}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn suffixes_are_binary_multiples() {
        assert_eq!(parse_size("52428800"), Ok(52_428_800));
        assert_eq!(parse_size("512K"), Ok(512 * 1024));
        assert_eq!(parse_size("10M"), Ok(10 * 1024 * 1024));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert_eq!(parse_size("10MB"), Ok(10 << 20));
        assert_eq!(parse_size("10MiB"), Ok(10 << 20));
        assert_eq!(parse_size("2 g"), Ok(2 << 30));
        assert_eq!(parse_size("0"), Ok(0));
    }

    #[test]
    fn anything_else_is_an_error_that_shows_the_forms() {
        for bad in ["", "M", "10X", "1.5G", "-1", "ten", "10MM"] {
            let err = parse_size(bad).unwrap_err();
            assert!(err.contains("10M"), "{bad}: {err}");
        }
        assert!(parse_size("99999999999999999999").is_err());
        assert!(parse_size("100000000000T").unwrap_err().contains("too large"));
    }
}
