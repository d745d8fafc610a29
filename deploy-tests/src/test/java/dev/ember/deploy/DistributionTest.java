package dev.ember.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the container image runs, run here: {@code deploy/build-dist.sh} lays out the install the image's
 * build stage makes (on the runtime this build just packaged), and its {@code bin/ember serve} starts
 * with the image's environment, answers its HEALTHCHECK path and stops gracefully on SIGTERM within the
 * shutdown deadline. Where a Docker engine is reachable, the image itself is built and probed too.
 */
class DistributionTest {
  private static final Pattern LISTENING = Pattern.compile("Ember listening on http://[^:]+:(\\d+)");
  private static final Pattern HEALTHCHECK_PATH = Pattern.compile("\\$\\{EMBER_PORT}(/\\S*?)\"");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  @Test
  void theInstalledLauncherServesAndStopsGracefully(@TempDir Path dir) throws Exception {
    Path dest = dir.resolve("opt-ember");
    run(List.of(RepositoryFiles.file("deploy/build-dist.sh").toString(), "--no-build", dest.toString()), Duration.ofSeconds(60));
    assertTrue(Files.isExecutable(dest.resolve("bin/ember")) && Files.isRegularFile(dest.resolve("ember-runtime.jar")));

    Dockerfile image = Dockerfile.read(RepositoryFiles.file("deploy/Dockerfile"));
    ProcessBuilder pb = new ProcessBuilder(dest.resolve("bin/ember").toString(), "serve").redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.putAll(image.env());
    env.put("EMBER_HOST", "127.0.0.1");
    env.put("EMBER_PORT", "0");
    env.put("EMBER_HOME", dir.resolve("home").toString());
    env.put("EMBER_SHUTDOWN_TIMEOUT", "5s");
    env.put("JAVA_HOME", System.getProperty("java.home"));
    Process ember = pb.start();
    List<String> output = new ArrayList<>();
    Thread reader = null;
    try {
      CompletableFuture<Integer> listening = new CompletableFuture<>();
      reader = readOutput(ember, output, listening);
      int port = listening.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      Matcher path = HEALTHCHECK_PATH.matcher(image.healthcheck());
      assertTrue(path.find(), image.healthcheck());
      HttpResponse<String> live = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + path.group(1))).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, live.statusCode(), live.body());
      long stopAsked = System.nanoTime();
      ember.toHandle().destroy(); // SIGTERM, leaving the output pipe open (Process.destroy closes it)
      assertTrue(ember.waitFor(5 + 10, TimeUnit.SECONDS), "ember did not stop within its shutdown deadline: " + output);
      assertEquals(143, ember.exitValue(), "the JVM ends on SIGTERM after its shutdown hook");
      assertTrue(Duration.ofNanos(System.nanoTime() - stopAsked).toSeconds() < 15);
      reader.join(TimeUnit.SECONDS.toMillis(10));
      synchronized (output) {
        assertTrue(output.stream().anyMatch(l -> l.contains("ember serve: stopped")), output::toString);
      }
    } finally {
      ember.destroyForcibly();
    }
  }

  /** Collects the process output in the background; completes {@code port} when the banner names it. */
  private static Thread readOutput(Process ember, List<String> output, CompletableFuture<Integer> port) {
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(ember.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          synchronized (output) {
            output.add(line);
          }
          Matcher m = LISTENING.matcher(line);
          if (m.find()) {
            port.complete(Integer.parseInt(m.group(1)));
          }
        }
        port.completeExceptionally(new AssertionError("ember exited before listening: " + output));
      } catch (IOException e) {
        port.completeExceptionally(e);
      }
    }, "ember-output");
    reader.setDaemon(true);
    reader.start();
    return reader;
  }

  private static String run(List<String> command, Duration timeout) throws Exception {
    Process p = new ProcessBuilder(command).directory(RepositoryFiles.root().toFile()).redirectErrorStream(true).start();
    CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
      try {
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(command + " did not finish in " + timeout);
    }
    String text = out.get(10, TimeUnit.SECONDS);
    assertEquals(0, p.exitValue(), command + " failed:\n" + text);
    return text;
  }
}
