package dev.ember.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ember.function.FunctionManifest;
import dev.ember.kafka.KafkaRequester;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ember bench kafka}: the load of {@code ember bench serve}, sent through the Kafka door, with the
 * same figures. The requests are the same (prompts of about {@code --prompt-len} tokens of random words
 * from the same seed, calibrated with the function's own token count of a calibration prompt;
 * {@code max_tokens = --gen}, {@code ignore_eos}, greedy), so the two commands' results compare the doors
 * and not the work. {@code --concurrency} requests are outstanding at a time; with {@code --stream} the
 * replies are streamed records and TTFT and inter-token latency are measured from them, otherwise each
 * reply is one record and TTFT is its end-to-end time.
 *
 * <pre>{@code ember bench kafka --bootstrap localhost:9092 --function demo --requests 64 --concurrency 16 --prompt-len 16 --gen 128}</pre>
 */
@Command(name = "kafka", mixinStandardHelpOptions = true,
    description = "Load a function over Kafka with bench serve's requests and print the same latency and throughput figures.")
public final class BenchKafkaCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** How long the calibration request may take: it may have to wake a cold function. */
  private static final long CALIBRATION_TIMEOUT_S = 600;

  @Option(names = "--bootstrap", required = true, description = "Kafka bootstrap servers, HOST:PORT.")
  String bootstrap;

  @Option(names = "--kafka-property", description = "Kafka client property key=value; repeatable.")
  List<String> properties = List.of();

  @Option(names = "--function", required = true, description = "Function name.")
  String function;

  @Option(names = "--topic", description = "Request topic (default ember.<function>.requests).")
  String topic;

  @Mixin
  ServingLoad load = new ServingLoad();

  @Option(names = "--stream", description = "Ask for streamed replies (a record per chunk).")
  boolean stream;

  @Override
  public Integer call() throws Exception {
    ServingReport report = run(System.out);
    report.print(System.out);
    return report.failed() == 0 ? 0 : 1;
  }

  /** Calibrates the prompt length, runs the load and returns the figures; progress notes go to {@code log}. */
  ServingReport run(PrintStream log) throws Exception {
    load.validate();
    String requestTopic = topic != null ? topic : FunctionManifest.Kafka.defaults(function).requestTopic();
    try (KafkaRequester k = KafkaRequester.connect(bootstrap, InvokeCommand.parse(properties))) {
      int promptWords = BenchPrompts.words(load.promptLen, calibrate(k, requestTopic, log));
      log.printf("%s via %s%s: %s%n", function, requestTopic, stream ? " (streamed)" : "", load.describe(promptWords));
      ServingReport report = new ServingReport();
      AtomicReference<String> firstError = new AtomicReference<>();
      Semaphore slots = new Semaphore(load.concurrency);
      CompletableFuture<?>[] all = new CompletableFuture<?>[load.requests];
      long t0 = System.nanoTime();
      for (int i = 0; i < load.requests; i++) {
        String body = load.body(function, BenchPrompts.request(load.seed, i, promptWords), stream).toString();
        slots.acquire();
        Timed timed = new Timed(System.nanoTime());
        all[i] = k.request(requestTopic, function, body, timed::accept).whenComplete((last, e) -> {
          slots.release();
          try {
            report.add(timed.finish(e));
          } catch (IOException | RuntimeException failure) {
            report.fail();
            firstError.compareAndSet(null, failure.toString());
          }
        });
      }
      CompletableFuture.allOf(all).exceptionally(e -> null).get(1, TimeUnit.HOURS);
      report.wallNanos = System.nanoTime() - t0;
      if (firstError.get() != null) {
        log.println("first failure: " + firstError.get());
      }
      return report;
    }
  }

  /** The function's token count of the calibration prompt (a completion of one token), or 0 if it fails. */
  private int calibrate(KafkaRequester k, String requestTopic, PrintStream log) throws InterruptedException {
    ObjectNode body = JSON.createObjectNode().put("model", function).put("prompt", BenchPrompts.calibration(load.seed))
        .put("max_tokens", 1).put("temperature", 0.0);
    try {
      ConsumerRecord<byte[], byte[]> reply = k.request(requestTopic, function, body.toString(), r -> { })
          .get(CALIBRATION_TIMEOUT_S, TimeUnit.SECONDS);
      int count = JSON.readTree(reply.value()).path("usage").path("prompt_tokens").asInt(0);
      if (count == 0) {
        log.println("the calibration request got no usage; assuming one token per word");
      }
      return count;
    } catch (ExecutionException | TimeoutException | IOException e) {
      log.println("the calibration request failed (" + e + "); assuming one token per word");
      return 0;
    }
  }

  /** One request's reply records, timed as they arrive on the requester's poll thread. */
  private static final class Timed {
    private final ReplyTimer timer;
    private IOException failure;

    Timed(long sentNanos) {
      timer = new ReplyTimer(sentNanos);
    }

    void accept(ConsumerRecord<byte[], byte[]> r) {
      long now = System.nanoTime();
      if (failure != null) {
        return;
      }
      try {
        timer.event(JSON.readTree(r.value()), now);
      } catch (IOException e) {
        failure = e;
      }
    }

    /** The timing once the final record arrived, or the reason the request failed. */
    RequestTiming finish(Throwable sendFailure) throws IOException {
      long now = System.nanoTime();
      if (sendFailure != null) {
        throw new IOException("the request could not be sent: " + sendFailure, sendFailure);
      }
      if (failure != null) {
        throw failure;
      }
      return timer.finish(now);
    }
  }
}
