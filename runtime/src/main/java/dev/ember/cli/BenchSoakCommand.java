package dev.ember.cli;

import dev.ember.function.DemoFunction;
import dev.ember.function.FunctionPool;
import dev.ember.http.HttpOptions;
import dev.ember.kernels.EmberNative;
import dev.ember.ops.LogSetup;
import dev.ember.ops.RequestLog;
import dev.ember.server.EmberServer;
import dev.ember.server.ServerOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ember bench soak}: runs a server (the embedded demo function, in this process) or targets one
 * ({@code --url}) for {@code --minutes} with a mix of valid, invalid and client-aborted requests,
 * streamed and not, plus deploy/undeploy churn through the admin API. Every minute and at the end it
 * prints requests sent and answered, answers by kind, lost requests, and (in-process) resident memory
 * and the bytes Ember's native allocator holds (model scratch, KV blocks); the verdict says whether every request got exactly one complete answer.
 *
 * <pre>{@code ember bench soak --minutes 30}</pre>
 */
@Command(name = "soak", mixinStandardHelpOptions = true,
    description = "Soak a server with valid, invalid and aborted requests plus deploy churn; report losses and memory.")
public final class BenchSoakCommand implements Callable<Integer> {
  @Option(names = "--minutes", required = true, description = "How long to run.")
  int minutes;

  @Option(names = "--url", description = "Target this server instead of starting one with the demo function.")
  String url;

  @Option(names = "--model", defaultValue = "demo", description = "Function to request (default ${DEFAULT-VALUE}).")
  String model;

  @Option(names = "--api-key", defaultValue = "${env:EMBER_API_KEY}", description = "Bearer token (default: env EMBER_API_KEY).")
  String apiKey;

  @Option(names = "--concurrency", defaultValue = "8", description = "Clients sending back to back (default ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(names = "--churn-every", defaultValue = "10s", converter = ServeCommand.DurationConverter.class,
      description = "Deploy and delete a throw-away function this often (default ${DEFAULT-VALUE}).")
  Duration churnEvery;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of the request mix (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--access-log", description = "Keep the in-process server's per-request access log (off by default).")
  boolean accessLog;

  @Override
  public Integer call() throws Exception {
    if (minutes < 1 || concurrency < 1) {
      System.err.println("ember bench soak: --minutes and --concurrency must be >= 1");
      return 2;
    }
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    LogSetup.installFromEnvironment();
    if (!accessLog) {
      Logger.getLogger(RequestLog.LOGGER).setLevel(Level.WARNING);
    }
    EmberServer server = null;
    String target = url;
    if (target == null) {
      System.setProperty("org.bytedeco.javacpp.maxPhysicalBytes", System.getProperty("org.bytedeco.javacpp.maxPhysicalBytes", "0"));
      System.setProperty("org.bytedeco.javacpp.maxBytes", System.getProperty("org.bytedeco.javacpp.maxBytes", "0"));
      server = EmberServer.start(new ServerOptions(HttpOptions.defaults().withHost("127.0.0.1").withPort(0)
          .withApiKeys(apiKey == null || apiKey.isEmpty() ? List.of() : List.of(apiKey)),
          List.of(DemoFunction.manifest()), ServerOptions.DEFAULT_SHUTDOWN_TIMEOUT)).await(180, TimeUnit.SECONDS);
      target = "http://127.0.0.1:" + server.port();
      out.println("soak: started a server with the demo function on " + target);
    }
    try {
      return run(out, target, server);
    } finally {
      if (server != null) {
        server.shutdown(Duration.ofSeconds(30)).await(60, TimeUnit.SECONDS);
      }
    }
  }

  private int run(PrintStream out, String target, EmberServer server) throws InterruptedException {
    out.printf("soak: %d min against %s (model %s), %d clients, churn every %s, seed %d%n", minutes, target, model,
        concurrency, churnEvery, seed);
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10)).build();
    SoakTally tally = new SoakTally();
    SoakClient client = new SoakClient(http, target, apiKey, model, tally);
    long start = System.nanoTime();
    long end = start + TimeUnit.MINUTES.toNanos(minutes);
    long firstMinuteRss = -1;
    try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int c = 0; c < concurrency; c++) {
        Random random = new Random(seed * 1_000 + c);
        clients.submit(() -> {
          while (System.nanoTime() < end) {
            client.next(random);
          }
          return null;
        });
      }
      clients.submit(() -> {
        for (int i = 0; System.nanoTime() < end; i++) {
          Thread.sleep(Math.min(churnEvery.toMillis(), Math.max(1, (end - System.nanoTime()) / 1_000_000)));
          if (System.nanoTime() < end) {
            client.churn("soak-churn-" + i);
          }
        }
        return null;
      });
      for (int minute = 1; minute <= minutes; minute++) {
        long at = start + TimeUnit.MINUTES.toNanos(minute);
        long wait = at - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
        long rss = line(out, String.format("[%3d min]", minute), tally, server != null);
        if (minute == 1) {
          firstMinuteRss = rss;
        }
      }
    }
    boolean idle = server == null || awaitIdle(server);
    out.println();
    out.println("soak: finished after " + Duration.ofNanos(System.nanoTime() - start).toSeconds() + " s");
    long lastRss = line(out, "[   end ]", tally, server != null);
    out.println("answers by kind: " + tally.answersByKind());
    out.println("lost by kind: " + (tally.lostByKind().isEmpty() ? "none" : tally.lostByKind()));
    if (server != null) {
      out.println("server idle afterwards (no running or waiting request, demo engine): " + (idle ? "yes" : "NO"));
      if (firstMinuteRss > 0) {
        out.printf("RssAnon: %d MiB after minute 1, %d MiB at the end%n", firstMinuteRss >> 20, lastRss >> 20);
      }
    }
    boolean nothingLost = tally.lostCount() == 0 && tally.sentCount() == tally.answeredCount() && idle;
    out.println("verdict: " + (nothingLost ? "nothing lost" : "LOST " + tally.lostCount() + " of " + tally.sentCount())
        + " (" + tally.sentCount() + " requests, " + tally.answeredCount() + " answers, each exactly once; "
        + tally.serverErrorCount() + " server errors, " + tally.unexpectedCount() + " unexpected statuses)");
    return nothingLost && tally.serverErrorCount() == 0 ? 0 : 1;
  }

  /** Prints one progress line and returns RssAnon in bytes (0 when not measured). */
  private static long line(PrintStream out, String when, SoakTally tally, boolean inProcess) {
    String memory = "";
    long rss = 0;
    if (inProcess) {
      rss = rssAnonBytes();
      memory = String.format(" rss_anon=%d MiB native_alloc=%d MiB heap_used=%d MiB", rss >> 20,
          EmberNative.ember_allocated_bytes() >> 20,
          (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20);
    }
    out.printf("%s sent=%d answered=%d lost=%d server_errors=%d unexpected=%d%s%n", when, tally.sentCount(),
        tally.answeredCount(), tally.lostCount(), tally.serverErrorCount(), tally.unexpectedCount(), memory);
    return rss;
  }

  private boolean awaitIdle(EmberServer server) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      boolean idle = server.registry().instance(model).map(FunctionPool::info)
          .map(i -> i.stats() == null || i.stats().running() == 0 && i.stats().waiting() == 0).orElse(true);
      if (idle) {
        return true;
      }
      Thread.sleep(50);
    }
    return false;
  }

  private static long rssAnonBytes() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (l.startsWith("RssAnon:")) {
          return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      return 0;
    }
    return 0;
  }
}
