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
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
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
  private static final String[] WORDS = ("time year people way day man thing woman life child world school state "
      + "family student group country problem hand part place case week company system program question work "
      + "government number night point home water room mother area money story fact month lot right study book "
      + "eye job word business issue side kind head house service friend father power hour game line end member "
      + "law car city community name president team minute idea kid body information back parent face others "
      + "level office door health person art war history party result change morning reason research girl guy "
      + "moment air teacher force education").split(" ");
  private static final int CALIBRATION_WORDS = 200;

  /** Which OpenAI endpoint to stream from. */
  enum Endpoint {
    chat("/v1/chat/completions"), completions("/v1/completions");

    final String path;

    Endpoint(String path) {
      this.path = path;
    }
  }

  @Option(names = "--url", defaultValue = "http://127.0.0.1:8000", description = "Server base URL (default ${DEFAULT-VALUE}).")
  String url;

  @Option(names = "--model", required = true, description = "Function (model) name to request.")
  String model;

  @Option(names = "--requests", defaultValue = "64", description = "Requests in total (default ${DEFAULT-VALUE}).")
  int requests;

  @Option(names = "--concurrency", defaultValue = "8", description = "Requests in flight (default ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(names = "--prompt-len", defaultValue = "128", description = "Prompt tokens, approximately (default ${DEFAULT-VALUE}).")
  int promptLen;

  @Option(names = "--gen", defaultValue = "64", description = "Generated tokens per request (default ${DEFAULT-VALUE}).")
  int gen;

  @Option(names = "--endpoint", defaultValue = "chat", description = "chat or completions (default ${DEFAULT-VALUE}).")
  Endpoint endpoint;

  @Option(names = "--api-key", defaultValue = "${env:EMBER_API_KEY}", description = "Bearer token (default: env EMBER_API_KEY).")
  String apiKey;

  @Option(names = "--seed", defaultValue = "17", description = "Prompt word seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() throws Exception {
    Report report = run(System.out);
    report.print(System.out);
    return report.failed() == 0 ? 0 : 1;
  }

  /** Calibrates the prompt length, runs the load and returns the figures; progress notes go to {@code log}. */
  Report run(PrintStream log) throws InterruptedException {
    if (requests < 1 || concurrency < 1 || promptLen < 1 || gen < 1) {
      throw new IllegalArgumentException("--requests, --concurrency, --prompt-len and --gen must be >= 1");
    }
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10)).build();
    double wordsPerToken = calibrate(client, log);
    int promptWords = Math.max(1, (int) Math.round(promptLen * wordsPerToken));
    log.printf("%s%s: %d requests, concurrency %d, prompt ~%d tokens (%d words), gen %d%n", url, endpoint.path,
        requests, concurrency, promptLen, promptWords, gen);
    Report report = new Report();
    AtomicInteger next = new AtomicInteger();
    AtomicReference<String> firstError = new AtomicReference<>();
    long t0 = System.nanoTime();
    try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int c = 0; c < Math.min(concurrency, requests); c++) {
        clients.submit(() -> {
          for (int i = next.getAndIncrement(); i < requests; i = next.getAndIncrement()) {
            try {
              report.add(send(client, prompt(new SplittableRandom(seed + i), promptWords)));
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

  /** Words per token from the server's tokenizer, or 1 when it has no {@code /tokenize}. */
  private double calibrate(HttpClient client, PrintStream log) throws InterruptedException {
    ObjectNode body = JSON.createObjectNode().put("model", model)
        .put("prompt", prompt(new SplittableRandom(seed - 1), CALIBRATION_WORDS));
    try {
      HttpResponse<String> r = client.send(request("/tokenize", body), HttpResponse.BodyHandlers.ofString());
      int count = r.statusCode() == 200 ? JSON.readTree(r.body()).path("count").asInt(0) : 0;
      if (count > 0) {
        return (double) CALIBRATION_WORDS / count;
      }
      log.println("POST /tokenize answered " + r.statusCode() + "; assuming one token per word");
    } catch (IOException e) {
      log.println("POST /tokenize failed (" + e + "); assuming one token per word");
    }
    return 1.0;
  }

  private Streamed send(HttpClient client, String prompt) throws IOException, InterruptedException {
    ObjectNode body = JSON.createObjectNode().put("model", model).put("max_tokens", gen).put("ignore_eos", true)
        .put("temperature", 0.0).put("stream", true);
    body.putObject("stream_options").put("include_usage", true);
    if (endpoint == Endpoint.chat) {
      body.putArray("messages").addObject().put("role", "user").put("content", prompt);
    } else {
      body.put("prompt", prompt);
    }
    long start = System.nanoTime();
    HttpResponse<InputStream> r = client.send(request(endpoint.path, body), HttpResponse.BodyHandlers.ofInputStream());
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

  private static String prompt(SplittableRandom rnd, int words) {
    StringBuilder b = new StringBuilder(words * 7);
    for (int i = 0; i < words; i++) {
      b.append(i == 0 ? "" : " ").append(WORDS[rnd.nextInt(WORDS.length)]);
    }
    return b.toString();
  }

  /**
   * Reads an OpenAI SSE stream until {@code data: [DONE]}: the arrival time of every chunk carrying
   * text (chat {@code delta.content} or {@code delta.reasoning_content}, completion {@code text}) and
   * the usage of the final chunk; output tokens are the usage's {@code completion_tokens}, or the text
   * chunks when the server sends no usage. An {@code error} event fails the request.
   */
  static Streamed readStream(BufferedReader in, long startNanos) throws IOException {
    long first = 0;
    long last = 0;
    List<Long> gaps = new ArrayList<>();
    int chunks = 0;
    int promptTokens = 0;
    int completionTokens = -1;
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      if (!line.startsWith("data:")) {
        continue;
      }
      String data = line.substring(5).trim();
      if (data.equals("[DONE]")) {
        break;
      }
      long now = System.nanoTime();
      JsonNode event = JSON.readTree(data);
      if (event.hasNonNull("error")) {
        throw new IOException("error event: " + event.get("error"));
      }
      JsonNode usage = event.path("usage");
      if (usage.isObject()) {
        promptTokens = usage.path("prompt_tokens").asInt(0);
        completionTokens = usage.path("completion_tokens").asInt(0);
      }
      JsonNode choice = event.path("choices").path(0);
      String text = firstText(choice.path("text"), choice.path("delta").path("content"),
          choice.path("delta").path("reasoning_content"));
      if (!text.isEmpty()) {
        if (first == 0) {
          first = now;
        } else {
          gaps.add(now - last);
        }
        last = now;
        chunks++;
      }
    }
    long end = System.nanoTime();
    if (first == 0) {
      throw new IOException("stream ended without any text");
    }
    long[] gapNanos = gaps.stream().mapToLong(Long::longValue).toArray();
    return new Streamed(first - startNanos, end - startNanos, promptTokens,
        completionTokens >= 0 ? completionTokens : chunks, gapNanos);
  }

  private static String firstText(JsonNode... candidates) {
    for (JsonNode n : candidates) {
      if (n.isTextual() && !n.asText().isEmpty()) {
        return n.asText();
      }
    }
    return "";
  }

  /** One streamed request: time to first text, end-to-end time, token counts and the gaps between text chunks. */
  record Streamed(long ttftNanos, long e2eNanos, int promptTokens, int outputTokens, long[] gapNanos) {
    /** Decode time per output token after the first (vLLM's TPOT), or -1 with fewer than two tokens. */
    long tpotNanos() {
      return outputTokens > 1 ? (e2eNanos - ttftNanos) / (outputTokens - 1) : -1;
    }
  }

  /** Aggregated figures of a run; thread-safe while requests are added. */
  static final class Report {
    final LatencyStats ttft = new LatencyStats();
    final LatencyStats tpot = new LatencyStats();
    final LatencyStats itl = new LatencyStats();
    final LatencyStats e2e = new LatencyStats();
    private final AtomicInteger failed = new AtomicInteger();
    private long promptTokens;
    private long outputTokens;
    long wallNanos;

    synchronized void add(Streamed s) {
      ttft.add(s.ttftNanos());
      e2e.add(s.e2eNanos());
      if (s.tpotNanos() >= 0) {
        tpot.add(s.tpotNanos());
      }
      for (long g : s.gapNanos()) {
        itl.add(g);
      }
      promptTokens += s.promptTokens();
      outputTokens += s.outputTokens();
    }

    void fail() {
      failed.incrementAndGet();
    }

    int completed() {
      return e2e.count();
    }

    int failed() {
      return failed.get();
    }

    synchronized long outputTokens() {
      return outputTokens;
    }

    double requestsPerSecond() {
      return completed() / (wallNanos / 1e9);
    }

    double outputTokensPerSecond() {
      return outputTokens() / (wallNanos / 1e9);
    }

    void print(PrintStream out) {
      out.printf("completed %d, failed %d in %.2f s%n", completed(), failed(), wallNanos / 1e9);
      synchronized (this) {
        out.printf("prompt tokens %d, output tokens %d%n", promptTokens, outputTokens);
      }
      out.printf("request throughput %.2f req/s, output throughput %.1f tok/s%n", requestsPerSecond(),
          outputTokensPerSecond());
      out.printf("%-6s %10s %10s %10s%n", "ms", "mean", "p50", "p99");
      row(out, "TTFT", ttft);
      row(out, "TPOT", tpot);
      row(out, "ITL", itl);
      row(out, "E2E", e2e);
    }

    private static void row(PrintStream out, String name, LatencyStats s) {
      out.printf("%-6s %10.2f %10.2f %10.2f%n", name, s.meanMs(), s.percentileMs(50), s.percentileMs(99));
    }
  }
}
