//! The event queue: a radix heap on virtual ms, each ms's events in sequence order.
//!
//! A discrete-event simulation only ever pops keys that never decrease: an event is scheduled
//! at or after the current time, with a fresh, larger sequence number. A radix heap uses that:
//! elements sit in buckets by the highest bit in which their time differs from the time of the
//! last pop, a push is O(1), and a pop moves the elements of one bucket down, each element at
//! most once per bit of the time. Bucket 0 holds the events of the current ms, sorted by
//! sequence number (pushes there come in sequence order, so they append). The order is exactly
//! that of a binary heap on (ms, sequence), so the trace (and its hash) does not depend on which
//! queue runs.
//!
//! Why the radix is the ms and not the whole (ms, sequence) key: with the sequence number in the
//! low bits, the events of one ms spread over the low buckets and were moved again at every pop
//! (a ping storm at one ms cost a pass per event); keyed by ms they move once into bucket 0.

use std::collections::VecDeque;

/// Bucket 0 holds the current ms; bucket `b` holds times whose highest bit differing from it is
/// bit `b - 1`.
const BUCKETS: usize = 65;

#[derive(Clone, Debug)]
pub(crate) struct EventQueue<E> {
    /// The (ms, sequence) of the last pop: every element in the queue sorts at or after it.
    last_ms: u64,
    last_seq: u64,
    /// The current ms's elements, ascending by sequence number.
    now: VecDeque<(u64, E)>,
    /// Buckets 1..: `(at_ms, seq, event)` in no particular order.
    buckets: Vec<Vec<(u64, u64, E)>>,
    len: usize,
    /// The smallest time outside bucket 0, once looked up (peeking must not move elements).
    min_ms: std::cell::Cell<Option<u64>>,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            last_ms: 0,
            last_seq: 0,
            now: VecDeque::new(),
            buckets: (0..BUCKETS).map(|_| Vec::new()).collect(),
            len: 0,
            min_ms: std::cell::Cell::new(None),
        }
    }
}

impl<E> EventQueue<E> {
    fn bucket_of(last_ms: u64, at_ms: u64) -> usize {
        (64 - (at_ms ^ last_ms).leading_zeros()) as usize
    }

    /// Puts an element of the current ms in sequence order; one that sorts before the last
    /// pop (outside the contract) is treated as the last pop's key, as the heap on whole keys
    /// clamped it: it comes next, the latest such first.
    fn push_now(&mut self, seq: u64, event: E) {
        let seq = seq.max(self.last_seq);
        match self.now.back() {
            Some(&(b, _)) if b >= seq => {
                let i = self.now.partition_point(|&(s, _)| s < seq);
                self.now.insert(i, (seq, event));
            }
            _ => self.now.push_back((seq, event)),
        }
    }

    /// Adds an event. `at_ms`/`seq` must not sort before the last event popped.
    pub fn push(&mut self, at_ms: u64, seq: u64, event: E) {
        self.len += 1;
        if at_ms <= self.last_ms {
            self.push_now(seq, event);
            return;
        }
        self.buckets[Self::bucket_of(self.last_ms, at_ms)].push((at_ms, seq, event));
        if let Some(m) = self.min_ms.get() {
            self.min_ms.set(Some(m.min(at_ms)));
        }
    }

    /// The smallest time outside bucket 0: the minimum of the first non-empty bucket (every
    /// time there is below every time in higher buckets).
    fn min_later_ms(&self) -> Option<u64> {
        if let Some(m) = self.min_ms.get() {
            return Some(m);
        }
        let m = self
            .buckets
            .iter()
            .skip(1)
            .find(|b| !b.is_empty())
            .and_then(|b| b.iter().map(|&(at, _, _)| at).min());
        self.min_ms.set(m);
        m
    }

    /// The time of the next event, if any.
    pub fn peek_ms(&self) -> Option<u64> {
        if self.now.is_empty() {
            self.min_later_ms()
        } else {
            Some(self.last_ms)
        }
    }

    /// Removes the event with the smallest (time, sequence).
    pub fn pop(&mut self) -> Option<(u64, E)> {
        if self.now.is_empty() {
            let min = self.min_later_ms()?;
            let i = Self::bucket_of(self.last_ms, min);
            let moving = std::mem::take(&mut self.buckets[i]);
            self.last_ms = min;
            self.min_ms.set(None);
            let mut now = std::mem::take(&mut self.now);
            for (at, seq, e) in moving {
                if at == min {
                    now.push_back((seq, e));
                } else {
                    self.buckets[Self::bucket_of(min, at)].push((at, seq, e));
                }
            }
            // Already in sequence order: the elements of one ms always share a bucket (the
            // bucket depends only on the time and the last pop's time), a push appends a larger
            // sequence number, and a move keeps the bucket's order.
            debug_assert!(now.iter().zip(now.iter().skip(1)).all(|(a, b)| a.0 <= b.0));
            self.now = now;
        }
        let (seq, e) = self.now.pop_front()?;
        self.last_seq = seq;
        self.len -= 1;
        Some((self.last_ms, e))
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
