//! The event queue: a radix heap keyed by (virtual ms, sequence number).
//!
//! A discrete-event simulation only ever pops keys that never decrease: an event is scheduled
//! at or after the current time, with a fresh, larger sequence number. A radix heap uses that:
//! elements sit in buckets by the highest bit in which their key differs from the last key
//! popped, a push is O(1), and a pop moves the elements of one bucket down, each element at
//! most once per bit of the key. The order is exactly that of a binary heap on the same keys,
//! so the trace (and its hash) does not depend on which queue runs.

/// 128-bit keys: `at_ms << 64 | seq`. Bucket 0 holds keys equal to the last popped one; bucket
/// `b` holds keys whose highest bit differing from it is bit `b - 1`.
const BUCKETS: usize = 129;

#[derive(Clone, Debug)]
pub(crate) struct EventQueue<E> {
    /// The last key popped: every key in the queue is at least this.
    last: u128,
    buckets: Vec<Vec<(u128, E)>>,
    len: usize,
    /// The smallest key, once looked up (peeking must not move elements: `last` may only
    /// advance when an element is popped, since pushes may come between `last` and the min).
    min: std::cell::Cell<Option<u128>>,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            last: 0,
            buckets: (0..BUCKETS).map(|_| Vec::new()).collect(),
            len: 0,
            min: std::cell::Cell::new(None),
        }
    }
}

fn key(at_ms: u64, seq: u64) -> u128 {
    ((at_ms as u128) << 64) | seq as u128
}

impl<E> EventQueue<E> {
    fn bucket_of(last: u128, k: u128) -> usize {
        if k == last {
            0
        } else {
            (128 - (k ^ last).leading_zeros()) as usize
        }
    }

    /// Adds an event. `at_ms`/`seq` must not sort before the last event popped.
    pub fn push(&mut self, at_ms: u64, seq: u64, event: E) {
        let k = key(at_ms, seq).max(self.last);
        self.buckets[Self::bucket_of(self.last, k)].push((k, event));
        self.len += 1;
        if let Some(m) = self.min.get() {
            self.min.set(Some(m.min(k)));
        }
    }

    /// The smallest key: bucket 0 if it holds one, else the minimum of the first non-empty
    /// bucket (every key there is below every key in higher buckets).
    fn min_key(&self) -> Option<u128> {
        if let Some(m) = self.min.get() {
            return Some(m);
        }
        let m = match self.buckets[0].last() {
            Some((k, _)) => Some(*k),
            None => self
                .buckets
                .iter()
                .find(|b| !b.is_empty())
                .and_then(|b| b.iter().map(|(k, _)| *k).min()),
        };
        self.min.set(m);
        m
    }

    /// The time of the next event, if any.
    pub fn peek_ms(&self) -> Option<u64> {
        self.min_key().map(|k| (k >> 64) as u64)
    }

    /// Removes the event with the smallest (time, sequence).
    pub fn pop(&mut self) -> Option<(u64, E)> {
        if self.buckets[0].is_empty() {
            let i = (1..BUCKETS).find(|&i| !self.buckets[i].is_empty())?;
            let moving = std::mem::take(&mut self.buckets[i]);
            let min = match self.min.get() {
                Some(m) => m,
                None => moving.iter().map(|(k, _)| *k).min().unwrap_or(self.last),
            };
            self.last = min;
            for (k, e) in moving {
                self.buckets[Self::bucket_of(min, k)].push((k, e));
            }
        }
        let (k, e) = self.buckets[0].pop()?;
        self.len -= 1;
        self.min.set(None);
        Some(((k >> 64) as u64, e))
    }

    pub fn len(&self) -> usize {
        self.len
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;

    #[test]
    fn pops_in_the_same_order_as_a_binary_heap() {
        let mut q = EventQueue::default();
        let mut h = BinaryHeap::new();
        let mut x = 0x1234_5678_9abc_def0u64;
        let mut rnd = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut now = 0u64;
        let mut seq = 0u64;
        for _ in 0..200_000 {
            if rnd() % 3 != 0 || h.is_empty() {
                seq += 1;
                let at = now + [0, 1, 2, 1000, 9000, 3_600_000][(rnd() % 6) as usize] + rnd() % 50;
                q.push(at, seq, seq);
                h.push(Reverse((at, seq)));
            } else {
                let Reverse((at, s)) = h.pop().unwrap();
                assert_eq!(q.peek_ms(), Some(at));
                assert_eq!(q.pop(), Some((at, s)));
                now = at;
            }
            assert_eq!(q.len(), h.len());
        }
        while let Some(Reverse((at, s))) = h.pop() {
            assert_eq!(q.pop(), Some((at, s)));
        }
        assert_eq!(q.pop(), None);
    }
}
