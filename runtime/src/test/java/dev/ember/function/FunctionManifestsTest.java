package dev.ember.function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.device.WeightPlacement;
import dev.ember.function.FunctionManifest.EngineSettings;
import dev.ember.function.FunctionManifest.Kafka;
import dev.ember.function.FunctionManifest.Limits;
import dev.ember.function.FunctionManifest.Prewarm;
import dev.ember.function.FunctionManifest.Scaling;
import dev.ember.function.FunctionManifests.Format;
import dev.ember.model.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Manifest parsing, defaults, units, validation errors (with field path and file) and the shipped manifests. */
class FunctionManifestsTest {
  static final Path SHIPPED = Path.of("..", "functions");
  static final String FILE = "functions/x.yaml";

  static FunctionManifest parse(String yaml) {
    return FunctionManifests.parse(yaml, Format.YAML, FILE, v -> null);
  }

  static String error(String yaml) {
    return assertThrows(InvalidManifestException.class, () -> parse(yaml)).getMessage();
  }

  @Test
  void everySectionIsRead() {
    FunctionManifest m = parse("""
        name: r1-qwen-1.5b
        model: {path: /models/r1, dtype: q8_0}
        device: cuda:1
        engine: {maxModelLen: 8192, maxNumSeqs: 32, maxNumBatchedTokens: 1024, blockSize: 128,
                 kvCacheMemory: 2GiB, threads: 1, enablePrefixCaching: false, hashSeed: s1,
                 longPrefillTokenThreshold: 256}
        limits: {maxQueue: 10, maxTokens: 100}
        scaling: {minWarm: 0, idleTimeout: 10m, maxHeldRequests: 5, maxHoldTime: 20s}
        prewarm: {onStart: false, schedule: ["07:30", "0 8 * * MON-FRI"], zone: Europe/Paris,
                  prompts: [hi], pinnedPrefixes: [You are helpful.], keepWarmFor: 1h}
        kafka: {enabled: true, requestTopic: reqs, group: g1, concurrency: 4}
        """);
    assertEquals(new FunctionManifest("r1-qwen-1.5b", new FunctionManifest.ModelSpec("/models/r1", DType.Q8_0), "cuda:1",
        new EngineSettings(8192, 32, 1024, 128, 2L << 30, 1, false, "s1", 256), new Limits(10, 100),
        new Scaling(0, Duration.ofMinutes(10), 5, Duration.ofSeconds(20)),
        new Prewarm(false, List.of("07:30", "0 8 * * MON-FRI"), "Europe/Paris", List.of("hi"),
            List.of("You are helpful."), Duration.ofHours(1)),
        new Kafka(true, "reqs", "g1", 4)), m);
    assertEquals(m, FunctionManifests.parse(FunctionManifests.toYaml(m), Format.YAML, "yaml"), "written and read back");
  }

  @Test
  void weightsAreSharedByDefaultAndMayBeReplicatedPerNode() {
    assertEquals(WeightPlacement.SHARED, parse("name: f\nmodel: {path: /m}\n").weights());
    FunctionManifest m = parse("name: f\nmodel: {path: /m}\ndevice: cpu:0\nweights: replicate-per-node\n");
    assertEquals(WeightPlacement.REPLICATE_PER_NODE, m.weights());
    assertEquals(m, FunctionManifests.parse(FunctionManifests.toYaml(m), Format.YAML, "yaml"));
    assertEquals(WeightPlacement.REPLICATE_PER_NODE, FunctionManifests.validate(m.withDevice("cpu"), "flags").weights());
  }

