//! History items kept once per key (a finding's fingerprint, an HS token's path and hash) at the
//! oldest place that holds them, in bounded memory: each worker combines what it finds in a map,
//! and past its share of the findings budget hands the map's items to a sorter, which spills
//! sorted runs to disk. The oldest place per key is chosen at the end, on the merged runs sorted
//! by key then place, so a history with millions of distinct findings holds a few MB of them.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::io;

use std::sync::Arc;

use crate::collect::{Occurrence, Problem};
use crate::context::{Clues, StoredClues};
use crate::find::layers::Layer;
use crate::finding::Position;
use crate::provenance::Chain;
use crate::spill::{Sorted, Sorter, Spill};

/// An item with its key and the order of the place it came from (`None`, the index, sorts first).
#[derive(Clone)]
pub(super) struct Dated<T> {
    key: String,
    order: Option<u32>,
    item: T,
}

fn by_key_then_order<T>(a: &Dated<T>, b: &Dated<T>) -> Ordering {
    a.key.cmp(&b.key).then(a.order.cmp(&b.order))
}

impl<T: Spill> Spill for Dated<T> {
    fn mem_size(&self) -> usize {
        self.key.capacity() + 8 + self.item.mem_size()
    }

    fn encode(&self, out: &mut Vec<u8>) -> io::Result<()> {
        let key = u32::try_from(self.key.len()).map_err(|_| io::Error::other("key over 4 GiB"))?;
        out.extend_from_slice(&key.to_le_bytes());
        out.extend_from_slice(self.key.as_bytes());
        match self.order {
            Some(order) => {
                out.push(1);
                out.extend_from_slice(&order.to_le_bytes());
            }
            None => out.push(0),
        }
        self.item.encode(out)
    }

    fn decode(bytes: &[u8]) -> io::Result<Self> {
        let bad = || io::Error::new(io::ErrorKind::InvalidData, "temporary history file is corrupt");
        let (len, rest) = bytes.split_first_chunk::<4>().ok_or_else(bad)?;
        let len = u32::from_le_bytes(*len) as usize;
        let (key, rest) = rest.split_at_checked(len).ok_or_else(bad)?;
        let key = String::from_utf8(key.to_vec()).map_err(|_| bad())?;
        let (order, rest) = match rest.split_first() {
            Some((0, rest)) => (None, rest),
            Some((1, rest)) => {
                let (order, rest) = rest.split_first_chunk::<4>().ok_or_else(bad)?;
                (Some(u32::from_le_bytes(*order)), rest)
            }
            _ => return Err(bad()),
        };
        Ok(Dated { key, order, item: T::decode(rest)? })
    }
}

/// An HS token occurrence on disk: its fields, the clues as a spilled finding keeps them, and
/// the layer and rule names it points to by text.
impl Spill for Occurrence {
    fn mem_size(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.path.len() / Arc::strong_count(&self.path)
            + self.compact.len() / Arc::strong_count(&self.compact)
            + self.sha256.capacity()
            + self.commit.as_ref().map_or(0, |commit| commit.len())
            + self.history.as_ref().map_or(0, |(_, author)| author.len())
            + (self.encoding.capacity() + self.silenced.capacity()) * 16
    }

    fn encode(&self, out: &mut Vec<u8>) -> io::Result<()> {
        let position = |at: Position| (at.line, at.column);
        let history = self.history.as_ref().map(|(time, author)| (*time, &**author));
        let fields = (
            &*self.path,
            self.member.to_vec(),
            history,
            position(self.start),
            position(self.end),
            &*self.compact,
            &self.sha256,
            self.commit.as_deref(),
            self.clues.stored(),
            &self.encoding,
            &self.silenced,
        );
        serde_json::to_writer(&mut *out, &fields).map_err(io::Error::other)
    }

