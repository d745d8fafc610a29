package dev.ember.cli;

import dev.ember.coldstart.ColdStartOptions;
import dev.ember.cluster.ClusterOptions;
import dev.ember.cluster.RoutingPolicy;
import dev.ember.device.WeightPlacement;
import dev.ember.function.ByteSize;
import dev.ember.function.DemoFunction;
import dev.ember.function.DurationText;
import dev.ember.function.FunctionInfo;
import dev.ember.function.FunctionLoadOptions;
import dev.ember.function.FunctionManifest;
import dev.ember.function.FunctionManifest.EngineSettings;
import dev.ember.function.FunctionManifests;
import dev.ember.http.ConnectionOptions;
import dev.ember.http.HttpOptions;
import dev.ember.http.admin.AdminOptions;
import dev.ember.kafka.KafkaDoor;
import dev.ember.kafka.KafkaDoorMetrics;
import dev.ember.kafka.KafkaDoorOptions;
import dev.ember.kvevents.KvEventsOptions;
import dev.ember.model.DType;
import dev.ember.ops.LogSetup;
import dev.ember.server.EmberServer;
import dev.ember.server.ServerOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

/**
 * {@code ember serve}: runs the server until SIGTERM/SIGINT, then shuts down gracefully. With no
 * arguments it serves the embedded demo function; {@code --model PATH} serves one model,
 * {@code --functions DIR} every manifest in a directory. Engine flags override the manifests' values.
 *
 * <pre>{@code ./ember serve --model /models/DeepSeek-R1-Distill-Qwen-1.5B --dtype q8_0 --api-key s3cret}</pre>
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
    defaultValueProvider = EnvironmentDefaults.class,
    description = "Serve functions over the OpenAI-compatible HTTP API (default: the embedded demo function).",
    footer = "Every single-valued option can also be set as EMBER_<OPTION> (e.g. EMBER_PORT=8080, "
        + "EMBER_KV_CACHE_MEMORY=2GiB); flags win. EMBER_API_KEY takes comma-separated keys.")
public final class ServeCommand implements Callable<Integer> {
  @Option(names = "--model", description = "HF model directory or .gguf file to serve as one function.")
  String model;

  @Option(names = "--name", description = "Function name for --model (default: derived from the path).")
  String name;

  @Option(names = "--dtype", description = "Convert weight matrices at load time: f32, f16, bf16, q8_0, q4_0.",
      converter = ModelOptions.DTypeConverter.class)
  DType dtype;

  @Option(names = "--functions", description = "Serve every manifest (*.yaml, *.yml, *.json) in this directory.")
  Path functions;

  @Option(names = "--host", defaultValue = HttpOptions.DEFAULT_HOST, description = HttpOptions.HOST_DOC
      + " Default: ${DEFAULT-VALUE}.")
  String host;

  @Option(names = "--port", defaultValue = "8000", description = HttpOptions.PORT_DOC + " Default: ${DEFAULT-VALUE}.")
  int port;

  @Option(names = "--api-key", description = HttpOptions.API_KEY_DOC)
  List<String> apiKeys = new ArrayList<>();

  @Option(names = "--admin-api-key", description = AdminOptions.API_KEY_DOC)
  List<String> adminApiKeys = new ArrayList<>();

  @Option(names = "--admin-port", description = AdminOptions.PORT_DOC)
  Integer adminPort;

  @Option(names = "--admin-host", defaultValue = AdminOptions.DEFAULT_HOST, description = AdminOptions.HOST_DOC
      + " Default: ${DEFAULT-VALUE}.")
  String adminHost;

  @Option(names = "--model-root", description = AdminOptions.MODEL_ROOT_DOC)
  List<Path> modelRoots = new ArrayList<>();

  @Option(names = "--load-phase-timeout", defaultValue = "10m", converter = DurationConverter.class,
      description = FunctionLoadOptions.PHASE_TIMEOUT_DOC + " Default: ${DEFAULT-VALUE}.")
  Duration loadPhaseTimeout;

  @Option(names = "--snapshot-dir", description = ColdStartOptions.SNAPSHOT_DIRECTORY_DOC)
  Path snapshotDir;

  @Option(names = "--snapshot-max-files", defaultValue = "" + ColdStartOptions.DEFAULT_SNAPSHOT_MAX_FILES,
      description = ColdStartOptions.SNAPSHOT_MAX_FILES_DOC + " Default: ${DEFAULT-VALUE}.")
  int snapshotMaxFiles;

  @Option(names = "--snapshot-max-bytes", defaultValue = "2GiB", converter = SizeConverter.class,
      description = ColdStartOptions.SNAPSHOT_MAX_BYTES_DOC + " Default: ${DEFAULT-VALUE}.")
  long snapshotMaxBytes;

  @Option(names = "--body-limit", defaultValue = "4MiB", converter = SizeConverter.class,
      description = HttpOptions.BODY_LIMIT_DOC + " Default: ${DEFAULT-VALUE}.")
  long bodyLimit;

  @Option(names = "--idle-timeout", defaultValue = "60s", converter = DurationConverter.class,
      description = ConnectionOptions.IDLE_TIMEOUT_DOC + " Default: ${DEFAULT-VALUE}.")
  Duration idleTimeout;

  @Option(names = "--header-read-timeout", defaultValue = "10s", converter = DurationConverter.class,
      description = ConnectionOptions.HEADER_READ_TIMEOUT_DOC + " Default: ${DEFAULT-VALUE}.")
  Duration headerReadTimeout;

  @Option(names = "--body-read-timeout", defaultValue = "30s", converter = DurationConverter.class,
      description = ConnectionOptions.BODY_READ_TIMEOUT_DOC + " Default: ${DEFAULT-VALUE}.")
  Duration bodyReadTimeout;

  @Option(names = "--max-connections-per-client", defaultValue = "256",
      description = ConnectionOptions.MAX_CONNECTIONS_PER_CLIENT_DOC + " Default: ${DEFAULT-VALUE}.")
  int maxConnectionsPerClient;

  @Option(names = "--h2c", description = ConnectionOptions.HTTP2_CLEAR_TEXT_DOC)
  boolean h2c;

  @Option(names = "--protect-operations", description = "Require the API key on /health and /metrics too.")
  boolean protectOperations;

  @Option(names = "--device", description = FunctionManifest.DEVICE_DOC + " E.g. numa:all, cpu:0,cpu:1.")
  String device;

  @Option(names = "--weights", converter = WeightPlacementConverter.class, description = WeightPlacement.DOC)
  WeightPlacement weights;

  @Option(names = "--threads", description = EngineSettings.THREADS_DOC)
  Integer threads;

  @Option(names = "--kv-cache-memory", converter = SizeConverter.class, description = EngineSettings.KV_CACHE_MEMORY_DOC)
  Long kvCacheMemory;

  @Option(names = "--max-model-len", description = EngineSettings.MAX_MODEL_LEN_DOC)
  Integer maxModelLen;

  @Option(names = "--max-num-seqs", description = EngineSettings.MAX_NUM_SEQS_DOC)
  Integer maxNumSeqs;

  @Option(names = "--max-num-batched-tokens", description = EngineSettings.MAX_NUM_BATCHED_TOKENS_DOC
      + " A prefill longer than what is left of it runs in chunks over several steps, between the decodes.")
  Integer maxNumBatchedTokens;

  @Option(names = "--long-prefill-token-threshold", description = EngineSettings.LONG_PREFILL_TOKEN_THRESHOLD_DOC)
  Integer longPrefillTokenThreshold;

  @Option(names = "--hash-seed", description = EngineSettings.HASH_SEED_DOC)
  String hashSeed;

  @Option(names = "--shutdown-timeout", defaultValue = "30s", converter = DurationConverter.class,
      description = ServerOptions.SHUTDOWN_TIMEOUT_DOC + " Default: ${DEFAULT-VALUE}.")
  Duration shutdownTimeout;

  @Option(names = "--kafka-bootstrap", description = "Also serve functions over Kafka request/reply topics "
      + "(those whose manifest sets kafka.enabled, or every function when none does), HOST:PORT.")
  String kafkaBootstrap;

  @Option(names = "--kafka-property", description = "Kafka client property key=value (SASL, TLS, ...); repeatable.")
  List<String> kafkaProperties = List.of();

  @Option(names = "--kv-events-endpoint", description = "Also publish the engines' KV cache events in vLLM's wire"
      + " format (ZMQ PUB, msgpack), e.g. " + KvEventsOptions.DEFAULT_ENDPOINT + "; or EMBER_KV_EVENTS_ENDPOINT. "
      + KvEventsOptions.ENDPOINT_DOC)
  String kvEventsEndpoint;

  @Option(names = "--kv-events-topic", defaultValue = KvEventsOptions.DEFAULT_TOPIC,
      description = KvEventsOptions.TOPIC_DOC)
  String kvEventsTopic;

  @Option(names = "--kv-events-replay-endpoint", description = KvEventsOptions.REPLAY_ENDPOINT_DOC)
  String kvEventsReplayEndpoint;

  /** Environment lookup (tests replace it). */
  UnaryOperator<String> env = System::getenv;
  @Option(names = "--cluster", description = "Join a cluster of replicas (Hazelcast) that share a prefix-cache index"
      + " and route each request to the replica caching its prefix.")
  boolean cluster;

  @Option(names = "--cluster-members", split = ",", description = ClusterOptions.MEMBERS_DOC)
  List<String> clusterMembers = List.of();

  @Option(names = "--cluster-port", defaultValue = "" + ClusterOptions.DEFAULT_PORT,
      description = ClusterOptions.PORT_DOC + " Default: ${DEFAULT-VALUE}.")
  int clusterPort;

  @Option(names = "--cluster-host", description = ClusterOptions.HOST_DOC)
  String clusterHost;

  @Option(names = "--cluster-dns", description = ClusterOptions.DNS_DOC)
  String clusterDns;

  @Option(names = "--cluster-name", defaultValue = ClusterOptions.DEFAULT_NAME,
      description = ClusterOptions.NAME_DOC + " Default: ${DEFAULT-VALUE}.")
  String clusterName;

  @Option(names = "--replica-name", description = ClusterOptions.REPLICA_NAME_DOC)
  String replicaName;

  @Option(names = "--routing", defaultValue = "cache-aware", description = ClusterOptions.ROUTING_DOC
      + " Default: ${DEFAULT-VALUE}.")
  String routing;

  @Option(names = "--cache-weight", defaultValue = "" + ClusterOptions.DEFAULT_CACHE_WEIGHT,
      description = ClusterOptions.CACHE_WEIGHT_DOC + " Default: ${DEFAULT-VALUE}.")
  double cacheWeight;

  @Option(names = "--cluster-heartbeat", defaultValue = "1s", converter = DurationConverter.class,
      description = ClusterOptions.HEARTBEAT_DOC + " Default: ${DEFAULT-VALUE}.")
  Duration clusterHeartbeat;

  @Option(names = "--cluster-failure-detection", defaultValue = "10s", converter = DurationConverter.class,
      description = ClusterOptions.FAILURE_DETECTION_DOC + " Default: ${DEFAULT-VALUE}.")
  Duration clusterFailureDetection;

  @Override
  public Integer call() throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    LogSetup.installFromEnvironment();
    // The server maps gigabytes of weights: keep JavaCPP from forcing GCs or refusing allocations.
    System.setProperty("org.bytedeco.javacpp.maxPhysicalBytes", System.getProperty("org.bytedeco.javacpp.maxPhysicalBytes", "0"));
    System.setProperty("org.bytedeco.javacpp.maxBytes", System.getProperty("org.bytedeco.javacpp.maxBytes", "0"));
    ServerOptions options;
    EmberServer server;
    try {
      options = serverOptions();
    } catch (IllegalArgumentException | IOException e) {
      System.err.println("ember serve: " + e.getMessage());
      return 2;
    }
    try {
      server = EmberServer.start(options).await();
    } catch (Exception e) {
      System.err.println("ember serve: could not start on " + host + ":" + port + ": " + e.getMessage());
      return 1;
    }
    KafkaDoor door;
    try {
      door = kafkaBootstrap == null ? null
          : KafkaDoor.start(server.vertx(), server.gateway(), kafkaOptions(options.functions())).await();
    } catch (Exception e) {
      System.err.println("ember serve: could not start the Kafka door on " + kafkaBootstrap + ": " + e.getMessage());
      server.shutdown(shutdownTimeout).await();
      return 1;
    }
    if (door != null) {
      KafkaDoorMetrics.bind(server.metrics().registry(), door);
    }
    Thread graceful = server.shutdownHook();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.err.println("ember serve: shutting down; in-flight requests have up to "
          + DurationText.format(shutdownTimeout));
      // The Kafka door stops first, so its running requests finish and commit instead of being aborted.
      if (door != null) {
        door.close().await();
      }
      graceful.run();
      System.err.println("ember serve: stopped");
    }, "ember-serve-shutdown"));
    printBanner(out, server);
    server.stopped().await();
    return 0;
  }

  /** The cluster to join, or null without --cluster. */
  ClusterOptions clusterOptions() {
    if (!cluster) {
      if (!clusterMembers.isEmpty() || clusterDns != null || replicaName != null || clusterHost != null) {
        throw new IllegalArgumentException("--cluster-members, --cluster-dns, --cluster-host and --replica-name"
            + " need --cluster");
      }
      return null;
    }
    String dns = clusterDns != null ? clusterDns : env.apply("EMBER_CLUSTER_DNS");
    return new ClusterOptions(clusterName, clusterHost, clusterPort, clusterMembers, dns, replicaName,
        RoutingPolicy.parse(routing), clusterHeartbeat, clusterFailureDetection, cacheWeight);
  }

  KafkaDoorOptions kafkaOptions(List<FunctionManifest> functions) {
    KafkaDoorOptions o = new KafkaDoorOptions().setBootstrapServers(kafkaBootstrap);
    kafkaProperties.forEach(o::addProperty);
    boolean anyEnabled = functions.stream().anyMatch(f -> f.kafka().enabled());
    functions.stream().filter(f -> !anyEnabled || f.kafka().enabled()).forEach(f -> o.addFunction(f.name(), f.kafka()));
    return o;
  }

  ServerOptions serverOptions() throws IOException {
    ColdStartOptions coldStart = ColdStartOptions.defaults().withSnapshotDirectory(snapshotDir)
        .withSnapshotLimits(snapshotMaxFiles, snapshotMaxBytes);
    return new ServerOptions(httpOptions(), manifests(), shutdownTimeout,
        new AdminOptions(keys("--admin-api-key", adminApiKeys, "EMBER_ADMIN_API_KEY"), modelRoots, adminHost,
            adminPort),
        new FunctionLoadOptions(loadPhaseTimeout, coldStart), clusterOptions(), kvEventsOptions());
  }

  /** The KV event publisher's settings, or null when neither the flag nor EMBER_KV_EVENTS_ENDPOINT names an endpoint. */
  KvEventsOptions kvEventsOptions() {
    String endpoint = kvEventsEndpoint != null ? kvEventsEndpoint : env.apply("EMBER_KV_EVENTS_ENDPOINT");
    return endpoint == null || endpoint.isEmpty() ? null : KvEventsOptions.of(endpoint).withTopic(kvEventsTopic)
        .withReplay(kvEventsReplayEndpoint);
  }

  HttpOptions httpOptions() {
    return new HttpOptions(host, port, keys("--api-key", apiKeys, "EMBER_API_KEY"), bodyLimit, protectOperations,
        new ConnectionOptions(idleTimeout, headerReadTimeout, bodyReadTimeout, maxConnectionsPerClient, h2c));
  }

  /**
   * The keys of a repeatable flag plus those of a comma-separated environment variable; an empty entry
   * in either (e.g. {@code --api-key "$KEY"} with KEY unset) is an error, never a key that matches
   * nothing or everything.
   */
  List<String> keys(String flag, List<String> given, String envName) {
    List<String> keys = new ArrayList<>();
    for (String k : given) {
      if (k == null || k.isBlank()) {
        throw new IllegalArgumentException(flag + " is empty (is the variable you passed set?); give a key or"
            + " leave the option out");
      }
      keys.add(k.strip());
    }
    String value = env.apply(envName);
    if (value != null) {
      for (String k : value.split(",", -1)) {
        if (k.isBlank()) {
          throw new IllegalArgumentException(envName + " has an empty entry; set it to comma-separated keys or"
              + " unset it");
        }
        keys.add(k.strip());
      }
    }
    return keys;
  }

  /** The functions to serve: --functions, else --model, else the demo; engine flags applied and re-validated. */
  List<FunctionManifest> manifests() throws IOException {
    if (functions != null && model != null) {
      throw new IllegalArgumentException("give either --model or --functions, not both");
    }
    List<FunctionManifest> base;
    if (functions != null) {
      base = FunctionManifests.loadDirectory(functions);
    } else if (model != null) {
      base = List.of(FunctionManifest.of(name != null ? name : FunctionManifests.nameForModel(model), model, dtype));
    } else {
      base = List.of(DemoFunction.manifest());
    }
    return base.stream().map(m -> FunctionManifests.validate((device != null ? m.withDevice(device) : m)
        .withWeights(weights != null ? weights : m.weights()).withEngine(overrides(m.engine())), "command line"))
        .toList();
  }

  /** Reads {@code --weights} with the manifest's spellings. */
  static final class WeightPlacementConverter implements ITypeConverter<WeightPlacement> {
    @Override
    public WeightPlacement convert(String value) {
      return WeightPlacement.parse(value);
    }
  }

  private EngineSettings overrides(EngineSettings e) {
    return new EngineSettings(maxModelLen != null ? maxModelLen : e.maxModelLen(),
        maxNumSeqs != null ? maxNumSeqs : e.maxNumSeqs(),
        maxNumBatchedTokens != null ? maxNumBatchedTokens : e.maxNumBatchedTokens(), e.blockSize(),
        kvCacheMemory != null ? kvCacheMemory : e.kvCacheMemory(), threads != null ? threads : e.threads(),
        e.enablePrefixCaching(), hashSeed != null ? hashSeed : e.hashSeed(),
        longPrefillTokenThreshold != null ? longPrefillTokenThreshold : e.longPrefillTokenThreshold());
  }

  private void printBanner(PrintStream out, EmberServer server) {
    String shownHost = host.equals("0.0.0.0") || host.equals("::") ? "localhost" : host;
    String base = "http://" + shownHost + ":" + server.port();
    out.println("Ember listening on " + base);
    if (adminPort != null) {
      out.println("Admin API on http://" + adminHost + ":" + server.adminPort() + "/functions");
    }
    String first = null;
    for (FunctionInfo f : server.registry().list()) {
      out.println("  function " + f.name() + ": " + f.state() + (f.reason() != null ? " (" + f.reason() + ")" : ""));
      if (first == null && f.state().serving()) {
        first = f.name();
      }
    }
    if (first != null) {
      String auth = httpOptions().apiKeys().isEmpty() ? "" : " -H \"Authorization: Bearer $EMBER_API_KEY\"";
      out.println("Try:");
      out.println("  curl " + base + "/v1/chat/completions -H 'Content-Type: application/json'" + auth
          + " -d '{\"model\":\"" + first + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],\"max_tokens\":32}'");
    }
  }

  /** Parses sizes like 4MiB for picocli. */
  static final class SizeConverter implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      return ByteSize.parse(value);
    }
  }

  /** Parses durations like 30s for picocli. */
  static final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
      return DurationText.parse(value);
    }
  }
}