  @ParameterizedTest
  @CsvSource(delimiter = ';', value = {"cpu;cpu", "cpu:0;cpu:0", "' cpu:0 , cpu:1 ';cpu:0,cpu:1",
      "[cpu:0, cpu:1];cpu:0,cpu:1", "[cpu:0-1];cpu:0-1", "numa:0;numa:0", "numa:all;numa:all", "[cuda:0, npu:1];cuda:0,npu:1"})
  void deviceTakesOneSpecACommaListOrAYamlList(String written, String canonical) {
    FunctionManifest m = parse("name: f\nmodel: {path: /m}\ndevice: " + written + "\n");
    assertEquals(canonical, m.device());
    assertEquals(canonical, String.join(",", m.devices().stream().map(Object::toString).toList()));
  }

  @Test
  void eachContextsKvCacheMustFitTheMachineTogether() {
    long threeQuarters = MachineLimits.memoryBytes() / 4 * 3;
    String kv = "engine: {kvCacheMemory: " + threeQuarters + "}\n";
    assertEquals(threeQuarters, parse("name: f\nmodel: {path: /m}\ndevice: cpu:0\n" + kv).engine().kvCacheMemory());
    assertTrue(error("name: f\nmodel: {path: /m}\ndevice: [cpu:0, cpu:1]\n" + kv)
        .contains("engine.kvCacheMemory must be at most " + ByteSize.format(MachineLimits.memoryBytes() / 2)
            + " (the memory of this machine over the 2 device contexts"));
  }

  @Test
  void maxContextsDefaultsToEveryContext() {
    Scaling s = parse("name: f\nmodel: {path: /m}\n").scaling();
    assertEquals(Scaling.ALL_CONTEXTS, s.maxContexts());
    assertEquals(4, s.maxContexts(4));
    assertEquals(2, parse("name: f\nmodel: {path: /m}\nscaling: {maxContexts: 2}\n").scaling().maxContexts(4));
  }

  @Test
  void absentSectionsAndFieldsTakeTheDefaults() {
    FunctionManifest m = parse("name: f\nmodel: {path: /m}\n");
    assertEquals(FunctionManifest.of("f", "/m", null), m);
    assertEquals(EngineSettings.DEFAULT_KV_CACHE_MEMORY, m.engine().kvCacheMemory());
    assertEquals("ember.f.requests", m.kafka().requestTopic());
    assertNull(m.model().dtype());
  }

  @ParameterizedTest
  @CsvSource({"512MiB, 536870912", "2GiB, 2147483648", "1.5GB, 1500000000", "4096KiB, 4194304", "3mib, 3145728",
      "1048576, 1048576"})
  void sizesTakeBinaryAndDecimalUnits(String text, long bytes) {
    assertEquals(bytes, parse("name: f\nmodel: {path: /m}\nengine: {kvCacheMemory: " + text + "}\n").engine().kvCacheMemory());
  }

  @ParameterizedTest
  @CsvSource({"30s, 30000", "5m, 300000", "0s, 0", "250ms, 250", "2h, 7200000", "1d, 86400000"})
  void durationsTakeUnits(String text, long millis) {
    assertEquals(millis, parse("name: f\nmodel: {path: /m}\nscaling: {idleTimeout: " + text + "}\n")
        .scaling().idleTimeout().toMillis());
  }

