package dev.ember.http.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.function.ByteSize;
import dev.ember.function.DemoFunction;
import dev.ember.function.DemoModel;
import dev.ember.function.MachineLimits;
import dev.ember.kernels.EmberNative;
import dev.ember.server.TestServer;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The function admin API on a real server over loopback, with real functions over the demo model. */
class AdminRoutesTest {
  static final String YAML = """
      name: %s
      model: {path: "embedded:demo"}
      engine: {maxModelLen: 1024, maxNumSeqs: 4, maxNumBatchedTokens: 256, kvCacheMemory: 8MiB}
      """;
  TestServer s;

  @BeforeEach
  void start() throws Exception {
    s = TestServer.start(List.of(DemoFunction.manifest()), Duration.ofSeconds(5));
  }

  @AfterEach
  void stop() throws Exception {
    s.close();
  }

  HttpResponse<String> deployYaml(String name) throws Exception {
    return s.send(s.post("/functions", "application/yaml", YAML.formatted(name)));
  }

  @Test
  void listShowsEveryFunctionWithStateAndStats() throws Exception {
    HttpResponse<String> r = s.send(s.get("/functions"));
    assertEquals(200, r.statusCode());
    JsonObject demo = new JsonObject(r.body()).getJsonArray("data").getJsonObject(0);
    assertEquals("demo", demo.getString("name"));
    assertEquals("WARM", demo.getString("state"));
    assertEquals("embedded:demo", demo.getString("model"));
    assertEquals("cpu", demo.getString("device"));
    assertEquals(2048, demo.getInteger("maxModelLen"));
    assertEquals(0, demo.getJsonObject("stats").getInteger("running"));
    assertEquals(0.0, demo.getJsonObject("stats").getDouble("kvCacheUsage"));
  }

  @Test
  void getShowsTheManifestAsJsonOrYaml() throws Exception {
    JsonObject json = new JsonObject(s.send(s.get("/functions/demo")).body());
    assertEquals("16MiB", json.getJsonObject("manifest").getJsonObject("engine").getString("kvCacheMemory"));
    HttpResponse<String> yaml = s.send(s.request("/functions/demo").header("Accept", "application/yaml").GET().build());
    assertEquals("application/yaml", yaml.headers().firstValue("Content-Type").orElseThrow());
    assertTrue(yaml.body().contains("kvCacheMemory: 16MiB"), yaml.body());
  }

  @Test
  void aYamlManifestDeploysAndServes() throws Exception {
    HttpResponse<String> r = deployYaml("second");
    assertEquals(201, r.statusCode(), r.body());
    assertEquals("WARM", new JsonObject(r.body()).getString("state"));
    assertEquals("/functions/second", r.headers().firstValue("Location").orElseThrow());
    HttpResponse<String> completion = s.send(s.post("/v1/completions", "application/json",
        "{\"model\":\"second\",\"prompt\":\"Hello\",\"max_tokens\":4,\"ignore_eos\":true}"));
    assertEquals(200, completion.statusCode(), completion.body());
    assertEquals(4, new JsonObject(completion.body()).getJsonObject("usage").getInteger("completion_tokens"));
  }

  @Test
  void getListsEachDeviceContextWithItsStateAndLoad() throws Exception {
    HttpResponse<String> r = s.send(s.post("/functions", "application/yaml", YAML.formatted("pair")
        + "device: [cpu:0, cpu:1]\n"));
    assertEquals(201, r.statusCode(), r.body());
    JsonObject f = new JsonObject(s.send(s.get("/functions/pair")).body());
    assertEquals("cpu:0,cpu:1", f.getString("device"));
    assertEquals("WARM", f.getString("state"));
    var contexts = f.getJsonArray("contexts");
    assertEquals(2, contexts.size(), f.encodePrettily());
    for (int i = 0; i < 2; i++) {
      JsonObject c = contexts.getJsonObject(i);
      assertEquals("cpu:" + i, c.getString("device"));
      assertEquals("WARM", c.getString("state"));
      assertEquals(0, c.getInteger("activeBlocks"));
      assertEquals(0, c.getInteger("inFlight"));
      assertEquals(0, c.getJsonObject("stats").getInteger("running"), c.encode()); // its own engine's counters
    }
    // A one-context function lists its one context.
    JsonObject demo = new JsonObject(s.send(s.get("/functions/demo")).body());
    assertEquals("cpu", demo.getJsonArray("contexts").getJsonObject(0).getString("device"));
  }

