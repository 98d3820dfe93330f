/**
 * What a JVM under fakeclock.py sees: every `period` ms (a timed wait, measured with nanoTime),
 * one line `probe <i> wall=<currentTimeMillis> mono=<nanoTime/1e6> instant=<Instant.now ms>
 * waited=<ms> slept=<ms> parked=<ms>`, where waited/slept/parked are what Object.wait(period/3),
 * Thread.sleep(period/3) and LockSupport.parkNanos(period/3) really took on the monotonic clock.
 * Used by fakeclock.py's self-test: the JVM must see wall jumps, and its timed waits must keep
 * their length (no busy loop, no hang).
 */
public class ClockProbe {
    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        long period = Long.parseLong(args[1]);
        long third = Math.max(1, period / 3);
        Object lock = new Object();
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            synchronized (lock) { lock.wait(third); }
            long t1 = System.nanoTime();
            Thread.sleep(third);
            long t2 = System.nanoTime();
            java.util.concurrent.locks.LockSupport.parkNanos(third * 1000000L);
            long t3 = System.nanoTime();
            System.out.println("probe " + i + " wall=" + System.currentTimeMillis()
                + " mono=" + System.nanoTime() / 1000000L
                + " instant=" + java.time.Instant.now().toEpochMilli()
                + " waited=" + (t1 - t0) / 1000000L + " slept=" + (t2 - t1) / 1000000L
                + " parked=" + (t3 - t2) / 1000000L);
            System.out.flush();
        }
    }
}