  static Stream<Arguments> invalidManifests() {
    String head = "name: f\nmodel: {path: /m}\n";
    return Stream.of(
        Arguments.of(head + "engine: {maxNumSeqs: 0}", "engine.maxNumSeqs must be >= 1, got 0 in functions/x.yaml"),
        Arguments.of(head + "engine: {maxNumSeqs: 8}\nengine2: 1", "engine2 is not a known field"),
        Arguments.of(head + "engine: {maxNumSeq: 8}", "engine.maxNumSeq is not a known field (expected one of"),
        Arguments.of(head + "prewarm: {onstart: true}", "prewarm.onstart is not a known field"),
        Arguments.of(head + "model2: x", "model2 is not a known field"),
        Arguments.of("model: {path: /m}", "name is required in functions/x.yaml"),
        Arguments.of("name: f", "model is required"),
        Arguments.of("name: f\nmodel: {dtype: q8_0}", "model.path is required"),
        Arguments.of("name: f\nmodel: {path: /m, dtype: q3_k}", "model.dtype unknown dtype 'q3_k'"),
        Arguments.of("name: My_Model\nmodel: {path: /m}", "name must match [a-z0-9][a-z0-9._-]*"),
        Arguments.of("name: a/b\nmodel: {path: /m}", "name must match"),
        Arguments.of("name: -a\nmodel: {path: /m}", "name must match"),
        Arguments.of(head + "device: gpu", "device is invalid: device 'gpu' is not one of cpu, cpu:<cpu list>"),
        Arguments.of(head + "device: cuda", "device is invalid: device 'cuda' is not one of"),
        Arguments.of(head + "device: [cpu:0, gpu]", "device is invalid: device 'gpu' is not one of"),
        Arguments.of(head + "device: []", "device must name at least one device"),
        Arguments.of(head + "device: {cpu: 0}", "device must be"),
        Arguments.of(head + "device: cpu:0,cpu:0", "device is invalid: device 'cpu:0' is listed twice"),
        Arguments.of(head + "device: [cpu:0-1, cpu:1]", "device is invalid: devices 'cpu:0-1' and 'cpu:1' share CPU 1"),
        Arguments.of(head + "device: cpu:65000", "device is invalid: device 'cpu:65000': CPU 65000 is offline or outside"),
        Arguments.of(head + "device: numa:4000", "device is invalid: device 'numa:4000': this host has NUMA nodes"),
        Arguments.of(head + "scaling: {maxContexts: -1}", "scaling.maxContexts must be >= 0, got -1"),
        Arguments.of(head + "weights: copy", "weights must be one of shared, replicate-per-node, got 'copy'"),
        Arguments.of(head + "weights: Replicate-Per-Node", "weights must be one of shared, replicate-per-node, got"),
        Arguments.of(head + "weights: [shared]", "weights must be"),
        Arguments.of(head + "engine: {kvCacheMemory: 2GB2}", "engine.kvCacheMemory must be a size like 512MiB"),
        Arguments.of(head + "engine: {kvCacheMemory: 1KiB}", "engine.kvCacheMemory must be at least 1MiB"),
        Arguments.of(head + "engine: {maxModelLen: 8k}", "engine.maxModelLen must be an integer, got '8k'"),
        Arguments.of(head + "engine: {blockSize: 24}", "engine.blockSize must be a power of two, got 24"),
        Arguments.of(head + "engine: {maxNumSeqs: 64, maxNumBatchedTokens: 32}",
            "engine.maxNumBatchedTokens must be >= engine.maxNumSeqs (64), got 32"),
        Arguments.of(head + "engine: {threads: -1}", "engine.threads must be >= 0, got -1"),
        Arguments.of(head + "engine: {longPrefillTokenThreshold: -64}",
            "engine.longPrefillTokenThreshold must be >= 0, got -64"),
        Arguments.of(head + "engine: {threads: 4096}", "engine.threads must be at most "
            + Runtime.getRuntime().availableProcessors() + " (the cores available to this process"),
        Arguments.of(head + "engine: {kvCacheMemory: " + ByteSize.format(Math.max(1L << 40, 2 * MachineLimits.memoryBytes()))
            + "}", "engine.kvCacheMemory must be at most " + ByteSize.format(MachineLimits.memoryBytes())
            + " (the memory of this machine)"),
        Arguments.of("name: f\nmodel: {path: \"/m\\0x\"}", "model.path may not contain a NUL character"),
        Arguments.of(head + "engine: {enablePrefixCaching: maybe}", "engine.enablePrefixCaching must be true or false"),
        Arguments.of(head + "engine: 5", "engine must be a mapping, got 5"),
        Arguments.of(head + "limits: {maxQueue: 0}", "limits.maxQueue must be >= 1, got 0"),
        Arguments.of(head + "scaling: {idleTimeout: 5}", "scaling.idleTimeout must be a duration like 30s"),
        Arguments.of(head + "scaling: {maxHoldTime: 5 minutes}", "scaling.maxHoldTime must be a duration like 30s"),
        Arguments.of(head + "prewarm: {schedule: [\"07:30\", \"0 8 * *\"]}",
            "prewarm.schedule[1] must be HH:MM or a cron expression with 5 fields"),
        Arguments.of(head + "prewarm: {schedule: [\"25:00\"]}", "prewarm.schedule[0] is not a time of day"),
        Arguments.of(head + "prewarm: {schedule: [\"61 * * * *\"]}", "prewarm.schedule[0] has minute 61 outside [0, 59]"),
        Arguments.of(head + "prewarm: {schedule: [\"0 8 * * FUNDAY\"]}", "prewarm.schedule[0] has an invalid day-of-week"),
        Arguments.of(head + "prewarm: {schedule: \"07:30\"}", "prewarm.schedule must be a list"),
        Arguments.of(head + "prewarm: {zone: Mars/Olympus}", "prewarm.zone is not a time zone id"),
        Arguments.of(head + "kafka: {concurrency: 0}", "kafka.concurrency must be >= 1, got 0"),
        Arguments.of(head + "kafka: {requestTopic: \"a topic\"}", "kafka.requestTopic must be a Kafka topic name"),
        Arguments.of("name: f\nmodel: {path: \"${NOPE}/m\"}", "model.path refers to ${NOPE}, which is not set"),
        Arguments.of("- a\n- b", "manifest must be a mapping"),
        Arguments.of("name: [unclosed", "manifest is not valid YAML"));
  }

