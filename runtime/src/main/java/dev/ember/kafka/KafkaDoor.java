package dev.ember.kafka;

import dev.ember.function.FunctionGateway;
import dev.ember.kafka.internal.DoorCounters;
import dev.ember.kafka.internal.DoorVerticle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * The Kafka door: functions invoked through request/reply topics, with the same JSON bodies, validation
 * and gateway as the HTTP API. Each served function's request topic is consumed in its consumer group;
 * replies go to the topic (and partition) named by the request's headers, keyed by its correlation id
 * ({@link EmberKafkaHeaders}). Delivery is at least once with commits after acknowledged replies, and
 * redelivered requests are answered once.
 *
 * <pre>{@code
 * KafkaDoor door = KafkaDoor.start(vertx, gateway, new KafkaDoorOptions().setBootstrapServers("kafka:9092")
 *     .addFunction("demo", manifest.kafka())).await();
 * door.close();
 * }</pre>
 */
public final class KafkaDoor {
  private final Vertx vertx;
  private final DoorVerticle verticle;
  private final String deploymentId;
  private final DoorCounters counters;

  private KafkaDoor(Vertx vertx, DoorVerticle verticle, String deploymentId, DoorCounters counters) {
    this.vertx = vertx;
    this.verticle = verticle;
    this.deploymentId = deploymentId;
    this.counters = counters;
  }

  /** Validates the options, subscribes to every request topic and completes once subscribed. */
  public static Future<KafkaDoor> start(Vertx vertx, FunctionGateway gateway, KafkaDoorOptions options) {
    try {
      options.validate();
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    DoorCounters counters = new DoorCounters();
    DoorVerticle verticle = new DoorVerticle(gateway, options, counters);
    return vertx.deployVerticle(verticle).map(id -> new KafkaDoor(vertx, verticle, id, counters));
  }

  public KafkaDoorStats stats() {
    return counters.snapshot();
  }

  /** Stops taking requests, lets running ones finish (up to 10 s), commits, and closes the clients. */
  public Future<Void> close() {
    return vertx.undeploy(deploymentId);
  }

  /** Drops every consumer without committing and starts fresh ones, as a consumer crash would (tests). */
  Future<Void> crashConsumers() {
    return verticle.replaceConsumers();
  }
}
