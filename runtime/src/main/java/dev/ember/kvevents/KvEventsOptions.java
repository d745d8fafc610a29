package dev.ember.kvevents;

/**
 * Where and how a replica publishes its engines' KV cache events in vLLM's wire format (a ZMQ PUB socket
 * of msgpack {@code KVEventBatch} messages), so KV-aware routers built for vLLM fleets index Ember replicas
 * too.
 *
 * <pre>{@code KvEventsOptions o = KvEventsOptions.of("tcp://*:5557").withTopic("kv@pod-1@{function}"); }</pre>
 *
 * @param endpoint {@value #ENDPOINT_DOC}
 * @param topic {@value #TOPIC_DOC}
 * @param queueCapacity {@value #QUEUE_CAPACITY_DOC}
 * @param sendHighWaterMark {@value #SEND_HIGH_WATER_MARK_DOC}
 * @param replayEndpoint {@value #REPLAY_ENDPOINT_DOC} (null: no replay socket)
 * @param replayBatches {@value #REPLAY_BATCHES_DOC}
 */
public record KvEventsOptions(String endpoint, String topic, int queueCapacity, int sendHighWaterMark,
    String replayEndpoint, int replayBatches) {
  public static final String DEFAULT_ENDPOINT = "tcp://*:5557";
  public static final String ENDPOINT_DOC = "ZMQ endpoint of the KV event publisher, as vLLM reads it: an address"
      + " with a wildcard host (tcp://*:5557), ipc:// or inproc:// is bound, any other is connected to.";
  public static final String DEFAULT_TOPIC = "";
  public static final String TOPIC_DOC = "Topic frame of every KV event message; {function} is replaced by the"
      + " function's name (e.g. kv@pod-1@{function}).";
  /** The placeholder {@link #topic} replaces with the function name. */
  public static final String FUNCTION_PLACEHOLDER = "{function}";
  public static final int DEFAULT_QUEUE_CAPACITY = 100_000;
  public static final String QUEUE_CAPACITY_DOC = "Event batches waiting for the publisher thread; when full, new"
      + " batches are dropped and counted in ember_kv_events_dropped_total.";
  public static final int DEFAULT_SEND_HIGH_WATER_MARK = 100_000;
  public static final String SEND_HIGH_WATER_MARK_DOC = "Messages the PUB socket queues per subscriber before it"
      + " drops messages for that subscriber.";
  public static final String REPLAY_ENDPOINT_DOC = "ZMQ endpoint bound by a ROUTER socket that resends the kept"
      + " messages from a sequence number on, as vLLM's replay socket does (e.g. tcp://*:5558).";
  public static final int DEFAULT_REPLAY_BATCHES = 10_000;
  public static final String REPLAY_BATCHES_DOC = "Most recent messages kept for replay.";

  public KvEventsOptions {
    if (endpoint == null || endpoint.isBlank()) {
      throw new IllegalArgumentException("kv events endpoint must be given, e.g. " + DEFAULT_ENDPOINT);
    }
    if (!endpoint.startsWith("tcp://") && !endpoint.startsWith("ipc://") && !endpoint.startsWith("inproc://")) {
      throw new IllegalArgumentException("kv events endpoint must start with tcp://, ipc:// or inproc://, got '"
          + endpoint + "'");
    }
    if (endpoint.startsWith("tcp://") && !endpoint.substring("tcp://".length()).matches(".+:[0-9]{1,5}")) {
      throw new IllegalArgumentException("kv events endpoint must name a port (tcp://HOST:PORT), got '" + endpoint + "'");
    }
    if (topic == null) {
      throw new IllegalArgumentException("kv events topic must not be null (use \"\" for none)");
    }
    if (queueCapacity < 1) {
      throw new IllegalArgumentException("queueCapacity must be >= 1, got " + queueCapacity);
    }
    if (replayEndpoint != null && !replayEndpoint.startsWith("tcp://") && !replayEndpoint.startsWith("ipc://")
        && !replayEndpoint.startsWith("inproc://")) {
      throw new IllegalArgumentException("kv events replay endpoint must start with tcp://, ipc:// or inproc://, got '"
          + replayEndpoint + "'");
    }
    if (replayBatches < 1) {
      throw new IllegalArgumentException("replayBatches must be >= 1, got " + replayBatches);
    }
    if (sendHighWaterMark < 0) {
      throw new IllegalArgumentException("sendHighWaterMark must be >= 0, got " + sendHighWaterMark);
    }
  }

  /** Publishing on {@code endpoint} with the default topic and queue sizes. */
  public static KvEventsOptions of(String endpoint) {
    return new KvEventsOptions(endpoint, DEFAULT_TOPIC, DEFAULT_QUEUE_CAPACITY, DEFAULT_SEND_HIGH_WATER_MARK, null,
        DEFAULT_REPLAY_BATCHES);
  }

  public KvEventsOptions withTopic(String t) {
    return new KvEventsOptions(endpoint, t, queueCapacity, sendHighWaterMark, replayEndpoint, replayBatches);
  }

  public KvEventsOptions withQueueCapacity(int capacity) {
    return new KvEventsOptions(endpoint, topic, capacity, sendHighWaterMark, replayEndpoint, replayBatches);
  }

  /** Also answering replay requests on {@code endpoint} (null: none). */
  public KvEventsOptions withReplay(String endpoint) {
    return new KvEventsOptions(this.endpoint, topic, queueCapacity, sendHighWaterMark, endpoint, replayBatches);
  }

  /** Whether the publisher binds {@link #endpoint} (vLLM's rule: a wildcard host, ipc or inproc) or connects to it. */
  public boolean binds() {
    return endpoint.contains("*") || endpoint.contains("::") || endpoint.startsWith("ipc://")
        || endpoint.startsWith("inproc://");
  }

  /** The topic of a function's messages. */
  public String topicFor(String function) {
    return topic.replace(FUNCTION_PLACEHOLDER, function);
  }
}
