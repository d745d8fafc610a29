package dev.ember.kafka.internal;

import dev.ember.function.FunctionGateway;
import dev.ember.kafka.KafkaDoorOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Kafka door as one verticle, so that its consumers, producer, timers and request callbacks all run on
 * one event-loop context: one {@link TopicConsumer} per (request topic, group), one {@link ReplySender}
 * and one {@link CorrelationWindow} shared by them. Functions bound to the same topic and group share a
 * consumer; the first one bound is the default for requests that name no function.
 *
 * <pre>{@code vertx.deployVerticle(new DoorVerticle(gateway, options, counters)); }</pre>
 */
public final class DoorVerticle extends VerticleBase {
  private final FunctionGateway gateway;
  private final KafkaDoorOptions options;
  private final DoorCounters counters;
  private final List<TopicConsumer> consumers = new ArrayList<>();
  private ReplySender sender;
  private RequestRunner runner;
  private CorrelationWindow window;

  public DoorVerticle(FunctionGateway gateway, KafkaDoorOptions options, DoorCounters counters) {
    this.gateway = gateway;
    this.options = options;
    this.counters = counters;
  }

  @Override
  public Future<?> start() {
    Map<String, String> client = new HashMap<>(options.properties());
    client.put("bootstrap.servers", options.bootstrapServers());
    sender = new ReplySender(vertx, client);
    runner = new RequestRunner(gateway, sender);
    window = new CorrelationWindow(options.dedupeTtl().toNanos(), options.dedupeCapacity());
    Map<String, TopicConsumer.Settings> byTopic = new LinkedHashMap<>();
    for (KafkaDoorOptions.Binding b : options.functions()) {
      byTopic.merge(b.kafka().requestTopic() + "\n" + b.kafka().group(),
          new TopicConsumer.Settings(b.kafka().requestTopic(), b.kafka().group(), b.function(), b.kafka().concurrency(),
              options.commitInterval().toMillis(), options.retryDelay().toMillis()),
          (first, next) -> new TopicConsumer.Settings(first.topic(), first.group(), first.defaultFunction(),
              Math.max(first.concurrency(), next.concurrency()), first.commitIntervalMs(), first.retryDelayMs()));
    }
    List<Future<Void>> started = new ArrayList<>();
    for (TopicConsumer.Settings s : byTopic.values()) {
      TopicConsumer c = new TopicConsumer(vertx, client, s, runner, sender, window, counters);
      consumers.add(c);
      started.add(c.start());
    }
    return Future.all(started);
  }

  @Override
  public Future<?> stop() {
    List<Future<Void>> closed = new ArrayList<>();
    consumers.forEach(c -> closed.add(c.close()));
    return Future.join(closed).eventually(() -> sender.close());
  }

  /** Replaces every consumer by a fresh one without committing, as after a consumer crash. */
  public Future<Void> replaceConsumers() {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> replaceOnContext().onComplete(done));
    return done.future();
  }

  private Future<Void> replaceOnContext() {
    Map<String, String> client = new HashMap<>(options.properties());
    client.put("bootstrap.servers", options.bootstrapServers());
    List<Future<Void>> restarted = new ArrayList<>();
    for (int i = 0; i < consumers.size(); i++) {
      TopicConsumer old = consumers.get(i);
      TopicConsumer fresh = new TopicConsumer(vertx, client, old.settings(), runner, sender, window, counters);
      consumers.set(i, fresh);
      restarted.add(old.kill().compose(v -> fresh.start()));
    }
    return Future.all(restarted).mapEmpty();
  }
}
