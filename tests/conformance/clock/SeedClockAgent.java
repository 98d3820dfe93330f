/*
 * seedclock: a Java agent that pins the clock read a ZooKeeper server seeds its session ids from.
 *
 *   java -javaagent:seedclock.jar=<millis> ... org.apache.zookeeper.server.quorum.QuorumPeerMain zoo.cfg
 *
 * It rewrites one thing: inside org.apache.zookeeper.server.SessionTrackerImpl's static
 * initializeNextSession(long) (3.4.x to 3.5.x; 3.5.x also has initializeNextSessionId(long)) and
 * initializeNextSessionId(long) (3.6+), every call of the clock the id is seeded from
 * (java.lang.System.currentTimeMillis() up to 3.4.6, org.apache.zookeeper.common.Time
 * .currentElapsedTime() from 3.4.14) becomes the constant <millis>. Both have the descriptor ()J and
 * are replaced by an ldc2_w of a long: the same stack effect, so no frame or max changes. Nothing
 * else in the class or the JVM is touched: the tracker's expiry clock, every other clock read and
 * every timer stay the release's own.
 *
 * `<millis>,once` (conform.py's 3.4.5 collision runs): only the first seeding of the JVM gets
 * <millis>; every later one (a server that re-seeds in the same JVM after a new election: a new
 * LearnerSessionTracker or leader SessionTrackerImpl) reads the release's own clock (the wall
 * clock for currentTimeMillis, nanoTime/1e6 for currentElapsedTime), so later seedings are
 * later, as they are in an unpinned run. The call is then replaced by an invokestatic of
 * SeedClockAgent.seedWall()J / seedElapsed()J (same ()J descriptor, same stack effect).
 *
 * Loud, never silent: at premain the class file is read from the class path and the rewrite is
 * tried; if the class, the method or the call is missing the agent prints "seedclock: FATAL ..." to
 * stderr and halts the JVM with status 86 before ZooKeeper starts. When the class is really loaded
 * and rewritten, it prints one line "seedclock: instrumented ..." to stderr; if that rewrite fails
 * it halts with 86 too.
 */
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.List;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

public final class SeedClockAgent implements ClassFileTransformer {
    static final String TARGET = "org/apache/zookeeper/server/SessionTrackerImpl";
    static final String[] METHODS = {"initializeNextSession", "initializeNextSessionId"};
    static final String[][] CLOCKS = {
        {"java/lang/System", "currentTimeMillis"},
        {"org/apache/zookeeper/common/Time", "currentElapsedTime"},
    };

    private final long millis;
    private final boolean once;
    static volatile long MILLIS;
    static final java.util.concurrent.atomic.AtomicBoolean USED = new java.util.concurrent.atomic.AtomicBoolean();

    private SeedClockAgent(long millis, boolean once) { this.millis = millis; this.once = once; }

    /** `once` mode, a replaced System.currentTimeMillis(): the pinned value the first time. */
    public static long seedWall() {
        return USED.compareAndSet(false, true) ? MILLIS : System.currentTimeMillis();
    }

    /** `once` mode, a replaced Time.currentElapsedTime() (= nanoTime / 1e6). */
    public static long seedElapsed() {
        return USED.compareAndSet(false, true) ? MILLIS : System.nanoTime() / 1000000;
    }

    static void fatal(String msg, Throwable t) {
        System.err.println("seedclock: FATAL " + msg);
        if (t != null) t.printStackTrace();
        System.err.flush();
        Runtime.getRuntime().halt(86);
    }

