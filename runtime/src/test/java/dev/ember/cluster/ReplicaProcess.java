package dev.ember.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real {@code ember serve --cluster} replica in a child JVM on loopback, serving the demo function,
 * started from this JVM's test classpath with the JDK flags Hazelcast needs (the same ones the
 * {@code ember} launcher passes). Its output goes to a log file; it is ready once it prints its
 * listening address.
 *
 * <pre>{@code try (ReplicaProcess b = ReplicaProcess.start(home, "b", port, members)) { b.url("/cluster"); } }</pre>
 */
final class ReplicaProcess implements AutoCloseable {
  /** What Hazelcast needs opened on JDK 17+ (also in the ember launcher script). */
  static final List<String> HAZELCAST_JVM_FLAGS = List.of("--add-modules", "java.se",
      "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/java.nio=ALL-UNNAMED",
      "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens", "java.management/sun.management=ALL-UNNAMED",
      "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
  private static final Pattern LISTENING = Pattern.compile("Ember listening on http://[^:]+:(\\d+)");

  private final String name;
  private final int clusterPort;
  private final Path log;
  private final Process process;
  private int httpPort;

  private ReplicaProcess(String name, int clusterPort, Path log, Process process) {
    this.name = name;
    this.clusterPort = clusterPort;
    this.log = log;
    this.process = process;
  }

  /** Launches the replica; use {@link #awaitListening()} or {@link #awaitExit()}. */
  static ReplicaProcess launch(Path home, String name, int clusterPort, List<String> members, String... extra)
      throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx384m", "-Xss4m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED"));
    cmd.addAll(HAZELCAST_JVM_FLAGS);
    cmd.addAll(List.of("-Dai.djl.offline=true", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0",
        "-Dorg.bytedeco.javacpp.maxBytes=0", "-Dember.home=" + home,
        "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
        "dev.ember.cli.EmberCommand", "serve", "--host", "127.0.0.1", "--port", "0", "--threads", "1",
        "--kv-cache-memory", "64MiB", "--shutdown-timeout", "10s",
        "--cluster", "--cluster-host", "127.0.0.1", "--cluster-port", Integer.toString(clusterPort),
        "--cluster-members", String.join(",", members), "--replica-name", name,
        "--cluster-heartbeat", "1s", "--cluster-failure-detection", "3s"));
    cmd.addAll(List.of(extra));
    Path log = home.resolve(name + "-" + clusterPort + ".log");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    return new ReplicaProcess(name, clusterPort, log, p);
  }

  static ReplicaProcess start(Path home, String name, int clusterPort, List<String> members, String... extra)
      throws IOException, InterruptedException {
    ReplicaProcess r = launch(home, name, clusterPort, members, extra);
    r.awaitListening();
    return r;
  }

  /** Waits for the listening banner (the functions are deployed by then). */
  void awaitListening() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      Matcher m = LISTENING.matcher(Files.readString(log));
      if (m.find()) {
        httpPort = Integer.parseInt(m.group(1));
        return;
      }
      if (!process.isAlive()) {
        throw new IllegalStateException("replica " + name + " exited with " + process.exitValue() + ": " + logTail());
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("replica " + name + " did not start within " + START_TIMEOUT + ": " + logTail());
  }

  /** Waits for the process to end by itself; returns its exit code. */
  int awaitExit() throws InterruptedException {
    if (!process.waitFor(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("replica " + name + " is still running: " + logTail());
    }
    return process.exitValue();
  }

  String name() {
    return name;
  }

  /** host:port of its Hazelcast member. */
  String member() {
    return "127.0.0.1:" + clusterPort;
  }

  String url(String path) {
    return "http://127.0.0.1:" + httpPort + path;
  }

  String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String logTail() {
    String out = log();
    return out.length() > 6000 ? out.substring(out.length() - 6000) : out;
  }

  /** SIGTERM: the replica shuts down gracefully (the call returns at once). */
  void terminate() {
    process.destroy();
  }

  /** kill -9: no shutdown hook, no goodbye to the cluster. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        kill();
      }
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