    fn decode(bytes: &[u8]) -> io::Result<Self> {
        type Fields = (
            String,
            Vec<String>,
            Option<(i64, String)>,
            (u64, u64),
            (u64, u64),
            String,
            String,
            Option<String>,
            StoredClues,
            Vec<String>,
            Vec<String>,
        );
        let (path, member, history, start, end, compact, sha256, commit, clues, encoding, silenced): Fields =
            serde_json::from_slice(bytes).map_err(io::Error::other)?;
        let position = |(line, column)| Position { line, column };
        Ok(Occurrence {
            path: Arc::from(path),
            member: member.iter().fold(Chain::NONE, |chain, name| chain.child(name)),
            history: history.map(|(time, author)| (time, Arc::from(author))),
            start: position(start),
            end: position(end),
            compact: Arc::from(compact),
            sha256,
            commit: commit.map(Arc::from),
            clues: Clues::restore(&clues),
            encoding: encoding.iter().filter_map(|name| Layer::named(name)).map(Layer::name).collect(),
            silenced: silenced.iter().filter_map(|id| crate::catalog::meta(id)).map(|rule| rule.id.as_str()).collect(),
        })
    }
}

/// Per key, the order of the oldest place seen so far and its items.
type Oldest<T> = HashMap<String, (Option<u32>, Vec<T>)>;

/// One worker's items: combined in memory while they fit in half of `budget`, sorted runs past
/// that (the sorter keeps the other half).
pub(super) struct OldestFirst<T> {
    map: Oldest<T>,
    bytes: usize,
    budget: usize,
    sorter: Option<Sorter<Dated<T>>>,
}

impl<T: Spill> OldestFirst<T> {
    pub(super) fn new(budget: usize) -> Self {
        OldestFirst { map: HashMap::new(), bytes: 0, budget, sorter: None }
    }

    /// Keeps `item` if no older place holds `key`; places of one order keep all their items.
    pub(super) fn push(&mut self, key: String, order: Option<u32>, item: T) {
        let size = item.mem_size();
        match self.map.entry(key) {
            Entry::Vacant(slot) => {
                self.bytes += size + slot.key().capacity() + std::mem::size_of::<(String, (Option<u32>, Vec<T>))>();
                slot.insert((order, vec![item]));
            }
            Entry::Occupied(mut slot) => {
                let (kept, list) = slot.get_mut();
                if order < *kept {
                    let freed: usize = list.iter().map(Spill::mem_size).sum();
                    self.bytes = self.bytes.saturating_sub(freed) + size;
                    *kept = order;
                    list.clear();
                    list.push(item);
                } else if order == *kept {
                    self.bytes += size;
                    list.push(item);
                }
            }
        }
        if self.bytes > self.budget / 2 {
            let sorter = self.sorter.get_or_insert_with(|| Sorter::new(self.budget / 2, by_key_then_order));
            for (key, (order, list)) in self.map.drain() {
                for item in list {
                    sorter.push(Dated { key: key.clone(), order, item });
                }
            }
            self.bytes = 0;
        }
    }

    fn finish(self) -> Sorted<Dated<T>> {
        let mut rest = Vec::new();
        for (key, (order, list)) in self.map {
            rest.extend(list.into_iter().map(|item| Dated { key: key.clone(), order, item }));
        }
        match self.sorter {
            Some(mut sorter) => {
                rest.into_iter().for_each(|item| sorter.push(item));
                sorter.finish()
            }
            None => Sorted::from_vec(rest, by_key_then_order),
        }
    }
}

