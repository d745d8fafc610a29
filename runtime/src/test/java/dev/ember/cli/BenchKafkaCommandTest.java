package dev.ember.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.function.FunctionEndpoint;
import dev.ember.function.FunctionGateway;
import dev.ember.function.FunctionInfo;
import dev.ember.function.FunctionInstance;
import dev.ember.function.FunctionManifest;
import dev.ember.function.ServingMetrics;
import dev.ember.kafka.KafkaBrokerProcess;
import dev.ember.kafka.KafkaDoor;
import dev.ember.kafka.KafkaDoorOptions;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code ember bench kafka} against the demo function behind a real Kafka door and a real Kafka 4.1 broker. */
class BenchKafkaCommandTest {
  private static final String TOPIC = "bench.requests";
  private static KafkaBrokerProcess broker;
  private static Vertx vertx;
  private static FunctionInstance demo;
  private static KafkaDoor door;
  private final ByteArrayOutputStream log = new ByteArrayOutputStream();

  @BeforeAll
  static void startBrokerDoorAndFunction() throws Exception {
    broker = KafkaBrokerProcess.start();
    broker.createTopic(TOPIC, 2);
    vertx = Vertx.vertx();
    demo = new FunctionInstance(vertx, FunctionManifest.of("demo", FunctionManifest.ModelSpec.EMBEDDED_DEMO, null),
        ServingMetrics.NOOP);
    demo.warm().await(120, TimeUnit.SECONDS);
    FunctionGateway gateway = new FunctionGateway() {
      @Override
      public Optional<FunctionEndpoint> function(String name) {
        return name.equals("demo") ? Optional.of(demo) : Optional.empty();
      }

      @Override
      public List<FunctionInfo> list() {
        return List.of(demo.info());
      }
    };
    KafkaDoorOptions options = new KafkaDoorOptions().setBootstrapServers(broker.bootstrap())
        .addFunction("demo", new FunctionManifest.Kafka(true, TOPIC, "ember.bench", 8));
    door = KafkaDoor.start(vertx, gateway, options).await(60, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stopAll() throws Exception {
    if (door != null) {
      door.close().await(30, TimeUnit.SECONDS);
    }
    if (vertx != null) {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
    if (broker != null) {
      broker.close();
    }
  }

  private ServingReport run(String... extra) throws Exception {
    BenchKafkaCommand cmd = new BenchKafkaCommand();
    String[] base = {"--bootstrap", broker.bootstrap(), "--topic", TOPIC, "--requests", "6", "--concurrency", "3",
        "--prompt-len", "24", "--gen", "5"};
    new CommandLine(cmd).parseArgs(Stream.concat(Stream.of(base), Stream.of(extra)).toArray(String[]::new));
    return cmd.run(new PrintStream(log, true, StandardCharsets.UTF_8));
  }

  @Test
  void oneRecordRepliesAreTimedEndToEndWithTheUsageTokenCounts() throws Exception {
    ServingReport r = run("--function", "demo");

    assertEquals(6, r.completed(), log.toString(StandardCharsets.UTF_8));
    assertEquals(0, r.failed());
    assertEquals(6 * 5, r.outputTokens());
    assertEquals(0, r.itl.count(), "a whole reply has no gaps between tokens");
    assertTrue(r.ttft.percentileMs(50) <= r.e2e.percentileMs(50), "the first text is the final record");
    assertTrue(r.outputTokensPerSecond() > 0);
  }

  @Test
  void streamedRepliesAreTimedPerChunkRecord() throws Exception {
    ServingReport r = run("--function", "demo", "--stream");

    assertEquals(6, r.completed(), log.toString(StandardCharsets.UTF_8));
    assertEquals(6 * 5, r.outputTokens());
    assertTrue(r.itl.count() > 0, "gaps between the chunk records");
    assertTrue(r.ttft.percentileMs(50) < r.e2e.percentileMs(50));
  }

  @Test
  void completionPromptsAreCalibratedToAboutThePromptLength() throws Exception {
    ServingReport r = run("--function", "demo", "--endpoint", "completions");

    double perRequest = r.promptTokens() / 6.0;
    assertTrue(perRequest >= 18 && perRequest <= 30, "about 24 prompt tokens, got " + perRequest);
  }

  @Test
  void errorRepliesCountAsFailures() throws Exception {
    ServingReport r = run("--function", "nosuch");

    assertEquals(0, r.completed());
    assertEquals(6, r.failed());
    String out = log.toString(StandardCharsets.UTF_8);
    assertTrue(out.contains("error reply") && out.contains("nosuch"), out);
  }
}
