// The client side of the conformance harness: real ZooKeeper handles (the ClientCnxn that zksim
// models) inside one JVM, driven line by line from stdin by conform.py.
//
// Input, one command a line, tab-separated, every free-text field percent-encoded (UTF-8):
//   connect NAME HOSTS TIMEOUT SID|- PASSWD|-   HOSTS = host:port,... tried in that order (no shuffle)
//                                     [BIND]   BIND = the loopback address its sockets bind to
//   op ID NAME KIND PATH DATA VERSION EPHEMERAL SEQUENTIAL   KIND: create set_data delete exists get_data sync
//   multi ID NAME OPS        OPS = kind,path,data,version,ephemeral;...  (each part percent-encoded)
//   register ID NAME STYLE PATH DATA     STYLE: exists-then-set | delete-then-create
//   close ID NAME | kill NAME | freeze NAME MS | tree HOSTS | quit
// Output, one line each, tab-separated, first field System.currentTimeMillis():
//   T ev NAME STATE                         a None-type watcher event (SyncConnected, Disconnected, ...)
//   T conn NAME SID NEGOTIATED PASSWD PORT    on each SyncConnected
//   T res ID OP PATH CODE OWNER VERSION ISSUED   an op's answer (ISSUED: when it was sent)
//   T killed NAME LAST_SEND_AGO_MS            the handle's socket closed without closeSession
//   T node PATH DATA OWNER VERSION | T treedone | T error TEXT
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.UnsupportedEncodingException;
import java.io.PrintStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.AsyncCallback;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.client.HostProvider;
import org.apache.zookeeper.data.Stat;
import org.apache.zookeeper.proto.ReplyHeader;
import org.apache.zookeeper.proto.RequestHeader;

public class Driver {
    static final PrintStream OUT;

    static {
        try {
            OUT = new PrintStream(System.out, true, "UTF-8");
        } catch (UnsupportedEncodingException e) {
            throw new RuntimeException(e);
        }
    }
    static final Map<String, ZooKeeper> handles = new ConcurrentHashMap<>();
    static final Map<String, Boolean> dead = new ConcurrentHashMap<>();

    static synchronized void emit(Object... fields) {
        StringBuilder b = new StringBuilder().append(System.currentTimeMillis());
        for (Object f : fields) {
            b.append('\t').append(f);
        }
        OUT.println(b);
    }

    static String enc(String s) {
        try {
            return s == null ? "-" : URLEncoder.encode(s, "UTF-8");
        } catch (UnsupportedEncodingException e) {
            throw new RuntimeException(e);
        }
    }

    static String dec(String s) {
        try {
            return URLDecoder.decode(s, "UTF-8");
        } catch (UnsupportedEncodingException e) {
            throw new RuntimeException(e);
        }
    }

