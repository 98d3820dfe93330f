//! `StaticHostProvider`: the seeded shuffle of the hosts, `next(spinDelay)` going round them, and
//! the 1000 ms spin delay when it comes back to where it last connected (spec 3.3).

use super::*;

impl Client {
    /// `StaticHostProvider.next(spinDelay)`: the host and whether it sleeps the spin delay.
    pub(super) fn next_host(&mut self) -> (u8, bool) {
        let n = self.hosts.len() as i64;
        self.current_index = (self.current_index + 1) % n;
        let spin = if self.current_index == self.last_index {
            true
        } else {
            if self.last_index == -1 {
                self.last_index = 0;
            }
            false
        };
        (self.hosts[self.current_index as usize], spin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client_with_hosts(hosts: Vec<u8>) -> Client {
        let spec = ClientSpec {
            name: "c".into(),
            servers: hosts.clone(),
            session_timeout_ms: 4000,
            version: None,
        };
        let mut c = Client::new(0, &spec, 1);
        c.hosts = hosts;
        c
    }

    #[test]
    fn static_host_provider_test_next_cycles_and_the_third_equals_the_first() {
        // StaticHostProviderTest.testNextGoesRound / testNextDoesNotSleepForZero (2 hosts).
        let mut c = client_with_hosts(vec![7, 9]);
        let (a, spin_a) = c.next_host();
        let (b, spin_b) = c.next_host();
        assert_ne!(a, b, "two consecutive next() calls differ");
        assert!(!spin_a && !spin_b, "no sleep before the cycle wraps");
        let (third, spin) = c.next_host();
        assert_eq!(third, a);
        assert!(spin, "coming back round to index 0 sleeps the spin delay");
    }

    #[test]
    fn static_host_provider_test_on_connected_moves_the_sleep_point() {
        // StaticHostProviderTest.testNextGoesRoundAndSleeps / testNextDoesNotSleepAfterOnConnected.
        let mut c = client_with_hosts(vec![1, 2, 3]);
        let (first, _) = c.next_host();
        let (second, _) = c.next_host();
        c.last_index = c.current_index; // onConnected() on `second`
        let (next, spin) = c.next_host();
        assert_ne!(
            next, second,
            "after onConnected the next host is a different one"
        );
        assert!(!spin);
        let (again, _) = c.next_host();
        assert_eq!(again, first);
        let (back, spin) = c.next_host();
        assert_eq!(back, second);
        assert!(
            spin,
            "the sleep comes when the cycle returns to the host last connected to"
        );
    }
}
