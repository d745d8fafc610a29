package dev.ember.kafka;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.ToDoubleFunction;

/**
 * Exposes the Kafka door's counters in the replica's Prometheus scrape (ARCHITECTURE.md, "Observability"):
 * {@code ember_kafka_records_received_total}, {@code ember_kafka_requests_answered_total},
 * {@code ember_kafka_duplicates_total}, {@code ember_kafka_dead_letters_total},
 * {@code ember_kafka_pauses_total} and {@code ember_kafka_paused} (1 while a request topic is paused).
 *
 * <pre>{@code KafkaDoorMetrics.bind(registry, door); }</pre>
 */
public final class KafkaDoorMetrics {
  private KafkaDoorMetrics() {}

  public static void bind(MeterRegistry registry, KafkaDoor door) {
    counter(registry, "ember.kafka.records.received", "Request records taken from the request topics", door,
        d -> d.stats().received());
    counter(registry, "ember.kafka.requests.answered", "Requests whose final reply the broker acknowledged", door,
        d -> d.stats().answered());
    counter(registry, "ember.kafka.duplicates", "Redelivered requests answered by an earlier run", door,
        d -> d.stats().duplicates());
    counter(registry, "ember.kafka.dead.letters", "Records sent to a dead-letter topic", door,
        d -> d.stats().deadLettered());
    counter(registry, "ember.kafka.pauses", "Times the door paused its partitions (function or door full)", door,
        d -> d.stats().pauses());
    Gauge.builder("ember.kafka.paused", door, d -> d.stats().paused() ? 1 : 0)
        .description("1 while any request topic is paused").register(registry);
  }

  private static void counter(MeterRegistry registry, String name, String help, KafkaDoor door,
      ToDoubleFunction<KafkaDoor> f) {
    FunctionCounter.builder(name, door, f).description(help).register(registry);
  }
}