    public static void premain(String args, Instrumentation inst) {
        long ms = 0;
        boolean once = false;
        String a = args == null ? "" : args.trim();
        if (a.endsWith(",once")) {
            once = true;
            a = a.substring(0, a.length() - ",once".length());
        }
        try {
            ms = Long.parseLong(a);
        } catch (NumberFormatException e) {
            fatal("agent argument must be the seed clock value in ms, got '" + args + "'", null);
        }
        MILLIS = ms;
        SeedClockAgent agent = new SeedClockAgent(ms, once);
        // Dry run on the class file as found on the class path: fail before ZooKeeper starts.
        byte[] bytes = null;
        try (InputStream in = ClassLoader.getSystemResourceAsStream(TARGET + ".class")) {
            if (in != null) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                byte[] buf = new byte[8192];
                for (int n; (n = in.read(buf)) > 0; ) out.write(buf, 0, n);
                bytes = out.toByteArray();
            }
        } catch (Exception e) {
            fatal("cannot read " + TARGET + ".class from the class path", e);
        }
        if (bytes == null) fatal(TARGET + ".class is not on the class path", null);
        Result dry = agent.rewrite(bytes);
        if (dry.error != null) fatal(dry.error, null);
        inst.addTransformer(agent, false);
    }

    static final class Result {
        byte[] bytes;
        String error;
        final List<String> done = new ArrayList<>();
    }

    Result rewrite(byte[] classfile) {
        final Result r = new Result();
        final List<String> found = new ArrayList<>();
        ClassReader cr = new ClassReader(classfile);
        ClassWriter cw = new ClassWriter(cr, 0); // same stack effect: maxs and frames unchanged
        cr.accept(new ClassVisitor(Opcodes.ASM9, cw) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String sig, String[] exc) {
                MethodVisitor mv = super.visitMethod(access, name, desc, sig, exc);
                boolean target = false;
                for (String m : METHODS) target |= m.equals(name);
                if (!target || !"(J)J".equals(desc) || (access & Opcodes.ACC_STATIC) == 0) return mv;
                final String where = name + desc;
                found.add(where);
                return new MethodVisitor(Opcodes.ASM9, mv) {
                    int replaced;
                    String what;
                    @Override
                    public void visitMethodInsn(int op, String owner, String mname, String mdesc, boolean itf) {
                        if (op == Opcodes.INVOKESTATIC && "()J".equals(mdesc)) {
                            for (String[] c : CLOCKS) {
                                if (c[0].equals(owner) && c[1].equals(mname)) {
                                    if (once) {
                                        super.visitMethodInsn(Opcodes.INVOKESTATIC, "SeedClockAgent",
                                            c[1].equals("currentTimeMillis") ? "seedWall" : "seedElapsed", "()J", false);
                                    } else {
                                        super.visitLdcInsn(Long.valueOf(millis));
                                    }
                                    replaced++;
                                    what = owner.replace('/', '.') + "." + mname + "()";
                                    return;
                                }
                            }
                        }
                        super.visitMethodInsn(op, owner, mname, mdesc, itf);
                    }
                    @Override
                    public void visitEnd() {
                        if (replaced == 0) {
                            if (r.error == null) r.error = "no clock call (System.currentTimeMillis() or"
                                + " Time.currentElapsedTime()) in " + TARGET.replace('/', '.') + "." + where;
                        } else {
                            r.done.add(where + ": " + replaced + " call(s) of " + what);
                        }
                        super.visitEnd();
                    }
                };
            }
        }, 0);
        if (found.isEmpty() && r.error == null) {
            r.error = "no static initializeNextSession(J)J or initializeNextSessionId(J)J in "
                + TARGET.replace('/', '.');
        }
        r.bytes = cw.toByteArray();
        return r;
    }

    @Override
    public byte[] transform(ClassLoader loader, String name, Class<?> cls, ProtectionDomain pd, byte[] bytes) {
        if (!TARGET.equals(name)) return null;
        try {
            Result r = rewrite(bytes);
            if (r.error != null) fatal(r.error, null);
            System.err.println("seedclock: instrumented " + TARGET.replace('/', '.') + " "
                + String.join("; ", r.done) + (once ? " -> " + millis + " the first time, then the clock" : " -> constant " + millis));
            System.err.flush();
            return r.bytes;
        } catch (Throwable t) {
            fatal("rewriting " + name + " failed", t);
            return null;
        }
    }
}
