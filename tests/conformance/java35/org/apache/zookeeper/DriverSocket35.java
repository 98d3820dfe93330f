// Compiled into the driver for a 3.5+ client only (its ClientCnxnSocketNIO takes a ZKClientConfig).
//
// A partition that names a client needs that client's packets to be told apart from the other
// handles' in the one driver JVM: the harness gives each such client a loopback address of its
// own (127.0.0.10 + its index) and its nftables rules match it. ZooKeeper's client never binds
// its socket, so the driver names this class in zookeeper.clientCnxnSocket and sets `pendingBind`
// just before it constructs the handle; every socket the handle opens is then bound to that
// address before it connects (createSock is package-private in every release from 3.4.5 to 3.9.4:
// this class lives in the client's package for that). Nothing else differs from
// ClientCnxnSocketNIO.
package org.apache.zookeeper;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import org.apache.zookeeper.client.ZKClientConfig;

public class DriverSocket35 extends ClientCnxnSocketNIO {
    /** The local address for the next handle constructed; null: the kernel's choice. */
    public static volatile String pendingBind;

    private final String bind;

    public DriverSocket35(ZKClientConfig clientConfig) throws IOException {
        super(clientConfig);
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
}