/// The items of every worker, merged: for each key, those of its oldest place, in the order they
/// were pushed (workers in the order given). A run that cannot be read back ends the items there,
/// with a note in `problems`; one that could not be written stayed in memory, with a note too.
pub(super) fn oldest<T: Spill>(
    workers: impl IntoIterator<Item = OldestFirst<T>>,
    problems: &mut Vec<Problem>,
    mut keep: impl FnMut(T),
) {
    let parts: Vec<Sorted<Dated<T>>> = workers.into_iter().map(OldestFirst::finish).collect();
    let merged = Sorted::merge(parts, by_key_then_order);
    problems.extend(merged.warnings().iter().cloned().map(Problem::Note));
    let mut group: Option<(String, Option<u32>)> = None;
    for dated in merged.iter() {
        let dated = match dated {
            Ok(dated) => dated.into_owned(),
            Err(err) => {
                problems.push(Problem::Note(format!(
                    "history findings written to a temporary file could not be read back: {err}"
                )));
                return;
            }
        };
        match &group {
            Some((key, order)) if *key == dated.key => {
                if *order == dated.order {
                    keep(dated.item);
                }
            }
            _ => {
                group = Some((dated.key, dated.order));
                keep(dated.item);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Debug, PartialEq)]
    struct Item(u32);

    impl Spill for Item {
        fn mem_size(&self) -> usize {
            64
        }

        fn encode(&self, out: &mut Vec<u8>) -> io::Result<()> {
            out.extend_from_slice(&self.0.to_le_bytes());
            Ok(())
        }

        fn decode(bytes: &[u8]) -> io::Result<Self> {
            Ok(Item(u32::from_le_bytes(bytes.try_into().map_err(io::Error::other)?)))
        }
    }

    /// Pushes `(key, order, value)` triples over two workers, alternating, and returns the kept
    /// values sorted, with whether a run went to disk.
    fn kept(budget: usize, pushes: &[(&str, Option<u32>, u32)]) -> (Vec<u32>, bool) {
        let mut workers = [OldestFirst::new(budget), OldestFirst::new(budget)];
        for (n, &(key, order, value)) in pushes.iter().enumerate() {
            workers[n % 2].push(key.to_string(), order, Item(value));
        }
        let spilled = workers.iter().any(|worker| worker.sorter.as_ref().is_some_and(Sorter::spilled));
        let mut values = Vec::new();
        let mut problems = Vec::new();
        oldest(workers, &mut problems, |item: Item| values.push(item.0));
        assert_eq!(problems, []);
        values.sort();
        (values, spilled)
    }

    #[test]
    fn each_key_keeps_every_item_of_its_oldest_place_whether_spilled_or_not() {
        let pushes: Vec<(&str, Option<u32>, u32)> = vec![
            ("b", Some(5), 1),
            ("a", Some(3), 2),
            ("b", Some(2), 3),
            ("a", Some(3), 4),
            ("b", Some(2), 5),
            ("c", Some(9), 6),
            ("b", None, 7),
            ("a", Some(1), 8),
            ("c", Some(9), 9),
            ("a", Some(2), 10),
        ];
        let in_memory = kept(1 << 20, &pushes);
        assert_eq!(in_memory, (vec![6, 7, 8, 9], false));
        // A budget below one item sends every push through a sorted run on disk.
        assert_eq!(kept(0, &pushes), (vec![6, 7, 8, 9], true));
    }

    #[test]
    fn a_worker_hands_its_items_to_the_sorter_once_they_pass_half_its_byte_budget() {
        // Keys of one length, allocated to their length: every item costs the same.
        let key = |n: u32| format!("key-{n:02}").as_str().to_string();
        let mut probe = OldestFirst::new(usize::MAX);
        probe.push(key(0), Some(0), Item(0));
        let each = probe.bytes;
        let mut worker = OldestFirst::new(2 * 10 * each);
        for n in 0..10 {
            worker.push(key(n), Some(0), Item(n));
        }
        assert!(worker.sorter.is_none() && worker.map.len() == 10);
        // An older place of a key it holds replaces the item: no more bytes.
        worker.push(key(3), None, Item(99));
        assert!(worker.sorter.is_none());
        worker.push(key(10), Some(0), Item(10));
        assert!(worker.sorter.as_ref().is_some_and(|sorter| sorter.len() == 11) && worker.map.is_empty());
    }
}
