package dev.ember.cli;

import dev.ember.function.FunctionManifest;
import dev.ember.kafka.EmberKafkaHeaders;
import dev.ember.kafka.KafkaRequester;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ember bench kafka}: end-to-end latency and throughput of a function over the Kafka door, with
 * {@code --concurrency} requests outstanding at a time: p50/p99 from send to final reply, and generated
 * tokens per second over the whole run.
 *
 * <pre>{@code ember bench kafka --bootstrap localhost:9092 --function demo --requests 200 --concurrency 16}</pre>
 */
@Command(name = "kafka", mixinStandardHelpOptions = true,
    description = "End-to-end latency (p50/p99) and tok/s of a function invoked over Kafka.")
public final class BenchKafkaCommand implements Callable<Integer> {
  @Option(names = "--bootstrap", required = true, description = "Kafka bootstrap servers, HOST:PORT.")
  String bootstrap;

  @Option(names = "--kafka-property", description = "Kafka client property key=value; repeatable.")
  List<String> properties = List.of();

  @Option(names = "--function", required = true, description = "Function name.")
  String function;

  @Option(names = "--topic", description = "Request topic (default ember.<function>.requests).")
  String topic;

  @Option(names = "--requests", defaultValue = "100", description = "Requests to send (default ${DEFAULT-VALUE}).")
  int requests;

  @Option(names = "--concurrency", defaultValue = "8", description = "Requests outstanding at once (default ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(names = "--max-tokens", defaultValue = "64", description = "max_tokens per request (default ${DEFAULT-VALUE}).")
  int maxTokens;

  @Override
  public Integer call() throws Exception {
    String requestTopic = topic != null ? topic : FunctionManifest.Kafka.defaults(function).requestTopic();
    String json = new JsonObject().put("model", function)
        .put("messages", List.of(Map.of("role", "user", "content", "Write a short story about a lighthouse.")))
        .put("max_tokens", maxTokens).put("ignore_eos", true).encode();
    LatencyStats latency = new LatencyStats();
    AtomicLong tokens = new AtomicLong();
    AtomicInteger errors = new AtomicInteger();
    Semaphore slots = new Semaphore(concurrency);
    try (KafkaRequester k = KafkaRequester.connect(bootstrap, InvokeCommand.parse(properties))) {
      CompletableFuture<?>[] all = new CompletableFuture<?>[requests];
      long t0 = System.nanoTime();
      for (int i = 0; i < requests; i++) {
        slots.acquire();
        long sent = System.nanoTime();
        all[i] = k.request(requestTopic, function, json, r -> { }).whenComplete((last, e) -> {
          slots.release();
          if (e != null || KafkaRequester.header(last, EmberKafkaHeaders.ERROR) != null) {
            errors.incrementAndGet();
            return;
          }
          latency.add(System.nanoTime() - sent);
          JsonObject body = new JsonObject(new String(last.value(), StandardCharsets.UTF_8));
          tokens.addAndGet(body.getJsonObject("usage").getLong("completion_tokens"));
        });
      }
      CompletableFuture.allOf(all).exceptionally(e -> null).get(1, TimeUnit.HOURS);
      double seconds = (System.nanoTime() - t0) / 1e9;
      System.out.printf("requests %d  concurrency %d  errors %d  wall %.2f s%n", requests, concurrency, errors.get(), seconds);
      System.out.printf("end-to-end latency  p50 %.1f ms  p99 %.1f ms  mean %.1f ms%n", latency.percentileMs(50),
          latency.percentileMs(99), latency.meanMs());
      System.out.printf("generated %d tokens  %.1f tok/s%n", tokens.get(), tokens.get() / seconds);
      return errors.get() == 0 ? 0 : 1;
    }
  }
}
