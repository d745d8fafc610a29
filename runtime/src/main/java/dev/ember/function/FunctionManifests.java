package dev.ember.function;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.ember.device.CpuTopology;
import dev.ember.device.DevicePlan;
import dev.ember.device.DeviceSpec;
import dev.ember.device.WeightPlacement;
import dev.ember.function.FunctionManifest.EngineSettings;
import dev.ember.function.FunctionManifest.Kafka;
import dev.ember.function.FunctionManifest.Limits;
import dev.ember.function.FunctionManifest.ModelSpec;
import dev.ember.function.FunctionManifest.Prewarm;
import dev.ember.function.FunctionManifest.Scaling;
import dev.ember.model.DType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads, validates and writes function manifests ({@code functions/*.yaml}; JSON in admin requests).
 * Every section is optional except {@code name} and {@code model}; absent fields take the record's
 * {@code DEFAULT_*} values; unknown fields are rejected; errors name the field path and the source.
 *
 * <pre>{@code
 * FunctionManifest m = FunctionManifests.load(Path.of("functions/demo.yaml"));
 * List<FunctionManifest> all = FunctionManifests.loadDirectory(Path.of("functions"));
 * String yaml = FunctionManifests.toYaml(m);
 * }</pre>
 */
public final class FunctionManifests {
  /** The text form of a manifest. */
  public enum Format {
    YAML,
    JSON
  }

  /** Function names become URL path segments and metric labels. */
  public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]*");
  public static final int MAX_NAME_LENGTH = 63;
  private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
  private static final long MIN_KV_CACHE_MEMORY = 1L << 20;

  private static final YAMLMapper YAML = YAMLMapper.builder()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .build();
  private static final ObjectMapper JSON = JsonMapper.builder().build();

  private FunctionManifests() {}

  /**
   * Reads one manifest file ({@code .json} as JSON, anything else as YAML), expanding {@code ${VAR:-default}}
   * in its paths from the environment: manifests on the server's disk are the operator's.
   */
  public static FunctionManifest load(Path file) throws IOException {
    Format f = file.getFileName().toString().endsWith(".json") ? Format.JSON : Format.YAML;
    return parse(Files.readString(file), f, file.toString(), System::getenv);
  }

  /** Reads every {@code *.yaml}, {@code *.yml} and {@code *.json} file in a directory, in file-name order; names must be unique. */
  public static List<FunctionManifest> loadDirectory(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IOException("not a directory of manifests: " + dir);
    }
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.toString().matches(".*\\.(ya?ml|json)") && Files.isRegularFile(p)).sorted().toList();
    }
    if (files.isEmpty()) {
      throw new IOException("no manifests (*.yaml, *.yml, *.json) in " + dir);
    }
    List<FunctionManifest> out = new ArrayList<>();
    Map<String, Path> seen = new HashMap<>();
    for (Path f : files) {
      FunctionManifest m = load(f);
      Path before = seen.putIfAbsent(m.name(), f);
      if (before != null) {
        throw new InvalidManifestException(f.toString(), "name", "'" + m.name() + "' is already declared in " + before);
      }
      out.add(m);
    }
    return out;
  }

  /**
   * Parses and validates a manifest from a client (an admin request); {@code source} names it in errors
   * ("request body"). Variable references are refused: the server's environment is not the client's to read.
   */
  public static FunctionManifest parse(String text, Format format, String source) {
    return parse(text, format, source, null);
  }

  /**
   * As {@link #parse(String, Format, String)}, expanding {@code ${VAR:-default}} in paths with {@code env}
   * (null: refuse references).
   */
  public static FunctionManifest parse(String text, Format format, String source, UnaryOperator<String> env) {
    JsonNode tree;
    try {
      tree = (format == Format.JSON ? JSON : YAML).readTree(text);
    } catch (JsonProcessingException e) {
      throw new InvalidManifestException(source, "", "is not valid " + format + ": " + e.getOriginalMessage()
          + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : ""));
    }
    if (tree == null || !tree.isObject()) {
      throw new InvalidManifestException(source, "", "must be a mapping with at least name and model");
    }
    return read(new ManifestNode(tree, "", source), env);
  }

  /** Validates a manifest built in code (e.g. from command-line flags) by the same rules as a file. */
  public static FunctionManifest validate(FunctionManifest m, String source) {
    Map<String, Object> tree = toMap(m);
    @SuppressWarnings("unchecked")
    Map<String, Object> model = (Map<String, Object>) tree.get("model");
    model.put("path", m.model().path());
    // The path was expanded (or given) already: validate it as it is, and keep what the manifest declared.
    return read(new ManifestNode(YAML.valueToTree(tree), "", source), LITERAL).withModel(m.model());
  }

  /** Marks paths taken as written, variable references and all (already expanded). */
  private static final UnaryOperator<String> LITERAL = v -> null;

  private static FunctionManifest read(ManifestNode root, UnaryOperator<String> env) {
    root.allowOnly(Set.of("name", "model", "device", "weights", "engine", "limits", "scaling", "prewarm", "kafka"));
    String name = required(root, "name");
    if (name.length() > MAX_NAME_LENGTH || !NAME.matcher(name).matches()) {
      throw root.error("name", "must match [a-z0-9][a-z0-9._-]* and be at most " + MAX_NAME_LENGTH
          + " characters (it is a URL path segment and a metric label), got '" + name + "'");
    }
    String device = root.parse("device", deviceText(root), FunctionManifests::checkDevices);
    WeightPlacement weights = root.parse("weights", root.text("weights", WeightPlacement.DEFAULT.toString()),
        WeightPlacement::parse);
    ModelSpec model = model(root, env);
    EngineSettings engine = engine(root.section("engine"));
    int contexts = contextCount(device);
    long memory = MachineLimits.memoryBytes();
    if (contexts > 1 && engine.kvCacheMemory() > memory / contexts) {
      throw root.section("engine").error("kvCacheMemory", "must be at most " + ByteSize.format(memory / contexts)
          + " (the memory of this machine over the " + contexts + " device contexts, each with its own KV cache),"
          + " got " + ByteSize.format(engine.kvCacheMemory()));
    }
    return new FunctionManifest(name, model, device, engine,
        limits(root.section("limits")), scaling(root.section("scaling")), prewarm(root.section("prewarm")),
        kafka(root.section("kafka"), name), weights);
  }

  /** The device setting as written: one spec, a comma list, or a YAML/JSON list (joined with commas). */
  private static String deviceText(ManifestNode root) {
    if (root.has("device") && root.isList("device")) {
      List<String> items = root.strings("device");
      if (items.isEmpty()) {
        throw root.error("device", "must name at least one device: " + DeviceSpec.SYNTAX);
      }
      return String.join(",", items);
    }
    return root.text("device", FunctionManifest.DEFAULT_DEVICE);
  }

  /**
   * Parses the device specs and matches them against this host (CPUs that exist and are allowed, NUMA
   * nodes with CPUs, no CPU in two contexts); returns them as a canonical comma list. Accelerators pass:
   * whether their backend exists is known when they load.
   */
  private static String checkDevices(String text) {
    try {
      return devicesOnThisHost(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("is invalid: " + e.getMessage(), e);
    }
  }

  /** The device contexts the (checked) device list gives on this host; 1 where the host cannot be read. */
  private static int contextCount(String device) {
    try {
      return DevicePlan.resolve(DeviceSpec.parseList(device), CpuTopology.host()).size();
    } catch (IOException | RuntimeException e) {
      return 1;
    }
  }

  private static String devicesOnThisHost(String text) {
    List<DeviceSpec> specs = DeviceSpec.parseList(text);
    CpuTopology topology;
    try {
      topology = CpuTopology.host();
    } catch (IOException | RuntimeException e) {
      topology = null; // no sysfs (not Linux): the specs' syntax is checked, their CPUs when they load
    }
    if (topology != null) {
      DevicePlan.resolve(specs, topology);
    }
    return String.join(",", specs.stream().map(DeviceSpec::toString).toList());
  }

  private static String required(ManifestNode n, String field) {
    String v = n.text(field, null);
    if (v == null || v.isBlank()) {
      throw n.error(field, "is required");
    }
    return v;
  }

  private static ModelSpec model(ManifestNode root, UnaryOperator<String> env) {
    if (!root.has("model")) {
      throw root.error("model", "is required (model: {path: /models/NAME} or model: embedded:demo)");
    }
    ManifestNode m = root.section("model");
    m.allowOnly(Set.of("path", "dtype"));
    String declared = required(m, "path");
    String path;
    if (env == LITERAL) {
      path = declared;
    } else if (env == null) {
      if (declared.contains("${")) {
        throw m.error("path", "may not refer to environment variables (${...}) in a manifest sent to the admin"
            + " API; they are expanded only in manifests read from disk at startup");
      }
      path = declared;
    } else {
      path = m.parse("path", declared, p -> EnvExpansion.expand(p, env));
    }
    if (path.indexOf('\0') >= 0) {
      throw m.error("path", "may not contain a NUL character");
    }
    String dtype = m.text("dtype", null);
    return new ModelSpec(path, dtype == null ? null : m.parse("dtype", dtype, DType::parse), declared);
  }

  private static EngineSettings engine(ManifestNode e) {
    e.allowOnly(Set.of("maxModelLen", "maxNumSeqs", "maxNumBatchedTokens", "blockSize", "kvCacheMemory", "threads",
        "enablePrefixCaching", "hashSeed", "longPrefillTokenThreshold"));
    int maxNumSeqs = e.integer("maxNumSeqs", EngineSettings.DEFAULT_MAX_NUM_SEQS, 1, 4096);
    int batched = e.integer("maxNumBatchedTokens", EngineSettings.DEFAULT_MAX_NUM_BATCHED_TOKENS, 1, 1 << 20);
    if (batched < maxNumSeqs) {
      throw e.error("maxNumBatchedTokens", "must be >= engine.maxNumSeqs (" + maxNumSeqs + "), got " + batched);
    }
    int blockSize = e.integer("blockSize", EngineSettings.DEFAULT_BLOCK_SIZE, 1, 1024);
    if (Integer.bitCount(blockSize) != 1) {
      throw e.error("blockSize", "must be a power of two, got " + blockSize);
    }
    int maxModelLen = e.integer("maxModelLen", EngineSettings.DEFAULT_MAX_MODEL_LEN, 16, 1 << 24);
    long kv = e.bytes("kvCacheMemory", EngineSettings.DEFAULT_KV_CACHE_MEMORY, MIN_KV_CACHE_MEMORY);
    long memory = MachineLimits.memoryBytes();
    if (kv > memory) {
      throw e.error("kvCacheMemory", "must be at most " + ByteSize.format(memory) + " (the memory of this machine),"
          + " got " + ByteSize.format(kv));
    }
    int threads = e.integer("threads", EngineSettings.DEFAULT_THREADS, 0, Integer.MAX_VALUE);
    int cores = MachineLimits.cores();
    if (threads > cores) {
      throw e.error("threads", "must be at most " + cores + " (the cores available to this process; 0 uses them all),"
          + " got " + threads);
    }
    return new EngineSettings(maxModelLen, maxNumSeqs, batched, blockSize, kv, threads,
        e.bool("enablePrefixCaching", EngineSettings.DEFAULT_ENABLE_PREFIX_CACHING),
        e.text("hashSeed", EngineSettings.DEFAULT_HASH_SEED),
        e.integer("longPrefillTokenThreshold", EngineSettings.DEFAULT_LONG_PREFILL_TOKEN_THRESHOLD, 0, 1 << 24));
  }

  private static Limits limits(ManifestNode l) {
    l.allowOnly(Set.of("maxQueue", "maxTokens"));
    return new Limits(l.integer("maxQueue", Limits.DEFAULT_MAX_QUEUE, 1, 1 << 20),
        l.integer("maxTokens", Limits.DEFAULT_MAX_TOKENS, 1, 1 << 24));
  }

  private static Scaling scaling(ManifestNode s) {
    s.allowOnly(Set.of("minWarm", "idleTimeout", "maxHeldRequests", "maxHoldTime", "maxContexts"));
    return new Scaling(s.integer("minWarm", Scaling.DEFAULT_MIN_WARM, 0, 1 << 16),
        s.duration("idleTimeout", Scaling.DEFAULT_IDLE_TIMEOUT),
        s.integer("maxHeldRequests", Scaling.DEFAULT_MAX_HELD_REQUESTS, 0, 1 << 20),
        s.duration("maxHoldTime", Scaling.DEFAULT_MAX_HOLD_TIME),
        s.integer("maxContexts", Scaling.ALL_CONTEXTS, 0, 1 << 16));
  }

  private static Prewarm prewarm(ManifestNode p) {
    p.allowOnly(Set.of("onStart", "schedule", "zone", "prompts", "pinnedPrefixes", "keepWarmFor"));
    Prewarm d = Prewarm.defaults();
    List<String> schedule = p.strings("schedule");
    for (int i = 0; i < schedule.size(); i++) {
      String entry = schedule.get(i);
      p.parse("schedule[" + i + "]", entry, s -> {
        CronExpression.parse(s);
        return s;
      });
    }
    String zone = p.text("zone", d.zone());
    p.parse("zone", zone, z -> {
      try {
        return ZoneId.of(z);
      } catch (DateTimeException ex) {
        throw new IllegalArgumentException("is not a time zone id (e.g. UTC, Europe/Paris), got '" + z + "'", ex);
      }
    });
    return new Prewarm(p.bool("onStart", d.onStart()), schedule, zone, p.strings("prompts"),
        p.strings("pinnedPrefixes"), p.duration("keepWarmFor", d.keepWarmFor()));
  }

  private static Kafka kafka(ManifestNode k, String function) {
    k.allowOnly(Set.of("enabled", "requestTopic", "group", "concurrency"));
    Kafka d = Kafka.defaults(function);
    String topic = k.text("requestTopic", d.requestTopic());
    if (!TOPIC.matcher(topic).matches() || topic.equals(".") || topic.equals("..")) {
      throw k.error("requestTopic", "must be a Kafka topic name ([a-zA-Z0-9._-], 1 to 249 characters), got '" + topic + "'");
    }
    String group = k.text("group", d.group());
    if (group.isBlank()) {
      throw k.error("group", "must not be blank");
    }
    return new Kafka(k.bool("enabled", d.enabled()), topic, group, k.integer("concurrency", d.concurrency(), 1, 4096));
  }

  /**
   * A valid function name for a model path: its last segment, lower-cased, without {@code .gguf}, other
   * characters as '-' ({@code /models/DeepSeek-R1-Distill-Qwen-1.5B} gives {@code deepseek-r1-distill-qwen-1.5b}).
   */
  public static String nameForModel(String modelPath) {
    Path file = Path.of(modelPath).getFileName();
    String base = (file == null ? "" : file.toString()).toLowerCase(java.util.Locale.ROOT).replaceFirst("\\.gguf$", "");
    String n = base.replaceAll("[^a-z0-9._-]", "-").replaceFirst("^[^a-z0-9]+", "");
    return n.isEmpty() ? "model" : n.substring(0, Math.min(n.length(), MAX_NAME_LENGTH));
  }

  /** The manifest as an ordered tree with sizes and durations in their text forms (the YAML/JSON layout). */
  public static Map<String, Object> toMap(FunctionManifest m) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("name", m.name());
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("path", m.model().declaredPath());
    if (m.model().dtype() != null) {
      model.put("dtype", m.model().dtype().toString());
    }
    root.put("model", model);
    root.put("device", m.device());
    root.put("weights", m.weights().toString());
    EngineSettings e = m.engine();
    Map<String, Object> engine = new LinkedHashMap<>();
    engine.put("maxModelLen", e.maxModelLen());
    engine.put("maxNumSeqs", e.maxNumSeqs());
    engine.put("maxNumBatchedTokens", e.maxNumBatchedTokens());
    engine.put("blockSize", e.blockSize());
    engine.put("kvCacheMemory", ByteSize.format(e.kvCacheMemory()));
    engine.put("threads", e.threads());
    engine.put("enablePrefixCaching", e.enablePrefixCaching());
    engine.put("hashSeed", e.hashSeed());
    engine.put("longPrefillTokenThreshold", e.longPrefillTokenThreshold());
    root.put("engine", engine);
    Map<String, Object> limits = new LinkedHashMap<>();
    limits.put("maxQueue", m.limits().maxQueue());
    limits.put("maxTokens", m.limits().maxTokens());
    root.put("limits", limits);
    Scaling s = m.scaling();
    Map<String, Object> scaling = new LinkedHashMap<>();
    scaling.put("minWarm", s.minWarm());
    scaling.put("idleTimeout", DurationText.format(s.idleTimeout()));
    scaling.put("maxHeldRequests", s.maxHeldRequests());
    scaling.put("maxHoldTime", DurationText.format(s.maxHoldTime()));
    scaling.put("maxContexts", s.maxContexts());
    root.put("scaling", scaling);
    Prewarm p = m.prewarm();
    Map<String, Object> prewarm = new LinkedHashMap<>();
    prewarm.put("onStart", p.onStart());
    prewarm.put("schedule", p.schedule());
    prewarm.put("zone", p.zone());
    prewarm.put("prompts", p.prompts());
    prewarm.put("pinnedPrefixes", p.pinnedPrefixes());
    prewarm.put("keepWarmFor", DurationText.format(p.keepWarmFor()));
    root.put("prewarm", prewarm);
    Kafka k = m.kafka();
    Map<String, Object> kafka = new LinkedHashMap<>();
    kafka.put("enabled", k.enabled());
    kafka.put("requestTopic", k.requestTopic());
    kafka.put("group", k.group());
    kafka.put("concurrency", k.concurrency());
    root.put("kafka", kafka);
    return root;
  }

  public static String toYaml(FunctionManifest m) {
    return write(YAML, m);
  }

  public static String toJson(FunctionManifest m) {
    return write(JSON, m);
  }

  private static String write(ObjectMapper mapper, FunctionManifest m) {
    try {
      return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(toMap(m));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