  @Test
  void aFunctionWithoutOnStartStaysColdUntilThePrewarmSignal() throws Exception {
    HttpResponse<String> r = s.send(s.post("/functions", "application/yaml",
        YAML.formatted("lazy") + "prewarm: {onStart: false}\nscaling: {minWarm: 0}\n"));
    assertEquals(201, r.statusCode(), r.body());
    assertEquals("COLD", new JsonObject(r.body()).getString("state"), r.body());
    HttpResponse<String> p = s.send(s.post("/functions/lazy/prewarm", "application/json", ""));
    assertEquals(202, p.statusCode(), p.body());
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
    String state = "";
    while (System.nanoTime() < deadline && !state.equals("WARM")) {
      state = new JsonObject(s.send(s.get("/functions/lazy")).body()).getString("state");
    }
    assertEquals("WARM", state);
  }

  @Test
  void prewarmingAnUnknownFunctionIs404() throws Exception {
    assertEquals(404, s.send(s.post("/functions/nope/prewarm", "application/json", "")).statusCode());
  }

  @Test
  void aJsonManifestDeploys() throws Exception {
    HttpResponse<String> r = s.send(s.post("/functions", "application/json",
        "{\"name\":\"j\",\"model\":{\"path\":\"embedded:demo\"},\"engine\":{\"kvCacheMemory\":\"8MiB\",\"maxModelLen\":512}}"));
    assertEquals(201, r.statusCode(), r.body());
    assertEquals(512, new JsonObject(r.body()).getInteger("maxModelLen"));
  }

  @Test
  void aTakenNameIs409() throws Exception {
    HttpResponse<String> r = deployYaml("demo");
    assertEquals(409, r.statusCode());
    assertEquals("function_exists", TestServer.error(r).getString("code"));
    assertTrue(TestServer.error(r).getString("message").contains("'demo' is already deployed"), r.body());
  }

  static Stream<Arguments> invalidManifests() {
    return Stream.of(
        Arguments.of("name: x\nmodel: {path: /m}\nengine: {maxNumSeqs: 0}", "engine.maxNumSeqs",
            "engine.maxNumSeqs must be >= 1, got 0 in request body"),
        Arguments.of("name: x\nmodel: {path: /m}\nengine: {maxNumSeq: 4}", "engine.maxNumSeq",
            "engine.maxNumSeq is not a known field"),
        Arguments.of("name: Bad Name\nmodel: {path: /m}", "name", "name must match"),
        Arguments.of("name: x\nmodel: {path: /m}\ndevice: [cpu:0, cpu:0]", "device",
            "device is invalid: device 'cpu:0' is listed twice"),
        Arguments.of("name: x\nmodel: {path: /m}\ndevice: tpu:0", "device", "device is invalid: device 'tpu:0' is not one of"),
        Arguments.of("name: x\nmodel: {path: /m}\nweights: copy", "weights",
            "weights must be one of shared, replicate-per-node, got 'copy'"),
        Arguments.of("name: [", null, "is not valid YAML"));
  }

  @ParameterizedTest
  @MethodSource("invalidManifests")
  void anInvalidManifestIs400NamingTheField(String yaml, String param, String message) throws Exception {
    HttpResponse<String> r = s.send(s.post("/functions", "application/yaml", yaml));
    assertEquals(400, r.statusCode(), r.body());
    JsonObject e = TestServer.error(r);
    assertEquals("invalid_request_error", e.getString("type"));
    assertEquals(param, e.getString("param"));
    assertTrue(e.getString("message").contains(message), e.getString("message"));
  }

