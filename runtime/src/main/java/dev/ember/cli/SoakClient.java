package dev.ember.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;

/**
 * One soak client's requests, each counted once in a {@link SoakTally}: valid chat (unary), valid
 * completions (streamed to {@code [DONE]}), invalid bodies (expected 4xx), streams the client aborts
 * after the first event, and {@code /tokenize}; plus deploy/undeploy of throw-away functions through
 * the admin API. A request whose answer never completes is counted lost.
 *
 * <p>The client side must not lose requests of its own. The JDK's HTTP/1.1 client returns a
 * connection to its pool as soon as a chunked body has fully arrived; closing that response's stream
 * afterwards still closes the connection, which by then may carry the next request ("header parser
 * received no bytes", about 1 request in 12,000 with streams closed at {@code [DONE]}). So streams are
 * read to their end, and aborted streams run on a client of their own that is discarded afterwards.
 *
 * <pre>{@code new SoakClient(http, url, key, "demo", tally).next(random); }</pre>
 */
final class SoakClient {
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(120);
  private static final String[] INVALID = {
      "{\"model\":\"demo\",",
      "{\"model\":\"demo\",\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}",
      "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"n\":\"2\"}",
      "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[{\"type\":\"function\"}]}",
      "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":-1}",
      "{\"model\":\"no-such-function\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
      "[1,2,3]",
      "{\"model\":\"demo\",\"prompt\":\"x\",\"best_of\":4}"};

  private final HttpClient http;
  private final String url;
  private final String apiKey;
  private final String model;
  private final SoakTally tally;

  SoakClient(HttpClient http, String url, String apiKey, String model, SoakTally tally) {
    this.http = http;
    this.url = url.replaceAll("/+$", "");
    this.apiKey = apiKey;
    this.model = model;
    this.tally = tally;
  }

  /** Sends one request of a randomly chosen kind and counts its answer. */
  void next(Random random) throws InterruptedException {
    int pick = random.nextInt(100);
    String words = prompt(random);
    if (pick < 35) {
      unary("chat", "/v1/chat/completions", "{\"model\":\"" + model + "\",\"max_tokens\":8,\"messages\":[{\"role\":\"user\","
          + "\"content\":\"" + words + "\"}]}", 200);
    } else if (pick < 55) {
      stream("stream", "{\"model\":\"" + model + "\",\"max_tokens\":16,\"stream\":true,\"prompt\":\"" + words + "\"}", false);
    } else if (pick < 70) {
      unary("invalid", random.nextBoolean() ? "/v1/chat/completions" : "/v1/completions",
          INVALID[random.nextInt(INVALID.length)], -4);
    } else if (pick < 85) {
      stream("aborted", "{\"model\":\"" + model + "\",\"max_tokens\":64,\"ignore_eos\":true,\"stream\":true,"
          + "\"prompt\":\"" + words + "\"}", true);
    } else {
      unary("tokenize", "/tokenize", "{\"model\":\"" + model + "\",\"prompt\":\"" + words + "\"}", 200);
    }
  }

  /** Deploys a throw-away function over the demo model and deletes it again; both counted. */
  void churn(String name) throws InterruptedException {
    unary("deploy", "/functions", "{\"name\":\"" + name + "\",\"model\":{\"path\":\"embedded:demo\"}}", 201);
    tally.sent();
    try {
      HttpResponse<String> r = http.send(request("/functions/" + name + "?timeout=5s").DELETE().build(),
          HttpResponse.BodyHandlers.ofString());
      tally.answered("undeploy", r.statusCode(), r.statusCode() == 200);
    } catch (IOException e) {
      tally.lost("undeploy " + kindOf(e));
    }
  }

  /** {@code expected}: the status to expect, or -4 for any 4xx. */
  private void unary(String kind, String path, String body, int expected) throws InterruptedException {
    tally.sent();
    try {
      HttpResponse<String> r = http.send(request(path).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
      int s = r.statusCode();
      tally.answered(kind, s, expected == -4 ? s >= 400 && s < 500 : s == expected);
    } catch (IOException e) {
      tally.lost(kind + " " + kindOf(e));
    }
  }

  private void stream(String kind, String body, boolean abort) throws InterruptedException {
    if (!abort) {
      stream(http, kind, body, false);
      return;
    }
    try (HttpClient own = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(http.connectTimeout().orElse(Duration.ofSeconds(10))).build()) {
      stream(own, kind, body, true);
      own.shutdownNow();
    }
  }

  private void stream(HttpClient client, String kind, String body, boolean abort) throws InterruptedException {
    tally.sent();
    try {
      HttpResponse<InputStream> r = client.send(request("/v1/completions").header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream in = r.body()) {
        if (r.statusCode() != 200) {
          in.readAllBytes();
          tally.answered(kind, r.statusCode(), false);
          return;
        }
        BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        boolean done = false;
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          if (abort && line.startsWith("data:")) {
            tally.answered(kind, 200, true);
            return;  // closing the body mid-stream aborts the request
          }
          if (line.equals("data: [DONE]")) {
            done = true;
            break;
          }
        }
        if (done) {
          in.transferTo(OutputStream.nullOutputStream());
          tally.answered(kind, 200, true);
        } else {
          tally.lost(kind + " stream without [DONE]");
        }
      }
    } catch (IOException e) {
      tally.lost(kind + " " + kindOf(e));
    }
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).timeout(REQUEST_TIMEOUT);
    if (apiKey != null && !apiKey.isEmpty()) {
      b.header("Authorization", "Bearer " + apiKey);
    }
    return b;
  }

  private static String kindOf(IOException e) {
    if (e instanceof HttpTimeoutException) {
      return "timeout";
    }
    String m = String.valueOf(e.getMessage());
    return "io " + e.getClass().getSimpleName() + " (" + (m.length() > 80 ? m.substring(0, 80) : m) + ")";
  }

  private static String prompt(Random random) {
    String[] words = {"river", "stone", "light", "cloud", "north", "paper", "green", "quiet", "seven", "bridge"};
    StringBuilder sb = new StringBuilder();
    int n = 4 + random.nextInt(40);
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "" : " ").append(words[random.nextInt(words.length)]);
    }
    return sb.toString();
  }
}
