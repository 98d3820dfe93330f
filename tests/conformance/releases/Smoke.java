// A release's own Java client, compiled against that release's zookeeper.jar (--release 8, so it
// runs on the Java 11 that 3.4.14's client needs): connect to server A, create an ephemeral node,
// read it back through server B after sync, close, and check the node went with the session.
//   java -cp classes:CLASSPATH Smoke 127.0.0.1:PORT_A 127.0.0.1:PORT_B
// Prints `session 0x<16 hex>` (the id server A minted), then the read-back, then `ok`.
// Every wait has a timeout; a watchdog halts the JVM (exit 3) after 45 s.
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;

public class Smoke {
    static String hex(long v) {
        return String.format("0x%016x", v);
    }

    static ZooKeeper connect(String hostPort) throws Exception {
        final CountDownLatch up = new CountDownLatch(1);
        ZooKeeper zk = new ZooKeeper(hostPort, 4000, new Watcher() {
            public void process(WatchedEvent e) {
                if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                    up.countDown();
                }
            }
        });
        if (!up.await(20, TimeUnit.SECONDS)) {
            throw new IllegalStateException("no connection to " + hostPort + " within 20 s");
        }
        return zk;
    }

    static void sync(ZooKeeper zk, String path) throws Exception {
        final CountDownLatch done = new CountDownLatch(1);
        final int[] rc = {-1};
        zk.sync(path, (r, p, ctx) -> {
            rc[0] = r;
            done.countDown();
        }, null);
        if (!done.await(20, TimeUnit.SECONDS)) {
            throw new IllegalStateException("sync did not complete within 20 s");
        }
        if (rc[0] != 0) {
            throw new IllegalStateException("sync failed, rc " + rc[0]);
        }
    }

    public static void main(String[] args) throws Exception {
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(45000);
            } catch (InterruptedException e) {
                return;
            }
            System.err.println("smoke client: timed out after 45 s");
            Runtime.getRuntime().halt(3);
        });
        watchdog.setDaemon(true);
        watchdog.start();

        ZooKeeper a = connect(args[0]);
        long sid = a.getSessionId();
        System.out.println("session " + hex(sid) + " via " + args[0] + " timeout " + a.getSessionTimeout());
        String path = "/zksim-smoke-" + Long.toHexString(sid);
        byte[] data = ("hello " + hex(sid)).getBytes(StandardCharsets.UTF_8);
        a.create(path, data, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);

        ZooKeeper b = connect(args[1]);
        sync(b, path);
        Stat st = new Stat();
        byte[] got = b.getData(path, false, st);
        if (!new String(got, StandardCharsets.UTF_8).equals(new String(data, StandardCharsets.UTF_8))) {
            throw new IllegalStateException("read back wrong data");
        }
        if (st.getEphemeralOwner() != sid) {
            throw new IllegalStateException("ephemeralOwner " + hex(st.getEphemeralOwner()) + " != " + hex(sid));
        }
        System.out.println("readback via " + args[1] + " owner " + hex(st.getEphemeralOwner())
            + " czxid 0x" + Long.toHexString(st.getCzxid()) + " (reader session " + hex(b.getSessionId()) + ")");

        a.close();
        sync(b, path);
        if (b.exists(path, false) != null) {
            throw new IllegalStateException("ephemeral still there after its session closed");
        }
        System.out.println("ephemeral gone after close");
        b.close();
        System.out.println("ok");
        System.exit(0);
    }
}