  @ParameterizedTest
  @MethodSource("invalidManifests")
  void invalidFieldsAreRejectedNamingThePathAndTheFile(String yaml, String expected) {
    String message = error(yaml);
    assertTrue(message.contains(expected), message);
    assertTrue(message.endsWith(" in " + FILE), message);
  }

  @Test
  void theErrorCarriesTheFieldPath() {
    InvalidManifestException e = assertThrows(InvalidManifestException.class,
        () -> parse("name: f\nmodel: {path: /m}\nprewarm: {schedule: [\"x\"]}"));
    assertEquals("prewarm.schedule[0]", e.field());
    assertEquals(FILE, e.source());
  }

  @ParameterizedTest
  @ValueSource(strings = {"00:00", "23:59", "*/15 * * * *", "0 8-18/2 1,15 JAN-MAR mon-fri", "30 7 * * 0", "0 0 * * 7"})
  void validScheduleEntriesAreAccepted(String entry) {
    assertEquals(List.of(entry), parse("name: f\nmodel: {path: /m}\nprewarm: {schedule: [\"" + entry + "\"]}")
        .prewarm().schedule());
  }

  @Test
  void pathsExpandVariablesWithDefaults() {
    String yaml = "name: f\nmodel: {path: \"${EMBER_MODELS:-/models}/R1\"}\n";
    assertEquals("/models/R1", FunctionManifests.parse(yaml, Format.YAML, FILE, v -> null).model().path());
    assertEquals("/data/R1", FunctionManifests.parse(yaml, Format.YAML, FILE,
        v -> Map.of("EMBER_MODELS", "/data").get(v)).model().path());
  }

  @Test
  void manifestsFromClientsMayNotReferToTheEnvironment() {
    InvalidManifestException e = assertThrows(InvalidManifestException.class, () -> FunctionManifests.parse(
        "{\"name\":\"f\",\"model\":{\"path\":\"${HOME}/m\"}}", Format.JSON, "request body"));
    assertEquals("model.path", e.field());
    assertTrue(e.getMessage().contains("may not refer to environment variables"), e.getMessage());
    assertFalse(e.getMessage().contains(System.getenv("HOME")), e.getMessage());
  }

