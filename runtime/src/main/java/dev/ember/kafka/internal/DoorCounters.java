package dev.ember.kafka.internal;

import dev.ember.kafka.KafkaDoorStats;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** The Kafka door's counters, written on its event loop and read from anywhere as a {@link KafkaDoorStats}. */
public final class DoorCounters {
  final AtomicLong received = new AtomicLong();
  final AtomicLong answered = new AtomicLong();
  final AtomicLong duplicates = new AtomicLong();
  final AtomicLong deadLettered = new AtomicLong();
  final AtomicLong pauses = new AtomicLong();
  final AtomicInteger pausedTopics = new AtomicInteger();

  public KafkaDoorStats snapshot() {
    return new KafkaDoorStats(received.get(), answered.get(), duplicates.get(), deadLettered.get(), pauses.get(),
        pausedTopics.get() > 0);
  }
}