  @Test
  void aModelThatFailsToLoadIs422AndStaysRegisteredAsFailed() throws Exception {
    HttpResponse<String> r = s.send(s.post("/functions", "application/yaml", "name: broken\nmodel: {path: /nonexistent/m}\n"));
    assertEquals(422, r.statusCode(), r.body());
    assertEquals("function_load_failed", TestServer.error(r).getString("code"));
    assertEquals("/functions/broken", r.headers().firstValue("Location").orElseThrow());
    JsonObject info = new JsonObject(s.send(s.get("/functions/broken")).body());
    assertEquals("FAILED", info.getString("state"));
    assertEquals("model could not be loaded: see the server log for function 'broken'", info.getString("reason"));
    assertNull(info.getValue("stats"));
    assertEquals("WARM", new JsonObject(s.send(s.get("/functions/demo")).body()).getString("state"));
    assertEquals(200, s.send(s.request("/functions/broken").DELETE().build()).statusCode());
  }

  /** Each kind of bad model path, set up in {@code dir}; returns the path to deploy. */
  static Stream<Arguments> unloadableModelPaths() {
    return Stream.of(
        Arguments.of("missing", (ModelPath) dir -> dir.resolve("nothing-here").toString()),
        Arguments.of("empty directory", (ModelPath) dir -> dir.toString()),
        Arguments.of("regular file", (ModelPath) dir -> Files.writeString(dir.resolve("notes.txt"), "top secret").toString()),
        Arguments.of("config.json not JSON", (ModelPath) dir -> {
          Files.writeString(dir.resolve("config.json"), "root:x:0:0:root:/root:/bin/bash");
          return dir.toString();
        }),
        Arguments.of("a .gguf that is not GGUF", (ModelPath) dir ->
            Files.writeString(dir.resolve("m.gguf"), "PASSWORD=hunter2").toString()));
  }

  interface ModelPath {
    String in(Path dir) throws Exception;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unloadableModelPaths")
  void loadErrorsRevealNothingAboutTheDisk(String kind, ModelPath setup, @TempDir Path dir) throws Exception {
    String path = setup.in(dir);
    HttpResponse<String> r = s.send(s.post("/functions", "application/json",
        new JsonObject().put("name", "probe").put("model", new JsonObject().put("path", path)).encode()));
    assertEquals(422, r.statusCode(), r.body());
    assertEquals("function 'probe' is deployed but FAILED: model could not be loaded: see the server log for function"
        + " 'probe'; fix the manifest and deploy again after DELETE /functions/probe",
        TestServer.error(r).getString("message"));
    String info = s.send(s.get("/functions/probe")).body();
    assertFalse(info.contains("top secret") || info.contains("hunter2") || info.contains("root:x") || info.contains("JSON")
        || info.contains("config.json") || info.contains("directory"), info);
    assertEquals(200, s.send(s.request("/functions/probe").DELETE().build()).statusCode());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"model.gguf, false", "model.safetensors, true"})
  void aFifoNamedLikeWeightsNeverBlocksDeployOrDelete(String fifoName, boolean hfDirectory, @TempDir Path dir)
      throws Exception {
    if (hfDirectory) {
      Path demo = DemoModel.ensure();
      for (String f : List.of("config.json", "tokenizer.json")) {
        Files.copy(demo.resolve(f), dir.resolve(f));
      }
    }
    Path fifo = dir.resolve(fifoName);
    Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
    assertEquals(0, mkfifo.waitFor());
    assertFalse(Files.isRegularFile(fifo));
    HttpRequest deploy = s.request("/functions").timeout(Duration.ofSeconds(20)).header("Content-Type", "application/yaml")
        .POST(HttpRequest.BodyPublishers.ofString("name: fifo\nmodel: {path: \"" + dir + "\"}\n")).build();
    HttpResponse<String> r = s.send(deploy);
    assertEquals(422, r.statusCode(), r.body());
    HttpResponse<String> del = s.send(s.request("/functions/fifo").timeout(Duration.ofSeconds(20)).DELETE().build());
    assertEquals(200, del.statusCode(), del.body());
  }

