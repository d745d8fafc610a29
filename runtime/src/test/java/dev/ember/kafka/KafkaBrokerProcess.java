package dev.ember.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * A real Apache Kafka 4.x broker (KRaft, broker and controller in one node) on loopback, run as a child
 * JVM from the jars that the {@code kafka-broker} module resolves into its {@code target/lib} (the broker
 * needs kafka-clients 4.x; this JVM has Vert.x's 3.7). Stop and start again keep the data directory and
 * the ports, so a test can take the broker away and bring it back.
 *
 * <pre>{@code try (KafkaBrokerProcess broker = KafkaBrokerProcess.start()) { broker.createTopic("t", 3); } }</pre>
 */
public final class KafkaBrokerProcess implements AutoCloseable {
  /** System property naming the broker's classpath directory (set by the runtime's surefire configuration). */
  static final String LIB_PROPERTY = "ember.kafka.broker.lib";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

  private final Path dir;
  private final int port;
  private final int controllerPort;
  private Process process;

  private KafkaBrokerProcess(Path dir, int port, int controllerPort) {
    this.dir = dir;
    this.port = port;
    this.controllerPort = controllerPort;
  }

  /** Formats a fresh data directory, starts the broker and waits until it answers a metadata request. */
  public static KafkaBrokerProcess start() throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("ember-kafka-");
    KafkaBrokerProcess broker = new KafkaBrokerProcess(dir, freePort(), freePort());
    broker.writeConfig();
    broker.format();
    broker.launch();
    return broker;
  }

  public String bootstrap() {
    return "127.0.0.1:" + port;
  }

  /** Stops the broker (controlled shutdown, forced after a deadline); the data stays. */
  void stop() throws InterruptedException {
    if (process == null) {
      return;
    }
    process.destroy();
    if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }
    process = null;
  }

  /** Starts the stopped broker again on the same ports and data. */
  void restart() throws IOException, InterruptedException {
    if (process == null) {
      launch();
    }
  }

  public void createTopic(String name, int partitions) throws Exception {
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
  }

  Admin admin() {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
  }

  @Override
  public void close() throws Exception {
    stop();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private void writeConfig() throws IOException {
    String props = String.join("\n",
        "process.roles=broker,controller",
        "node.id=1",
        "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
        "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
        "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
        "controller.listener.names=CONTROLLER",
        "inter.broker.listener.name=PLAINTEXT",
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs=" + dir.resolve("data"),
        "num.partitions=1",
        "offsets.topic.replication.factor=1",
        "offsets.topic.num.partitions=1",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1",
        "group.initial.rebalance.delay.ms=0",
        "");
    Files.writeString(dir.resolve("server.properties"), props, StandardCharsets.UTF_8);
    String log = String.join("\n",
        "rootLogger.level=WARN",
        "rootLogger.appenderRef.file.ref=file",
        "appender.file.type=File",
        "appender.file.name=file",
        "appender.file.fileName=" + dir.resolve("broker.log"),
        "appender.file.layout.type=PatternLayout",
        "appender.file.layout.pattern=%d %p %c{1} %m%n",
        "");
    Files.writeString(dir.resolve("log4j2.properties"), log, StandardCharsets.UTF_8);
  }

  private void format() throws IOException, InterruptedException {
    byte[] id = new byte[16];
    new SecureRandom().nextBytes(id);
    String clusterId = Base64.getUrlEncoder().withoutPadding().encodeToString(id);
    Process p = new ProcessBuilder(command("kafka.tools.StorageTool", "format",
        // "=" keeps an id that starts with '-' (URL-safe base64) from reading as an option
        "--cluster-id=" + clusterId, "--config", dir.resolve("server.properties").toString()))
        .redirectErrorStream(true).redirectOutput(dir.resolve("format.log").toFile()).start();
    if (!p.waitFor(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException("formatting the broker's storage failed: " + Files.readString(dir.resolve("format.log")));
    }
  }

  private void launch() throws IOException, InterruptedException {
    process = new ProcessBuilder(command("kafka.Kafka", dir.resolve("server.properties").toString()))
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("stdout.log").toFile()))
        .start();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
      while (true) {
        if (!process.isAlive()) {
          throw new IllegalStateException("the broker exited with " + process.exitValue() + ": " + logTail());
        }
        try {
          admin.describeCluster().nodes().get(2, TimeUnit.SECONDS);
          return;
        } catch (ExecutionException | TimeoutException e) {
          if (System.nanoTime() > deadline) {
            stop();
            throw new IllegalStateException("the broker did not answer within " + START_TIMEOUT + ": " + logTail());
          }
        }
      }
    }
  }

  private List<String> command(String mainClass, String... args) {
    Path lib = Paths.get(System.getProperty(LIB_PROPERTY, "../kafka-broker/target/lib"));
    if (!Files.isDirectory(lib)) {
      throw new IllegalStateException("no broker classpath at " + lib.toAbsolutePath()
          + "; build the kafka-broker module first (mvn -pl runtime -am ...)");
    }
    List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xms128m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Dlog4j2.configurationFile=" + dir.resolve("log4j2.properties"),
        "-cp", lib.toAbsolutePath() + "/*", mainClass));
    cmd.addAll(List.of(args));
    return cmd;
  }

  private String logTail() {
    try {
      String out = Files.exists(dir.resolve("broker.log")) ? Files.readString(dir.resolve("broker.log")) : "";
      out += Files.exists(dir.resolve("stdout.log")) ? Files.readString(dir.resolve("stdout.log")) : "";
      return out.length() > 4000 ? out.substring(out.length() - 4000) : out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
