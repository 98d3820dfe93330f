// Compiled into the driver for a 3.4 client only (its ClientCnxnSocketNIO() constructor and
// package-private connect(InetSocketAddress) are 3.4's; 3.5 takes a ZKClientConfig).
//
// 3.4's ZooKeeper has no constructor taking a HostProvider, and its StaticHostProvider shuffles the
// connect string. The driver names this class in zookeeper.clientCnxnSocket and sets `pending` to
// the order the simulated client tried its servers in, just before it constructs a handle; the
// handle's socket then connects, on its i-th connect, to the i-th host of that order (cyclically).
// StaticHostProvider.next's cycle, its spin delay on coming back round, and onConnected are all
// positional, so the handle behaves as an unshuffled provider would; only the server named in
// ClientCnxn's "Opening socket connection" log line may differ from the one connected to.
// `pendingBind`, when set, binds every socket of the handle to that loopback address (the
// partitions' nftables rules tell clients apart by it; see DriverSocket35).
package org.apache.zookeeper;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.List;

public class DriverSocket34 extends ClientCnxnSocketNIO {
    /** The order for the next handle constructed; null: connect where the provider says. */
    public static volatile List<InetSocketAddress> pending;

    /** The local address for the next handle constructed; null: the kernel's choice. */
    public static volatile String pendingBind;

    private final List<InetSocketAddress> order;
    private final String bind;
    private int next;

    public DriverSocket34() throws IOException {
        super();
        order = pending;
        pending = null;
        bind = pendingBind;
        pendingBind = null;
    }

    @Override
    SocketChannel createSock() throws IOException {
        SocketChannel sock = super.createSock();
        if (bind != null) {
            sock.bind(new InetSocketAddress(bind, 0));
        }
        return sock;
    }

    @Override
    void connect(InetSocketAddress addr) throws IOException {
        if (order == null || order.isEmpty()) {
            super.connect(addr);
            return;
        }
        InetSocketAddress a = order.get(next % order.size());
        next++;
        super.connect(a);
    }
}
