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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
 * <p>With {@code --prefixes N --prefix-len L} each prompt is one of N shared system prompts (a
 * {@link PrefixWorkload}) followed by a unique suffix, and the report adds the prefix cache hit rate read
 * from {@code /metrics} before and after the run. Several {@code --url}s (the replicas of a cluster) share
 * the requests round-robin; the report then counts the requests each replica served by the
 * {@code X-Ember-Replica} response header.
 *
 * <pre>{@code ember bench serve --url http://127.0.0.1:8000 --model r1-qwen-1.5b --requests 64 --concurrency 8 --prompt-len 256 --gen 128}</pre>
 * <pre>{@code ember bench serve --url http://127.0.0.1:8001,http://127.0.0.1:8002 --model demo --prefixes 8 --prefix-len 512}</pre>
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Load an OpenAI-compatible server over HTTP (streaming) and print latency and throughput.")
public final class BenchServeCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The response header naming the replica that served a request. */
  static final String REPLICA_HEADER = "X-Ember-Replica";

  @Option(names = "--url", split = ",", defaultValue = "http://127.0.0.1:8000",
      description = "Server base URL; several (repeated or comma-separated) share the requests round-robin (default ${DEFAULT-VALUE}).")
  List<String> urls;

  @Option(names = "--model", required = true, description = "Function (model) name to request.")
  String model;

  @Mixin
  ServingLoad load = new ServingLoad();

  @Mixin
  PrefixWorkload prefixes = new PrefixWorkload();

  @Option(names = "--api-key", defaultValue = "${env:EMBER_API_KEY}", description = "Bearer token (default: env EMBER_API_KEY).")
  String apiKey;

  @Option(names = "--save-requests", paramLabel = "FILE",
      description = "Also write one JSON line per request (its URL, serving replica, prefix, start, TTFT, E2E, prompt, cached and output tokens, or its error) to FILE.")
  Path saveRequests;

  @Override
  public Integer call() throws Exception {
    ServingReport report = run(System.out);
    report.print(System.out);
    return report.failed() == 0 ? 0 : 1;
  }

  /** Calibrates the prompt length, runs the load and returns the figures; progress notes go to {@code log}. */
  ServingReport run(PrintStream log) throws InterruptedException {
    load.validate();
    prefixes.validate();
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10)).build();
    int calibration = calibrate(client, log);
    int promptWords = BenchPrompts.words(load.promptLen, calibration);
    int prefixWords = BenchPrompts.words(prefixes.prefixLen, calibration);
    String[] systems = new String[prefixes.prefixes];
    for (int k = 0; k < systems.length; k++) {
      systems[k] = PrefixWorkload.prefix(load.seed, k, prefixWords);
    }
    log.printf("%s%s: %s%n", String.join(",", urls), load.endpoint.path, load.describe(promptWords));
    if (prefixes.enabled()) {
      log.println(prefixes.describe(prefixWords));
    }
    ServingReport report = new ServingReport();
    report.replicas = urls.size();
    PrefixCacheCounters before = scrapePrefixCounters(client, log);
    AtomicInteger next = new AtomicInteger();
    AtomicReference<String> firstError = new AtomicReference<>();
    ObjectNode[] lines = new ObjectNode[load.requests];
    long t0 = System.nanoTime();
    try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int c = 0; c < Math.min(load.concurrency, load.requests); c++) {
        clients.submit(() -> {
          for (int i = next.getAndIncrement(); i < load.requests; i = next.getAndIncrement()) {
            int prefix = prefixes.enabled() ? prefixes.draw(load.seed, i) : -1;
            String url = urls.get(i % urls.size());
            lines[i] = JSON.createObjectNode().put("request", i).put("url", url).put("prefix", prefix)
                .put("start_ms", (System.nanoTime() - t0) / 1e6);
            try {
              ObjectNode body = prefix >= 0
                  ? load.body(model, systems[prefix], PrefixWorkload.suffix(load.seed, i, promptWords), true)
                  : load.body(model, BenchPrompts.request(load.seed, i, promptWords), true);
              Reply reply = send(client, url, body);
              report.servedBy(reply.replica());
              report.add(reply.timing());
              RequestTiming t = reply.timing();
              lines[i].put("replica", reply.replica()).put("ttft_ms", t.ttftNanos() / 1e6)
                  .put("e2e_ms", t.e2eNanos() / 1e6).put("prompt_tokens", t.promptTokens())
                  .put("cached_tokens", t.cachedTokens()).put("output_tokens", t.outputTokens());
            } catch (IOException | RuntimeException e) {
              report.fail();
              firstError.compareAndSet(null, e.toString());
              lines[i].put("error", e.toString());
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return;
            }
          }
        });
      }
    }
    report.wallNanos = System.nanoTime() - t0;
    PrefixCacheCounters after = scrapePrefixCounters(client, log);
    if (before != null && after != null) {
      report.prefixHitRate = after.minus(before).hitRate();
    }
    if (firstError.get() != null) {
      log.println("first failure: " + firstError.get());
    }
    if (saveRequests != null) {
      save(lines, log);
    }
    return report;
  }

  /** Writes the per-request lines (those that ran) to {@link #saveRequests}. */
  private void save(ObjectNode[] lines, PrintStream log) {
    StringBuilder out = new StringBuilder();
    for (ObjectNode line : lines) {
      if (line != null) {
        out.append(line).append('\n');
      }
    }
    try {
      Files.writeString(saveRequests, out);
      log.println("per-request lines written to " + saveRequests);
    } catch (IOException e) {
      log.println("cannot write " + saveRequests + ": " + e);
    }
  }

  /** Tokens in the calibration prompt by the server's tokenizer, or 0 when it has no {@code /tokenize}. */
  private int calibrate(HttpClient client, PrintStream log) throws InterruptedException {
    ObjectNode body = JSON.createObjectNode().put("model", model).put("prompt", BenchPrompts.calibration(load.seed));
    try {
      HttpResponse<String> r = client.send(request(urls.get(0), "/tokenize", body),
          HttpResponse.BodyHandlers.ofString());
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

  /** A streamed reply's timing and the replica that served it (the URL when no header named one). */
  private record Reply(RequestTiming timing, String replica) {}

  private Reply send(HttpClient client, String url, ObjectNode body) throws IOException, InterruptedException {
    body.putObject("stream_options").put("include_usage", true);
    long start = System.nanoTime();
    HttpResponse<InputStream> r = client.send(request(url, load.endpoint.path, body),
        HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream in = r.body()) {
      if (r.statusCode() != 200) {
        throw new IOException("HTTP " + r.statusCode() + ": " + new String(in.readNBytes(500), StandardCharsets.UTF_8));
      }
      RequestTiming timing = readStream(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)), start);
      return new Reply(timing, r.headers().firstValue(REPLICA_HEADER).orElse(url));
    }
  }

  /** The prefix cache counters of {@link #model} summed over every URL, or null when one cannot tell. */
  private PrefixCacheCounters scrapePrefixCounters(HttpClient client, PrintStream log) throws InterruptedException {
    PrefixCacheCounters sum = PrefixCacheCounters.ZERO;
    for (String url : urls) {
      try {
        HttpResponse<String> r = client.send(authorized(HttpRequest.newBuilder(URI.create(base(url) + "/metrics")))
            .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
          log.println("GET " + url + "/metrics answered " + r.statusCode() + "; no prefix hit rate");
          return null;
        }
        sum = sum.plus(PrefixCacheCounters.parse(r.body(), model));
      } catch (IOException | RuntimeException e) {
        log.println("GET " + url + "/metrics failed (" + e + "); no prefix hit rate");
        return null;
      }
    }
    return sum;
  }

  private HttpRequest request(String url, String path, JsonNode body) throws IOException {
    return authorized(HttpRequest.newBuilder(URI.create(base(url) + path)))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body))).build();
  }

  private HttpRequest.Builder authorized(HttpRequest.Builder b) {
    if (apiKey != null && !apiKey.isEmpty()) {
      b.header("Authorization", "Bearer " + apiKey);
    }
    return b;
  }

  private static String base(String url) {
    return url.replaceAll("/+$", "");
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