  @Test
  void manifestsFromDiskExpandButShowThePathAsDeclared(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("f.yaml"), "name: f\nmodel: {path: \"${HOME}/m\"}\n");
    FunctionManifest m = FunctionManifests.load(file);
    assertEquals(System.getenv("HOME") + "/m", m.model().path());
    assertEquals("${HOME}/m", m.model().declaredPath());
    assertTrue(FunctionManifests.toYaml(m).contains("${HOME}/m"), FunctionManifests.toYaml(m));
    assertFalse(FunctionManifests.toYaml(m).contains(System.getenv("HOME")), FunctionManifests.toYaml(m));
    FunctionManifest validated = FunctionManifests.validate(m, "command line");
    assertEquals(m, validated);
  }

  @Test
  void yamlAndJsonRoundTrip() {
    FunctionManifest m = parse("""
        name: f
        model: {path: /m, dtype: q4_0}
        engine: {kvCacheMemory: 1536MiB, maxModelLen: 1000}
        scaling: {idleTimeout: 90s, maxHoldTime: 250ms}
        prewarm: {schedule: ["07:30"], prompts: [hello]}
        """);
    assertEquals(m, FunctionManifests.parse(FunctionManifests.toYaml(m), Format.YAML, "yaml"));
    assertEquals(m, FunctionManifests.parse(FunctionManifests.toJson(m), Format.JSON, "json"));
    assertTrue(FunctionManifests.toYaml(m).contains("kvCacheMemory: 1536MiB"), FunctionManifests.toYaml(m));
  }

  @Test
  void jsonIsParsedWithTheSameRules() {
    String message = assertThrows(InvalidManifestException.class, () -> FunctionManifests.parse(
        "{\"name\":\"f\",\"model\":{\"path\":\"/m\"},\"limits\":{\"maxTokens\":0}}", Format.JSON, "request body"))
        .getMessage();
    assertEquals("limits.maxTokens must be >= 1, got 0 in request body", message);
  }

  @Test
  void everyShippedManifestParses() throws IOException {
    List<FunctionManifest> all = FunctionManifests.loadDirectory(SHIPPED);
    assertEquals(List.of("deepseek-r1-distill-llama-8b", "deepseek-r1-distill-qwen-1.5b", "deepseek-r1-distill-qwen-7b",
        "demo", "llama-2-7b"), all.stream().map(FunctionManifest::name).toList());
    for (FunctionManifest m : all) {
      assertTrue(m.model().path().equals(FunctionManifest.ModelSpec.EMBEDDED_DEMO) || !m.model().path().contains("${"),
          m.model().path());
    }
  }

  @Test
  void theShippedDemoManifestIsTheBuiltInDemoFunction() throws IOException {
    assertEquals(DemoFunction.manifest(), FunctionManifests.load(SHIPPED.resolve("demo.yaml")));
  }

  @ParameterizedTest
  @CsvSource({"/models/DeepSeek-R1-Distill-Qwen-1.5B, deepseek-r1-distill-qwen-1.5b",
      "/m/qwen2.5-0.5b-instruct-q8_0.gguf, qwen2.5-0.5b-instruct-q8_0", "/m/My Model (v2)/, my-model--v2-",
      "embedded:demo, embedded-demo", "/, model"})
  void aModelPathGivesAValidFunctionName(String path, String name) {
    assertEquals(name, FunctionManifests.nameForModel(path));
    assertTrue(FunctionManifests.NAME.matcher(name).matches());
  }

  @Test
  void aDirectoryWithTwoManifestsOfOneNameIsRejected(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("a.yaml"), "name: f\nmodel: {path: /m}\n");
    Files.writeString(dir.resolve("b.yaml"), "name: f\nmodel: {path: /n}\n");
    String message = assertThrows(InvalidManifestException.class, () -> FunctionManifests.loadDirectory(dir)).getMessage();
    assertTrue(message.startsWith("name 'f' is already declared in "), message);
  }
}