  @Test
  void manifestsSentOverHttpAreNeverExpandedNorEchoed() throws Exception {
    HttpResponse<String> r = s.send(s.post("/functions", "application/yaml",
        "name: leak\nmodel: {path: \"${HOME}/m\"}\n"));
    assertEquals(400, r.statusCode(), r.body());
    assertEquals("model.path", TestServer.error(r).getString("param"));
    assertTrue(TestServer.error(r).getString("message").contains("may not refer to environment variables"), r.body());
    assertFalse(r.body().contains(System.getenv("HOME")), r.body());
    assertEquals(404, s.send(s.get("/functions/leak")).statusCode());
  }

  @Test
  void engineThreadsAreCappedAtTheCoresOfThisProcess() throws Exception {
    int cores = Runtime.getRuntime().availableProcessors();
    HttpResponse<String> r = s.send(s.post("/functions", "application/yaml", "name: greedy\nmodel: {path: \"embedded:demo\"}\n"
        + "engine: {threads: 4096}\n"));
    assertEquals(400, r.statusCode(), r.body());
    assertEquals("engine.threads", TestServer.error(r).getString("param"));
    assertTrue(TestServer.error(r).getString("message").contains("must be at most " + cores), r.body());
    assertEquals(404, s.send(s.get("/functions/greedy")).statusCode());
  }

  @Test
  void aKvCacheLargerThanTheMachineIsRefusedAtValidation() throws Exception {
    long size = Math.max(1L << 40, 2 * MachineLimits.memoryBytes());
    HttpResponse<String> r = s.send(s.post("/functions", "application/yaml", "name: huge\nmodel: {path: \"embedded:demo\"}\n"
        + "engine: {kvCacheMemory: " + ByteSize.format(size) + "}\n"));
    assertEquals(400, r.statusCode(), r.body());
    assertEquals("engine.kvCacheMemory", TestServer.error(r).getString("param"));
    assertTrue(TestServer.error(r).getString("message").contains("(the memory of this machine)"), r.body());
    assertEquals(404, s.send(s.get("/functions/huge")).statusCode());
  }

  @Test
  void deleteDrainsAndFreesTheMemory() throws Exception {
    long before = EmberNative.ember_allocated_bytes();
    assertEquals(201, deployYaml("temp").statusCode());
    assertTrue(EmberNative.ember_allocated_bytes() > before);
    HttpResponse<String> r = s.send(s.request("/functions/temp?timeout=5s").DELETE().build());
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("COLD", new JsonObject(r.body()).getString("state"));
    assertEquals(before, EmberNative.ember_allocated_bytes());
    assertEquals(404, s.send(s.get("/functions/temp")).statusCode());
  }

  @Test
  void unknownFunctionsAre404() throws Exception {
    HttpResponse<String> del = s.send(s.request("/functions/nope").DELETE().build());
    assertEquals(404, del.statusCode());
    assertEquals("function_not_found", TestServer.error(del).getString("code"));
    assertEquals(404, s.send(s.get("/functions/nope")).statusCode());
  }

  @ParameterizedTest
  @CsvSource({"GET, /functions", "GET, /functions/demo", "POST, /functions", "DELETE, /functions/demo"})
  void everyAdminRouteRequiresTheApiKey(String method, String path) throws Exception {
    for (String auth : new String[] {null, "Bearer wrong"}) {
      HttpRequest.Builder b = HttpRequest.newBuilder(s.request(path).build().uri())
          .method(method, HttpRequest.BodyPublishers.ofString(YAML.formatted("x")));
      if (auth != null) {
        b.header("Authorization", auth);
      }
      HttpResponse<String> r = s.send(b.build());
      assertEquals(401, r.statusCode(), method + " " + path + " with " + auth);
      assertEquals("invalid_api_key", TestServer.error(r).getString("code"));
    }
    assertEquals("WARM", new JsonObject(s.send(s.get("/functions/demo")).body()).getString("state"));
  }
}
