//! Short secrets by mask (source `mask`): every key a hashcat-style mask spells, shortest first.
//! By default `?w?w?w?w` (every secret of 1 to 4 characters from `[a-z0-9]`, 1,727,604 keys);
//! `--crack` takes longer masks.

/// Keys are handed to the HMAC search this many at a time: the time budget is looked at between
/// chunks, and a chunk's keys take 16 bytes each.
pub(crate) const CHUNK: usize = 1 << 16;
/// Longest mask: a key this long from `?a` is already 95^16 keys.
pub const MAX_MASK: usize = 16;

/// The default mask: every secret of up to 4 characters from `[a-z0-9]`.
pub const DEFAULT_MASK: &str = "?w?w?w?w";

/// `--crack`: the masks to try on the tokens left unsolved, and the time the masks may take.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Crack {
    pub masks: Vec<Mask>,
    pub time: std::time::Duration,
}

/// `--crack` without `--crack-mask`: every secret of up to 6 characters from `[a-z0-9]`.
pub const CRACK_MASK: &str = "?w?w?w?w?w?w";

/// One key of a mask, inline: masks are at most `MAX_MASK` long.
#[derive(Clone, Copy)]
pub(crate) struct Short {
    len: u8,
    bytes: [u8; MAX_MASK],
}

impl AsRef<[u8]> for Short {
    fn as_ref(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }
}

/// A mask: one character set per position; its keys are those of every prefix, shortest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mask {
    positions: Vec<Vec<u8>>,
}

impl Mask {
    /// Parses `?l` (a-z), `?u` (A-Z), `?d` (0-9), `?h` (0-9a-f), `?s` (printable symbols), `?a`
    /// (all printable ASCII), `?w` (a-z0-9); any other character stands for itself, `??` for `?`.
    pub fn parse(text: &str) -> Result<Mask, String> {
        let mut positions = Vec::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            let set: Vec<u8> = match c {
                '?' => match chars.next() {
                    Some('l') => (b'a'..=b'z').collect(),
                    Some('u') => (b'A'..=b'Z').collect(),
                    Some('d') => (b'0'..=b'9').collect(),
                    Some('h') => (b'0'..=b'9').chain(b'a'..=b'f').collect(),
                    Some('s') => (b' '..=b'~').filter(|b| !b.is_ascii_alphanumeric()).collect(),
                    Some('a') => (b' '..=b'~').collect(),
                    Some('w') => (b'a'..=b'z').chain(b'0'..=b'9').collect(),
                    Some('?') => vec![b'?'],
                    other => {
                        return Err(format!("unknown mask class `?{}`", other.map_or(String::new(), String::from)));
                    }
                },
                c if c.is_ascii() && !c.is_ascii_control() => vec![c as u8],
                c => return Err(format!("mask character `{c}` is not printable ASCII")),
            };
            positions.push(set);
        }
        if positions.is_empty() || positions.len() > MAX_MASK {
            return Err(format!("a mask spells 1 to {MAX_MASK} characters"));
        }
        Ok(Mask { positions })
    }

    /// How many keys the mask spells, all lengths together (saturating).
    pub fn keys(&self) -> u64 {
        self.length_ends().last().copied().unwrap_or(0)
    }

    /// Where the keys of each length end in the mask's order: the number of keys of that length or
    /// shorter (saturating). The default mask's are 36, 1,332, 47,988 and 1,727,604.
    pub(crate) fn length_ends(&self) -> Vec<u64> {
        let mut ends = Vec::with_capacity(self.positions.len());
        let (mut total, mut of_length) = (0u64, 1u64);
        for set in &self.positions {
            of_length = of_length.saturating_mul(set.len() as u64);
            total = total.saturating_add(of_length);
            ends.push(total);
        }
        ends
    }

    /// The key at `index` in the mask's order (shorter keys first, then lexicographic by the
    /// character sets' order), or `None` past the end.
    fn key(&self, mut index: u64) -> Option<Short> {
        let mut of_length = 1u64;
        for (len, set) in self.positions.iter().enumerate() {
            of_length = of_length.checked_mul(set.len() as u64)?;
            if index < of_length {
                let mut key = Short { len: (len + 1) as u8, bytes: [0; MAX_MASK] };
                for position in (0..=len).rev() {
                    let set = &self.positions[position];
                    key.bytes[position] = set[(index % set.len() as u64) as usize];
                    index /= set.len() as u64;
                }
                return Some(key);
            }
            index -= of_length;
        }
        None
    }

    /// The keys `start..start + count` (fewer at the end of the mask).
    pub(crate) fn chunk(&self, start: u64, count: usize, out: &mut Vec<Short>) {
        out.clear();
        // One division chain per chunk, then an odometer: a key costs a few byte writes.
        let Some(mut key) = self.key(start) else { return };
        let total = self.keys();
        let mut index = start;
        while out.len() < count && index < total {
            out.push(key);
            index += 1;
            if !self.advance(&mut key) {
                match self.key(index) {
                    Some(next) => key = next,
                    None => break,
                }
            }
        }
    }

    /// The next key of the same length, in place; false after the last one.
    fn advance(&self, key: &mut Short) -> bool {
        for position in (0..key.len as usize).rev() {
            let set = &self.positions[position];
            let at = set.iter().position(|&b| b == key.bytes[position]).unwrap_or(0);
            if at + 1 < set.len() {
                key.bytes[position] = set[at + 1];
                return true;
            }
            key.bytes[position] = set[0];
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(mask: &str) -> Vec<String> {
        let mask = Mask::parse(mask).unwrap();
        let mut out = Vec::new();
        mask.chunk(0, 1000, &mut out);
        out.iter().map(|key| String::from_utf8(key.as_ref().to_vec()).unwrap()).collect()
    }

    #[test]
    fn the_default_mask_spells_every_secret_of_up_to_four_lower_alphanumerics() {
        let mask = Mask::parse(DEFAULT_MASK).unwrap();
        assert_eq!(mask.keys(), 36 + 36 * 36 + 36 * 36 * 36 + 36 * 36 * 36 * 36);
        let mut out = Vec::new();
        mask.chunk(mask.keys() - 1, 10, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].as_ref(), b"9999");
        assert_eq!(mask.length_ends(), [36, 1_332, 47_988, 1_727_604]);
    }

    #[test]
    fn a_mask_spells_its_prefixes_shortest_first_across_chunk_edges() {
        assert_eq!(
            keys("?dx"),
            [
                "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "0x", "1x", "2x", "3x", "4x", "5x", "6x", "7x", "8x",
                "9x"
            ]
        );
        let mask = Mask::parse("?l?d").unwrap();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        mask.chunk(20, 20, &mut a);
        mask.chunk(40, 20, &mut b);
        assert_eq!(a[0].as_ref(), b"u");
        assert_eq!(a[6].as_ref(), b"a0");
        assert_eq!(b[0].as_ref(), b"b4");
    }

    #[test]
    fn unknown_classes_and_empty_masks_are_refused() {
        assert!(Mask::parse("?x").is_err());
        assert!(Mask::parse("").is_err());
        assert!(Mask::parse(&"?d".repeat(MAX_MASK + 1)).is_err());
    }
}