    static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("%02x", x & 0xff));
        }
        return s.toString();
    }

    static byte[] unhex(String s) {
        byte[] b = new byte[s.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }

    /** StaticHostProvider's cycle (spin delay when it comes back round), without the shuffle. */
    static final class Ordered implements HostProvider {
        final List<InetSocketAddress> hosts;
        int current = -1;
        int last = -1;

        Ordered(List<InetSocketAddress> hosts) {
            this.hosts = hosts;
        }

        public int size() {
            return hosts.size();
        }

        public InetSocketAddress next(long spinDelay) {
            current = (current + 1) % hosts.size();
            if (current == last && spinDelay > 0) {
                try {
                    Thread.sleep(spinDelay);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            } else if (last == -1) {
                last = 0;
            }
            return hosts.get(current);
        }

        public void onConnected() {
            last = current;
        }

        public boolean updateServerList(Collection<InetSocketAddress> a, InetSocketAddress b) {
            return false;
        }
    }

    static List<InetSocketAddress> parseHosts(String s) {
        List<InetSocketAddress> l = new ArrayList<>();
        for (String h : s.split(",")) {
            int i = h.lastIndexOf(':');
            l.add(InetSocketAddress.createUnresolved(h.substring(0, i), Integer.parseInt(h.substring(i + 1))));
        }
        List<InetSocketAddress> r = new ArrayList<>();
        for (InetSocketAddress a : l) {
            r.add(new InetSocketAddress(a.getHostString(), a.getPort()));
        }
        return r;
    }

    static Object field(Object o, Class<?> c, String name) throws Exception {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f.get(o);
    }

    static Object cnxn(ZooKeeper zk) throws Exception {
        return field(zk, ZooKeeper.class, "cnxn");
    }

    static Object sendThread(ZooKeeper zk) throws Exception {
        Object c = cnxn(zk);
        return field(c, c.getClass(), "sendThread");
    }

    static Object socket(ZooKeeper zk) throws Exception {
        Object st = sendThread(zk);
        return field(st, st.getClass(), "clientCnxnSocket");
    }

    static int remotePort(ZooKeeper zk) {
        try {
            Method m = ZooKeeper.class.getDeclaredMethod("testableRemoteSocketAddress");
            m.setAccessible(true);
            SocketAddress a = (SocketAddress) m.invoke(zk);
            return a instanceof InetSocketAddress ? ((InetSocketAddress) a).getPort() : -1;
        } catch (Exception e) {
            return -1;
        }
    }

    /** The 3.5+ client takes a HostProvider; the 3.4 one always shuffles its own. */
    static Constructor<ZooKeeper> hostProviderConstructor(boolean renew) {
        try {
            return renew
                    ? ZooKeeper.class.getConstructor(String.class, int.class, Watcher.class, long.class, byte[].class,
                            boolean.class, HostProvider.class)
                    : ZooKeeper.class.getConstructor(String.class, int.class, Watcher.class, boolean.class,
                            HostProvider.class);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }

    /**
     * A handle whose host provider tries HOSTS in the order given. 3.5+: the Ordered provider. 3.4:
     * StaticHostProvider shuffles, so the handle gets DriverSocket34 (compiled for 3.4 only), a
     * ClientCnxnSocketNIO that connects to the i-th host of the given order on its i-th connect: the
     * provider's cycle, spin delay and onConnected are positional, so only the names in its log lines
     * differ from an unshuffled provider.
     */
    static ZooKeeper open(String hosts, int timeout, Watcher w, String sid, String passwd, String bind)
            throws Exception {
        long id = sid == null ? 0 : Long.parseUnsignedLong(sid.substring(2), 16);
        Constructor<ZooKeeper> c = hostProviderConstructor(sid != null);
        try {
            if (c != null) {
                Ordered hp = new Ordered(parseHosts(hosts));
                // A client a partition names: its sockets bound to its own loopback address.
                Class<?> s35 = bind == null ? null : Class.forName("org.apache.zookeeper.DriverSocket35");
                if (s35 != null) {
                    s35.getField("pendingBind").set(null, bind);
                    System.setProperty("zookeeper.clientCnxnSocket", s35.getName());
                }
                try {
                    return sid == null ? c.newInstance(hosts, timeout, w, false, hp)
                            : c.newInstance(hosts, timeout, w, id, unhex(passwd), false, hp);
                } finally {
                    if (s35 != null) {
                        s35.getField("pendingBind").set(null, null);
                        System.clearProperty("zookeeper.clientCnxnSocket");
                    }
                }
            }
        } catch (InvocationTargetException e) {
            throw (Exception) e.getCause();
        }
        Class<?> s34 = Class.forName("org.apache.zookeeper.DriverSocket34");
        s34.getField("pending").set(null, parseHosts(hosts));
        s34.getField("pendingBind").set(null, bind);
        System.setProperty("zookeeper.clientCnxnSocket", s34.getName());
        try {
            return sid == null ? new ZooKeeper(hosts, timeout, w, false)
                    : new ZooKeeper(hosts, timeout, w, id, unhex(passwd), false);
        } finally {
            s34.getField("pending").set(null, null);
            s34.getField("pendingBind").set(null, null);
        }
    }

    static void connect(String name, String hosts, int timeout, String sid, String passwd, String bind)
            throws Exception {
        ZooKeeper old = handles.remove(name);
        if (old != null) {
            kill(name, old);
        }
        dead.remove(name);
        final ZooKeeper[] self = new ZooKeeper[1];
        final CountDownLatch ready = new CountDownLatch(1);
        Watcher w = (WatchedEvent e) -> {
            if (e.getType() != Watcher.Event.EventType.None || dead.containsKey(name)) {
                return;
            }
            try {
                ready.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException ie) {
                return;
            }
            ZooKeeper zk = self[0];
            if (zk == null || handles.get(name) != zk) {
                return;
            }
            emit("ev", name, e.getState());
            if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                emit("conn", name, "0x" + Long.toHexString(zk.getSessionId()), zk.getSessionTimeout(),
                        hex(zk.getSessionPasswd()), remotePort(zk));
            } else if (e.getState() == Watcher.Event.KeeperState.Expired) {
                // onConnected stored the refused ConnectResponse's timeout (0) before closing.
                emit("refused", name, "0x" + Long.toHexString(zk.getSessionId()), zk.getSessionTimeout());
            }
        };
        ZooKeeper zk = open(hosts, timeout, w, sid.equals("-") ? null : sid, passwd, bind);
        self[0] = zk;
        handles.put(name, zk);
        ready.countDown();
    }

    /** The process dies: the socket closes, no closeSession is sent (ClientCnxn.disconnect). */
    static void kill(String name, ZooKeeper zk) throws Exception {
        dead.put(name, true);
        long ago = -1;
        try {
            Object sock = socket(zk);
            long lastSend = (Long) field(sock, Class.forName("org.apache.zookeeper.ClientCnxnSocket"), "lastSend");
            // 3.4.5/3.4.6 stamp it with the wall clock, later releases with the elapsed (nanoTime) one.
            long now = lastSend > 1_000_000_000_000L ? System.currentTimeMillis() : System.nanoTime() / 1_000_000;
            ago = now - lastSend;
        } catch (Exception e) {
            emit("error", enc("kill: lastSend: " + e));
        }
        emit("killed", name, ago);
        Object c = cnxn(zk);
        Method d = c.getClass().getDeclaredMethod("disconnect");
        d.setAccessible(true);
        Thread t = new Thread(() -> {
            try {
                d.invoke(c);
            } catch (Exception e) {
                emit("error", enc("kill: " + e));
            }
        });
        t.setDaemon(true);
        t.start();
    }

    @SuppressWarnings("removal")
    static void freeze(String name, long ms) throws Exception {
        ZooKeeper zk = handles.get(name);
        Thread st = (Thread) sendThread(zk);
        st.suspend();
        emit("frozen", name);
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                // resume anyway
            }
            st.resume();
            emit("thawed", name);
        });
        t.setDaemon(true);
        t.start();
    }

    /**
     * What ZooKeeper.close() does first (ClientCnxn.close: submitRequest(closeSession), then
     * disconnect), with the ReplyHeader's err kept: close() itself throws nothing either way, so
     * this is the only way to see whether the server closed the session (0) or the request was
     * lost (ConnectionLoss -4: e.g. sent while disconnected). The close() that follows finds the
     * handle closed (3.5+: waits for its threads to end).
     */
    static int closeSession(ZooKeeper zk) {
        try {
            Object c = cnxn(zk);
            Method sr = null;
            for (Method m : c.getClass().getMethods()) {
                if (m.getName().equals("submitRequest") && m.getParameterCount() == 4) {
                    sr = m;
                }
            }
            RequestHeader h = new RequestHeader();
            h.setType(ZooDefs.OpCode.closeSession);
            ReplyHeader r = (ReplyHeader) sr.invoke(c, h, null, null, null);
            // ClientCnxn.close's finally, at once (the server closes the socket after its reply:
            // the SendThread must not see that before the state is CLOSED, as in close()).
            Method d = c.getClass().getDeclaredMethod("disconnect");
            d.setAccessible(true);
            d.invoke(c);
            return r.getErr();
        } catch (Exception e) {
            emit("error", enc("close: submitRequest: " + e));
            return -4;
        }
    }

    /** close(waitForShutdownTimeoutMs) from 3.5; 3.4 has close() only. */
    static void close(ZooKeeper zk, int ms) throws Exception {
        try {
            Method m = ZooKeeper.class.getMethod("close", int.class);
            try {
                m.invoke(zk, ms);
            } catch (InvocationTargetException e) {
                throw (Exception) e.getCause();
            }
        } catch (NoSuchMethodException e) {
            zk.close();
        }
    }

    static String owner(Stat s) {
        return s == null ? "-" : "0x" + Long.toHexString(s.getEphemeralOwner());
    }

    static String version(Stat s) {
        return s == null ? "-" : Integer.toString(s.getVersion());
    }

    interface Done {
        void done(int rc, Stat s);
    }

    /** Issues one op; calls back once with its result code (and stat when there is one). */
    static void issue(ZooKeeper zk, String id, String kind, String path, String data, int version, boolean eph,
            boolean seq, Done then) {
        long issued = System.currentTimeMillis();
        Done report = (rc, s) -> {
            emit("res", id, kind, enc(path), rc, owner(s), version(s), issued);
            if (then != null) {
                then.done(rc, s);
            }
        };
        byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
        switch (kind) {
            case "create": {
                CreateMode m = eph ? (seq ? CreateMode.EPHEMERAL_SEQUENTIAL : CreateMode.EPHEMERAL)
                        : (seq ? CreateMode.PERSISTENT_SEQUENTIAL : CreateMode.PERSISTENT);
                // StringCallback: 3.4 has no Create2Callback (the create's Stat is not compared).
                zk.create(path, bytes, ZooDefs.Ids.OPEN_ACL_UNSAFE, m,
                        (AsyncCallback.StringCallback) (rc, p, ctx, name) -> report.done(rc, null), null);
                break;
            }
            case "set_data":
                zk.setData(path, bytes, version, (rc, p, ctx, stat) -> report.done(rc, stat), null);
                break;
            case "delete":
                zk.delete(path, version, (rc, p, ctx) -> report.done(rc, null), null);
                break;
            case "exists":
                zk.exists(path, false, (rc, p, ctx, stat) -> report.done(rc, stat), null);
                break;
            case "get_data":
                zk.getData(path, false, (rc, p, ctx, d, stat) -> report.done(rc, stat), null);
                break;
            case "sync":
                zk.sync(path, (rc, p, ctx) -> report.done(rc, null), null);
                break;
            default:
                emit("error", enc("unknown op " + kind));
        }
    }

    static void multi(ZooKeeper zk, String id, String spec) {
        List<Op> ops = new ArrayList<>();
        String first = "-";
        for (String one : spec.split(";")) {
            String[] f = one.split(",", -1);
            String kind = dec(f[0]);
            String path = dec(f[1]);
            byte[] data = dec(f[2]).getBytes(StandardCharsets.UTF_8);
            int version = Integer.parseInt(f[3]);
            boolean eph = f[4].equals("1");
            boolean seq = f[5].equals("1");
            if (first.equals("-")) {
                first = path;
            }
            switch (kind) {
                case "create":
                    ops.add(Op.create(path, data, ZooDefs.Ids.OPEN_ACL_UNSAFE,
                            eph ? (seq ? CreateMode.EPHEMERAL_SEQUENTIAL : CreateMode.EPHEMERAL)
                                    : (seq ? CreateMode.PERSISTENT_SEQUENTIAL : CreateMode.PERSISTENT)));
                    break;
                case "set_data":
                    ops.add(Op.setData(path, data, version));
                    break;
                case "delete":
                    ops.add(Op.delete(path, version));
                    break;
                case "check":
                    ops.add(Op.check(path, version));
                    break;
                default:
                    emit("error", enc("unknown multi op " + kind));
                    return;
            }
        }
        final long issued = System.currentTimeMillis();
        final String p0 = first;
        // The asynchronous multi (MultiCallback) came in 3.4.7: found by reflection, else the
        // synchronous one on a thread of its own.
        Class<?> cb = null;
        Method async = null;
        try {
            cb = Class.forName("org.apache.zookeeper.AsyncCallback$MultiCallback");
            async = ZooKeeper.class.getMethod("multi", Iterable.class, cb, Object.class);
        } catch (ClassNotFoundException | NoSuchMethodException e) {
            async = null;
        }
        if (async != null) {
            Object proxy = Proxy.newProxyInstance(cb.getClassLoader(), new Class<?>[] {cb}, (pr, m, a) -> {
                if (m.getName().equals("processResult")) {
                    emit("res", id, "multi", enc(p0), a[0], "-", "-", issued);
                }
                return null;
            });
            try {
                async.invoke(zk, ops, proxy, null);
            } catch (Exception e) {
                emit("error", enc("multi: " + e));
            }
            return;
        }
        Thread t = new Thread(() -> {
            int rc = 0;
            try {
                zk.multi(ops);
            } catch (KeeperException e) {
                rc = e.code().intValue();
            } catch (InterruptedException e) {
                rc = KeeperException.Code.CONNECTIONLOSS.intValue();
            }
            emit("res", id, "multi", enc(p0), rc, "-", "-", issued);
        });
        t.setDaemon(true);
        t.start();
    }

    static void register(ZooKeeper zk, String id, String style, String path, String data) {
        if (style.equals("exists-then-set")) {
            issue(zk, id + ".1", "exists", path, data, -1, false, false, (rc, s) -> {
                if (rc == 0) {
                    issue(zk, id + ".2", "set_data", path, data, -1, false, false, null);
                } else if (rc == -101) {
                    issue(zk, id + ".2", "create", path, data, -1, true, false, null);
                }
            });
        } else {
            issue(zk, id + ".1", "delete", path, data, -1, false, false, (rc, s) -> {
                if (rc == 0 || rc == -101) {
                    issue(zk, id + ".2", "create", path, data, -1, true, false, null);
                }
            });
        }
    }

    /** Reads the whole tree through a handle of its own (after the scenario; not compared). */
    static void tree(String hosts) throws Exception {
        CountDownLatch up = new CountDownLatch(1);
        ZooKeeper zk = new ZooKeeper(hosts, 4000, e -> {
            if (e.getState() == Watcher.Event.KeeperState.SyncConnected) {
                up.countDown();
            }
        });
        try {
            if (!up.await(15, TimeUnit.SECONDS)) {
                emit("error", "tree: no connection");
                return;
            }
            CountDownLatch synced = new CountDownLatch(1);
            zk.sync("/", (rc, p, ctx) -> synced.countDown(), null);
            synced.await(10, TimeUnit.SECONDS);
            walk(zk, "/");
        } finally {
            zk.close();
            emit("treedone");
        }
    }

    static void walk(ZooKeeper zk, String path) throws Exception {
        if (!path.equals("/") && !path.equals("/zookeeper")) {
            Stat s = new Stat();
            byte[] d = zk.getData(path, false, s);
            emit("node", enc(path), enc(d == null ? "" : new String(d, StandardCharsets.UTF_8)),
                    owner(s), s.getVersion());
        }
        if (path.equals("/zookeeper")) {
            return;
        }
        for (String c : zk.getChildren(path, false)) {
            walk(zk, path.equals("/") ? "/" + c : path + "/" + c);
        }
    }

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        emit("ready");
        String line;
        while ((line = in.readLine()) != null) {
            String[] f = line.split("\t", -1);
            try {
                switch (f[0]) {
                    case "connect":
                        connect(f[1], f[2], Integer.parseInt(f[3]), f[4], f[5], f.length > 6 && !f[6].equals("-") ? f[6] : null);
                        break;
                    case "op": {
                        ZooKeeper zk = handles.get(f[2]);
                        issue(zk, f[1], f[3], dec(f[4]), dec(f[5]), Integer.parseInt(f[6]), f[7].equals("1"),
                                f[8].equals("1"), null);
                        break;
                    }
                    case "multi":
                        multi(handles.get(f[2]), f[1], f[3]);
                        break;
                    case "register":
                        register(handles.get(f[2]), f[1], f[3], dec(f[4]), dec(f[5]));
                        break;
                    case "close": {
                        ZooKeeper zk = handles.get(f[2]);
                        String id = f[1];
                        long issued = System.currentTimeMillis();
                        Thread t = new Thread(() -> {
                            int rc = closeSession(zk);
                            try {
                                close(zk, 10000);
                            } catch (Exception e) {
                                rc = rc == 0 ? -4 : rc;
                            }
                            emit("res", id, "close", "-", rc, "-", "-", issued);
                        });
                        t.setDaemon(true);
                        t.start();
                        break;
                    }
                    case "kill": {
                        ZooKeeper zk = handles.get(f[1]);
                        if (zk != null) {
                            kill(f[1], zk);
                        }
                        break;
                    }
                    case "freeze":
                        freeze(f[1], Long.parseLong(f[2]));
                        break;
                    case "warmup": {
                        ZooKeeper zk = new ZooKeeper(f[1], 4000, e -> { });
                        zk.exists("/", false, (rc, p, ctx, st) -> { }, null);
                        Thread.sleep(300);
                        close(zk, 1000);
                        Stat s0 = new Stat();
                        owner(s0);
                        emit("warm");
                        break;
                    }
                    case "tree":
                        tree(f[1]);
                        break;
                    case "quit":
                        emit("bye");
                        System.exit(0);
                        break;
                    default:
                        emit("error", enc("unknown command " + f[0]));
                }
            } catch (Exception e) {
                emit("error", enc(f[0] + ": " + e));
            }
        }
        System.exit(0);
    }
}
