package dev.ember.kafka.internal;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.kafka.client.common.TopicPartition;
import io.vertx.kafka.client.consumer.KafkaConsumer;
import io.vertx.kafka.client.consumer.KafkaConsumerRecord;
import io.vertx.kafka.client.consumer.OffsetAndMetadata;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Consumes one request topic in one consumer group and runs its records, at least once and without
 * duplicate work. At most {@code concurrency} records run at a time; the next ones wait in a prefetch
 * queue, so a finished request is followed at once by the next record instead of by a resume and a
 * fresh poll. When that queue holds {@code concurrency} records or the function answers 429, the
 * partitions are paused (polling goes on, so the group keeps the member); a poll returns at most
 * {@code concurrency} records, so fewer than {@code 2 * concurrency} ever wait. They are resumed when the
 * queue drains below the bound or the retry delay passes. A record's offset is committed only after its final reply is acknowledged, and per
 * partition never past an earlier unfinished record ({@link PartitionProgress}); redelivered requests
 * (same reply topic and correlation id) are answered once ({@link CorrelationWindow}). Partitions are assigned cooperatively; when some
 * move to another member, what finished on them is committed and their unfinished requests are
 * abandoned for the new owner to run. Records without a reply address go to the dead-letter topic. Runs entirely on the context that created it (the door's verticle).
 *
 * <pre>{@code new TopicConsumer(vertx, config, binding, runner, sender, window, counters, delays).start(); }</pre>
 */
public final class TopicConsumer {
  private static final Logger LOG = Logger.getLogger(TopicConsumer.class.getName());
  private static final long CLOSE_WAIT_MS = 10_000;
  /** How long one poll may block the consumer's thread, which also delays a pause or resume queued behind it. */
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(100);

  /** What the consumer serves and how it paces itself. */
  public record Settings(String topic, String group, String defaultFunction, int concurrency, long commitIntervalMs,
      long retryDelayMs) {}

  private final Vertx vertx;
  private final Map<String, String> clientConfig;
  private final Settings settings;
  private final RequestRunner runner;
  private final ReplySender sender;
  private final CorrelationWindow window;
  private final DoorCounters counters;
  private final ArrayDeque<KafkaConsumerRecord<byte[], byte[]>> waiting = new ArrayDeque<>();
  private final Map<TopicPartition, PartitionProgress> progress = new HashMap<>();
  private final Set<TopicPartition> assigned = new HashSet<>();
  private final Map<TopicPartition, Set<RequestRunner.Run>> runs = new HashMap<>();
  private RebalanceCommitter client;
  private KafkaConsumer<byte[], byte[]> consumer;
  private int active;
  private boolean paused;
  private boolean refused;
  private long retryTimer = -1;
  private long commitTimer = -1;
  private boolean committing;
  private boolean stopped;
  private Promise<Void> idle;

  public TopicConsumer(Vertx vertx, Map<String, String> clientConfig, Settings settings, RequestRunner runner,
      ReplySender sender, CorrelationWindow window, DoorCounters counters) {
    this.vertx = vertx;
    this.clientConfig = clientConfig;
    this.settings = settings;
    this.runner = runner;
    this.sender = sender;
    this.window = window;
    this.counters = counters;
  }

  public Settings settings() {
    return settings;
  }

  /** Creates the consumer and subscribes; call on the door's context. */
  public Future<Void> start() {
    Map<String, String> config = new HashMap<>();
    config.put("auto.offset.reset", "earliest");
    // only the partitions that move are revoked in a rebalance, so the others' requests run on
    config.put("partition.assignment.strategy", "org.apache.kafka.clients.consumer.CooperativeStickyAssignor");
    config.putAll(clientConfig);
    config.put("group.id", settings.group());
    config.put("enable.auto.commit", "false");
    config.put("max.poll.records", Integer.toString(settings.concurrency()));
    config.put("key.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
    config.put("value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
    client = new RebalanceCommitter(new HashMap<String, Object>(config));
    consumer = KafkaConsumer.create(vertx, client);
    consumer.pollTimeout(POLL_TIMEOUT);
    consumer.partitionsAssignedHandler(this::assigned);
    consumer.partitionsRevokedHandler(this::revoked);
    consumer.exceptionHandler(e -> LOG.log(Level.WARNING, "kafka consumer of " + settings.topic() + ": " + e));
    consumer.handler(this::received);
    return consumer.subscribe(settings.topic());
  }

  /** Stops taking records, lets running ones finish (bounded), commits what finished and leaves the group. */
  public Future<Void> close() {
    if (stopped) {
      return Future.succeededFuture();
    }
    stopped = true;
    waiting.clear();
    cancelTimers();
    setPaused(true);
    Promise<Void> drained = Promise.promise();
    if (active == 0) {
      drained.complete();
    } else {
      idle = drained;
      vertx.setTimer(CLOSE_WAIT_MS, t -> drained.tryComplete());
    }
    return drained.future()
        .compose(v -> commit(progress.keySet()).otherwiseEmpty())
        .compose(v -> {
          if (paused) {
            paused = false;
            counters.pausedTopics.decrementAndGet();
          }
          return consumer.close();
        });
  }

  /** Drops the consumer without committing anything more, as a crash would; running requests still reply. */
  public Future<Void> kill() {
    stopped = true;
    waiting.clear();
    progress.clear();
    client.forgetAll();
    cancelTimers();
    if (paused) {
      paused = false;
      counters.pausedTopics.decrementAndGet();
    }
    return consumer.close();
  }

  private void received(KafkaConsumerRecord<byte[], byte[]> rec) {
    if (stopped) {
      return;
    }
    TopicPartition tp = partitionOf(rec);
    if (!assigned.contains(tp)) {
      return;
    }
    counters.received.incrementAndGet();
    progress.computeIfAbsent(tp, k -> new PartitionProgress()).taken(rec.offset());
    waiting.add(rec);
    drain();
  }

  private void drain() {
    while (!stopped && !refused && active < settings.concurrency() && !waiting.isEmpty()) {
      KafkaConsumerRecord<byte[], byte[]> rec = waiting.poll();
      if (assigned.contains(partitionOf(rec))) {
        run(rec);
      }
    }
    setPaused(stopped || refused || waiting.size() >= settings.concurrency());
  }

  private void run(KafkaConsumerRecord<byte[], byte[]> rec) {
    RequestAddress to;
    try {
      to = RequestAddress.of(rec.headers());
    } catch (UnanswerableRecordException e) {
      deadLetter(rec, e, null);
      return;
    }
    String key = to.dedupeKey();
    switch (window.claim(key, System.nanoTime(), answered -> {
      if (answered) {
        finished(rec);
      } else {
        waiting.addFirst(rec);
        drain();
      }
    })) {
      case ANSWERED -> {
        counters.duplicates.incrementAndGet();
        finished(rec);
      }
      case IN_FLIGHT -> counters.duplicates.incrementAndGet();
      case NEW -> {
        active++;
        TopicPartition tp = partitionOf(rec);
        RequestRunner.Run running = runner.run(to, rec.value(), settings.defaultFunction());
        runs.computeIfAbsent(tp, k -> new HashSet<>()).add(running);
        running.outcome().onComplete(ar -> {
          refused = false;
          Set<RequestRunner.Run> ofPartition = runs.get(tp);
          if (ofPartition != null) {
            ofPartition.remove(running);
          }
          if (ar.failed()) {
            LOG.log(Level.WARNING, "the reply to " + to.replyTopic() + " failed; dead-lettering the request", ar.cause());
            deadLetter(rec, ar.cause(), key);
          } else {
            switch (ar.result()) {
              case ANSWERED -> {
                window.answered(key, System.nanoTime());
                counters.answered.incrementAndGet();
                finished(rec);
              }
              case REFUSED -> {
                window.abandoned(key);
                if (!stopped) {
                  waiting.addFirst(rec);
                  refuseUntilRetry();
                }
              }
              case ABANDONED -> window.abandoned(key);
            }
          }
          // After deadLetter (if any) has counted itself in, so close waits for the dead letter too.
          endActive();
          drain();
        });
      }
    }
  }

  /** The function's queue is full: hold the partitions until one of ours finishes or the retry delay passes. */
  private void refuseUntilRetry() {
    refused = true;
    if (retryTimer < 0) {
      retryTimer = vertx.setTimer(settings.retryDelayMs(), t -> {
        retryTimer = -1;
        refused = false;
        drain();
      });
    }
  }

  private void deadLetter(KafkaConsumerRecord<byte[], byte[]> rec, Throwable reason, String claimedKey) {
    active++;
    sender.deadLetter(rec, reason).onComplete(ar -> {
      if (ar.failed()) {
        LOG.log(Level.SEVERE, "could not dead-letter " + rec.topic() + "-" + rec.partition() + "@" + rec.offset(),
            ar.cause());
      } else {
        counters.deadLettered.incrementAndGet();
      }
      if (claimedKey != null) {
        window.answered(claimedKey, System.nanoTime());
      }
      finished(rec);
      endActive();
      drain();
    });
  }

  /** One running request or dead letter is over; the last one lets a waiting {@link #close()} go on. */
  private void endActive() {
    active--;
    if (idle != null && active == 0) {
      idle.tryComplete();
    }
  }

  private void finished(KafkaConsumerRecord<byte[], byte[]> rec) {
    PartitionProgress p = progress.get(new TopicPartition(rec.topic(), rec.partition()));
    if (p == null) {
      return;
    }
    p.finished(rec.offset());
    client.finished(rec.topic(), rec.partition(), p.committable());
    if (!stopped && commitTimer < 0 && !committing) {
      commitTimer = vertx.setTimer(settings.commitIntervalMs(), t -> {
        commitTimer = -1;
        commit(progress.keySet());
      });
    }
  }

  private Future<Void> commit(Set<TopicPartition> partitions) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (TopicPartition tp : partitions) {
      PartitionProgress p = progress.get(tp);
      if (p != null && p.hasUncommitted()) {
        offsets.put(tp, new OffsetAndMetadata(p.committable(), null));
      }
    }
    if (offsets.isEmpty()) {
      return Future.succeededFuture();
    }
    committing = true;
    return consumer.commit(offsets).<Void>transform(ar -> {
      committing = false;
      if (ar.succeeded()) {
        offsets.forEach((tp, o) -> {
          PartitionProgress p = progress.get(tp);
          if (p != null) {
            p.committed(o.getOffset());
          }
        });
      } else {
        LOG.log(Level.FINE, "commit failed, retrying: " + ar.cause());
      }
      if (!stopped && commitTimer < 0) {
        boolean more = progress.values().stream().anyMatch(PartitionProgress::hasUncommitted);
        if (more) {
          commitTimer = vertx.setTimer(settings.commitIntervalMs(), t -> {
            commitTimer = -1;
            commit(progress.keySet());
          });
        }
      }
      return ar.succeeded() ? Future.succeededFuture() : Future.failedFuture(ar.cause());
    });
  }

  private void assigned(Set<TopicPartition> partitions) {
    assigned.addAll(partitions);
    if (paused) {
      consumer.pause(partitions);
    }
  }

  /**
   * Gives up the revoked partitions' unfinished records, running or waiting: the new owner gets them
   * from the committed offset and runs them, so each still gets one final reply (a stream that had
   * started restarts at {@code ember-seq} 0 from the new owner). What had finished on them was already
   * committed inside the rebalance ({@link RebalanceCommitter}).
   */
  private void revoked(Set<TopicPartition> partitions) {
    if (stopped) {
      return;
    }
    partitions.forEach(tp -> client.forget(tp.getTopic(), tp.getPartition()));
    partitions.forEach(progress::remove);
    assigned.removeAll(partitions);
    waiting.removeIf(r -> partitions.contains(partitionOf(r)));
    for (TopicPartition tp : partitions) {
      Set<RequestRunner.Run> moved = runs.remove(tp);
      if (moved != null) {
        List.copyOf(moved).forEach(RequestRunner.Run::abandon);
      }
    }
  }

  private static TopicPartition partitionOf(KafkaConsumerRecord<byte[], byte[]> rec) {
    return new TopicPartition(rec.topic(), rec.partition());
  }

  private void setPaused(boolean pause) {
    if (pause == paused || consumer == null) {
      return;
    }
    paused = pause;
    if (pause) {
      counters.pauses.incrementAndGet();
      counters.pausedTopics.incrementAndGet();
      consumer.pause(Set.copyOf(assigned));
    } else {
      counters.pausedTopics.decrementAndGet();
      consumer.resume(Set.copyOf(assigned));
    }
  }

  private void cancelTimers() {
    if (retryTimer >= 0) {
      vertx.cancelTimer(retryTimer);
      retryTimer = -1;
    }
    if (commitTimer >= 0) {
      vertx.cancelTimer(commitTimer);
      commitTimer = -1;
    }
  }
}
