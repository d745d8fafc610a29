package dev.ember.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code ember bench serve}: loads an OpenAI-compatible server over HTTP like {@code vllm bench serve}.
 * {@code --concurrency} clients send streaming chat (or completion) requests back to back until
 * {@code --requests} have finished, each with {@code ignore_eos} and {@code max_tokens = --gen} and a
 * prompt of about {@code --prompt-len} tokens of random words (words per token calibrated once with
 * {@code POST /tokenize} when the server has it). Prints TTFT, TPOT, inter-token and end-to-end
 * latency (mean, p50, p99), request/s and output tok/s. Talks to the server only through HTTP.
 *
 * <pre>{@code ember bench serve --url http://127.0.0.1:8000 --model r1-qwen-1.5b --requests 64 --concurrency 8 --prompt-len 256 --gen 128}</pre>
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Load an OpenAI-compatible server over HTTP (streaming) and print latency and throughput.")
public final class BenchServeCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(names = "--url", defaultValue = "http://127.0.0.1:8000", description = "Server base URL (default ${DEFAULT-VALUE}).")
  String url;

  @Option(names = "--model", required = true, description = "Function (model) name to request.")
  String model;

  @Mixin
  ServingLoad load = new ServingLoad();

  @Option(names = "--api-key", defaultValue = "${env:EMBER_API_KEY}", description = "Bearer token (default: env EMBER_API_KEY).")
  String apiKey;

  @Override
  public Integer call() throws Exception {
    ServingReport report = run(System.out);
    report.print(System.out);
    return report.failed() == 0 ? 0 : 1;
  }

  /** Calibrates the prompt length, runs the load and returns the figures; progress notes go to {@code log}. */
  ServingReport run(PrintStream log) throws InterruptedException {
    load.validate();
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10)).build();
    int promptWords = BenchPrompts.words(load.promptLen, calibrate(client, log));
    log.printf("%s%s: %s%n", url, load.endpoint.path, load.describe(promptWords));
    ServingReport report = new ServingReport();
    AtomicInteger next = new AtomicInteger();
    AtomicReference<String> firstError = new AtomicReference<>();
    long t0 = System.nanoTime();
    try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int c = 0; c < Math.min(load.concurrency, load.requests); c++) {
        clients.submit(() -> {
          for (int i = next.getAndIncrement(); i < load.requests; i = next.getAndIncrement()) {
            try {
              report.add(send(client, BenchPrompts.request(load.seed, i, promptWords)));
            } catch (IOException | RuntimeException e) {
              report.fail();
              firstError.compareAndSet(null, e.toString());
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return;
            }
          }
        });
      }
    }
    report.wallNanos = System.nanoTime() - t0;
    if (firstError.get() != null) {
      log.println("first failure: " + firstError.get());
    }
    return report;
  }

  /** Tokens in the calibration prompt by the server's tokenizer, or 0 when it has no {@code /tokenize}. */
  private int calibrate(HttpClient client, PrintStream log) throws InterruptedException {
    ObjectNode body = JSON.createObjectNode().put("model", model).put("prompt", BenchPrompts.calibration(load.seed));
    try {
      HttpResponse<String> r = client.send(request("/tokenize", body), HttpResponse.BodyHandlers.ofString());
      int count = r.statusCode() == 200 ? JSON.readTree(r.body()).path("count").asInt(0) : 0;
      if (count == 0) {
        log.println("POST /tokenize answered " + r.statusCode() + "; assuming one token per word");
      }
      return count;
    } catch (IOException e) {
      log.println("POST /tokenize failed (" + e + "); assuming one token per word");
      return 0;
    }
  }

  private RequestTiming send(HttpClient client, String prompt) throws IOException, InterruptedException {
    ObjectNode body = load.body(model, prompt, true);
    body.putObject("stream_options").put("include_usage", true);
    long start = System.nanoTime();
    HttpResponse<InputStream> r = client.send(request(load.endpoint.path, body), HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream in = r.body()) {
      if (r.statusCode() != 200) {
        throw new IOException("HTTP " + r.statusCode() + ": " + new String(in.readNBytes(500), StandardCharsets.UTF_8));
      }
      return readStream(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)), start);
    }
  }

  private HttpRequest request(String path, JsonNode body) throws IOException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url.replaceAll("/+$", "") + path))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
    if (apiKey != null && !apiKey.isEmpty()) {
      b.header("Authorization", "Bearer " + apiKey);
    }
    return b.build();
  }

  /**
   * Reads an OpenAI SSE stream until {@code data: [DONE]}, timing its events with a {@link ReplyTimer}.
   */
  static RequestTiming readStream(BufferedReader in, long startNanos) throws IOException {
    ReplyTimer timer = new ReplyTimer(startNanos);
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      if (!line.startsWith("data:")) {
        continue;
      }
      String data = line.substring(5).trim();
      if (data.equals("[DONE]")) {
        break;
      }
      timer.event(JSON.readTree(data), System.nanoTime());
    }
    return timer.finish(System.nanoTime());
  }
}
