package dev.ember.kafka;

import dev.ember.function.FunctionManifest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Settings of the Kafka door: the brokers, client properties passed through to every consumer and
 * producer (SASL, TLS, ...), the functions it serves with their manifest {@code kafka} sections, and the
 * delivery tunables.
 *
 * <pre>{@code
 * new KafkaDoorOptions().setBootstrapServers("kafka:9092").addProperty("security.protocol", "SASL_SSL")
 *     .addFunction("demo", manifest.kafka());
 * }</pre>
 */
public final class KafkaDoorOptions {
  public static final Duration DEFAULT_DEDUPE_TTL = Duration.ofMinutes(10);
  public static final String DEDUPE_TTL_DOC = "How long a finished correlation id is remembered, so a redelivered request is not run again.";
  public static final int DEFAULT_DEDUPE_CAPACITY = 100_000;
  public static final String DEDUPE_CAPACITY_DOC = "Most correlation ids remembered; the oldest finished ones are forgotten first.";
  public static final Duration DEFAULT_COMMIT_INTERVAL = Duration.ofMillis(100);
  public static final String COMMIT_INTERVAL_DOC = "Finished offsets are committed at most this often (and on revocation and close).";
  public static final Duration DEFAULT_RETRY_DELAY = Duration.ofMillis(200);
  public static final String RETRY_DELAY_DOC = "How long paused partitions wait before retrying a request the function refused with 429, unless one of the door's requests finishes first.";

  /** A function served from its request topic. */
  public record Binding(String function, FunctionManifest.Kafka kafka) {
    public Binding {
      Objects.requireNonNull(function, "function");
      Objects.requireNonNull(kafka, "kafka");
      if (kafka.concurrency() < 1) {
        throw new IllegalArgumentException("kafka.concurrency must be >= 1 for function " + function);
      }
    }
  }

  private String bootstrapServers;
  private final Map<String, String> properties = new LinkedHashMap<>();
  private final List<Binding> functions = new ArrayList<>();
  private Duration dedupeTtl = DEFAULT_DEDUPE_TTL;
  private int dedupeCapacity = DEFAULT_DEDUPE_CAPACITY;
  private Duration commitInterval = DEFAULT_COMMIT_INTERVAL;
  private Duration retryDelay = DEFAULT_RETRY_DELAY;

  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** {@code HOST:PORT[,HOST:PORT...]} ({@code --kafka-bootstrap}). */
  public KafkaDoorOptions setBootstrapServers(String bootstrapServers) {
    this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
    return this;
  }

  public Map<String, String> properties() {
    return Map.copyOf(properties);
  }

  /** A Kafka client property for consumers and producers ({@code --kafka-property key=value}). */
  public KafkaDoorOptions addProperty(String key, String value) {
    properties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
    return this;
  }

  /** Parses {@code key=value}, as given on the command line. */
  public KafkaDoorOptions addProperty(String keyValue) {
    int eq = keyValue.indexOf('=');
    if (eq <= 0) {
      throw new IllegalArgumentException("expected key=value, got '" + keyValue + "'");
    }
    return addProperty(keyValue.substring(0, eq).trim(), keyValue.substring(eq + 1).trim());
  }

  public List<Binding> functions() {
    return List.copyOf(functions);
  }

  /** Serves {@code function} from its manifest's request topic, consumer group and concurrency limit. */
  public KafkaDoorOptions addFunction(String function, FunctionManifest.Kafka kafka) {
    functions.add(new Binding(function, kafka));
    return this;
  }

  public Duration dedupeTtl() {
    return dedupeTtl;
  }

  public KafkaDoorOptions setDedupeTtl(Duration dedupeTtl) {
    this.dedupeTtl = positive(dedupeTtl, "dedupeTtl");
    return this;
  }

  public int dedupeCapacity() {
    return dedupeCapacity;
  }

  public KafkaDoorOptions setDedupeCapacity(int dedupeCapacity) {
    if (dedupeCapacity < 1) {
      throw new IllegalArgumentException("dedupeCapacity must be >= 1");
    }
    this.dedupeCapacity = dedupeCapacity;
    return this;
  }

  public Duration commitInterval() {
    return commitInterval;
  }

  public KafkaDoorOptions setCommitInterval(Duration commitInterval) {
    this.commitInterval = positive(commitInterval, "commitInterval");
    return this;
  }

  public Duration retryDelay() {
    return retryDelay;
  }

  public KafkaDoorOptions setRetryDelay(Duration retryDelay) {
    this.retryDelay = positive(retryDelay, "retryDelay");
    return this;
  }

  /** Checks the options are complete; the door calls it on start. */
  public void validate() {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException("the Kafka door needs bootstrap servers (--kafka-bootstrap HOST:PORT)");
    }
    if (functions.isEmpty()) {
      throw new IllegalArgumentException("the Kafka door serves no function");
    }
  }

  private static Duration positive(Duration d, String name) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive");
    }
    return d;
  }
}
