package dev.ember.cli;

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
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ember bench forward}: what forwarding adds to a request in a cluster. The same streaming chat
 * request goes alternately to a replica that forwards it ({@code --via}, e.g. one whose copy of the
 * function is COLD) and straight to the replica that serves it ({@code --direct}), one at a time, the
 * order swapped every pair so that both see the same machine. Every request carries the same prompt, so
 * after the first one both doors find it in the serving replica's prefix cache and do the same small
 * compute: the difference is the forwarding path. Untimed pairs run first ({@code --warmup}, two tokens
 * each) so that the JIT has compiled both paths before the timed ones. Prints per door TTFT and
 * inter-token latency (p50, p99) and the replicas that served it ({@code X-Ember-Replica}), then the
 * median of the paired TTFT differences.
 *
 * <pre>{@code ember bench forward --via http://127.0.0.1:8001 --direct http://127.0.0.1:8002 --model m}</pre>
 */
@Command(name = "forward", mixinStandardHelpOptions = true,
    description = "Time one request forwarded through a cluster replica against the same request sent to the serving replica.")
public final class BenchForwardCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(names = "--via", required = true, description = "Base URL of the replica that forwards the requests.")
  String via;

  @Option(names = "--direct", required = true, description = "Base URL of the replica that serves them.")
  String direct;

  @Option(names = "--model", required = true, description = "Function (model) name to request.")
  String model;

  @Option(names = "--pairs", defaultValue = "200", description = "Timed request pairs (default ${DEFAULT-VALUE}).")
  int pairs;

  @Option(names = "--warmup", defaultValue = "400", description = "Untimed pairs first (default ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--prompt-words", defaultValue = "48", description = "Words in the prompt (default ${DEFAULT-VALUE}).")
  int promptWords;

  @Option(names = {"--gen", "--max-tokens"}, defaultValue = "16",
      description = "Generated tokens per timed request (default ${DEFAULT-VALUE}).")
  int gen;

  @Option(names = "--seed", defaultValue = "9", description = "Prompt word seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--api-key", defaultValue = "${env:EMBER_API_KEY}", description = "Bearer token (default: env EMBER_API_KEY).")
  String apiKey;

  /** One door's timed requests: TTFTs in order (pair i is request i), inter-token gaps, serving replicas. */
  static final class Door {
    final String name;
    final List<Long> ttfts = new ArrayList<>();
    final LatencyStats ttft = new LatencyStats();
    final LatencyStats itl = new LatencyStats();
    final TreeSet<String> servedBy = new TreeSet<>();

    Door(String name) {
      this.name = name;
    }

    void add(RequestTiming t, String replica) {
      ttfts.add(t.ttftNanos());
      ttft.add(t.ttftNanos());
      for (long g : t.gapNanos()) {
        itl.add(g);
      }
      servedBy.add(replica);
    }
  }

  /** Both doors' timings, pair i being request i of each. */
  record Result(Door viaDoor, Door directDoor) {
    /** The median of via-minus-direct TTFT over the pairs, in milliseconds. */
    double pairedTtftDifferenceMs() {
      LatencyStats d = new LatencyStats();
      for (int i = 0; i < viaDoor.ttfts.size(); i++) {
        d.add(viaDoor.ttfts.get(i) - directDoor.ttfts.get(i));
      }
      return d.percentileMs(50);
    }
  }

  @Override
  public Integer call() throws Exception {
    Result r = run(System.out);
    print(r, System.out);
    return 0;
  }

  Result run(PrintStream log) throws IOException, InterruptedException {
    if (pairs < 1 || warmup < 0 || promptWords < 1 || gen < 2) {
      throw new IllegalArgumentException("--pairs and --prompt-words must be >= 1, --warmup >= 0, --gen >= 2");
    }
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10)).build();
    String prompt = BenchPrompts.request(seed, 0, promptWords);
    log.printf("%s (forwarding) vs %s (serving): one prompt of %d words, %d untimed pairs, %d timed pairs, gen %d%n",
        via, direct, promptWords, warmup, pairs, gen);
    send(client, direct, prompt, gen, null);  // the serving replica caches the prompt
    for (int i = 0; i < warmup; i++) {
      send(client, via, prompt, 2, null);
      send(client, direct, prompt, 2, null);
    }
    Door viaDoor = new Door("via");
    Door directDoor = new Door("direct");
    for (int i = 0; i < pairs; i++) {
      if (i % 2 == 0) {
        send(client, via, prompt, gen, viaDoor);
        send(client, direct, prompt, gen, directDoor);
      } else {
        send(client, direct, prompt, gen, directDoor);
        send(client, via, prompt, gen, viaDoor);
      }
    }
    return new Result(viaDoor, directDoor);
  }

  static void print(Result r, PrintStream out) {
    out.printf("%-7s %5s %9s %9s %9s %9s  %s%n", "door", "n", "TTFT p50", "TTFT p99", "ITL p50", "ITL p99", "served by");
    for (Door d : List.of(r.viaDoor(), r.directDoor())) {
      out.printf("%-7s %5d %9.2f %9.2f %9.2f %9.2f  %s%n", d.name, d.ttft.count(), d.ttft.percentileMs(50),
          d.ttft.percentileMs(99), d.itl.percentileMs(50), d.itl.percentileMs(99), String.join(",", d.servedBy));
    }
    out.printf("forwarding adds %.2f ms to TTFT (median of the paired differences)%n", r.pairedTtftDifferenceMs());
    if (!r.viaDoor().servedBy.equals(r.directDoor().servedBy)) {
      out.println("warning: the two doors' requests were served by different replicas; the difference is not the"
          + " forwarding alone");
    }
  }

  private void send(HttpClient client, String url, String prompt, int maxTokens, Door door)
      throws IOException, InterruptedException {
    ObjectNode body = JSON.createObjectNode().put("model", model).put("max_tokens", maxTokens).put("ignore_eos", true)
        .put("temperature", 0.0).put("stream", true);
    body.putArray("messages").addObject().put("role", "user").put("content", prompt);
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url.replaceAll("/+$", "") + "/v1/chat/completions"))
        .header("Content-Type", "application/json").timeout(Duration.ofMinutes(2))
        .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
    if (apiKey != null && !apiKey.isEmpty()) {
      b.header("Authorization", "Bearer " + apiKey);
    }
    long start = System.nanoTime();
    HttpResponse<InputStream> r = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream in = r.body()) {
      if (r.statusCode() != 200) {
        throw new IOException(url + " answered HTTP " + r.statusCode() + ": "
            + new String(in.readNBytes(500), StandardCharsets.UTF_8));
      }
      RequestTiming t = BenchServeCommand.readStream(
          new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)), start);
      if (door != null) {
        door.add(t, r.headers().firstValue(BenchServeCommand.REPLICA_HEADER).orElse("?"));
      }
    }
  }
}
