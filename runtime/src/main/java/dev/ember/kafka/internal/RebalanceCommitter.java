package dev.ember.kafka.internal;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

/**
 * The Kafka client's consumer under a {@link TopicConsumer}, committing what finished on a partition inside
 * the rebalance callback that takes it away, on the polling thread and before the group moves it: Vert.x
 * hands rebalance events to the event loop later, when the new owner may already be reading the partition
 * from an older committed offset (and running finished requests again). The event loop publishes each
 * partition's committable offset with {@link #finished}; commits it asks for go through
 * {@link #commitSync(Map)} and skip partitions no longer assigned, so a late commit never rewinds the new
 * owner's progress. Lost partitions (the member was fenced) are not committed.
 *
 * <pre>{@code
 * RebalanceCommitter c = new RebalanceCommitter(config);
 * KafkaConsumer<byte[], byte[]> vertxConsumer = io.vertx.kafka.client.consumer.KafkaConsumer.create(vertx, c);
 * c.finished(topic, partition, progress.committable()); // on the event loop, after each finished record
 * }</pre>
 */
final class RebalanceCommitter extends KafkaConsumer<byte[], byte[]> {
  private static final Logger LOG = Logger.getLogger(RebalanceCommitter.class.getName());
  private final Map<TopicPartition, Long> committable = new ConcurrentHashMap<>();

  RebalanceCommitter(Map<String, Object> config) {
    super(config);
  }

  /** The offset up to which a partition may be committed now. Any thread. */
  void finished(String topic, int partition, long offset) {
    committable.merge(new TopicPartition(topic, partition), offset, Math::max);
  }

  /** Forgets what finished on a partition, so nothing more is committed for it (it left us). Any thread. */
  void forget(String topic, int partition) {
    committable.remove(new TopicPartition(topic, partition));
  }

  /** Forgets every partition. Any thread. */
  void forgetAll() {
    committable.clear();
  }

  @Override
  public void subscribe(Collection<String> topics, ConsumerRebalanceListener listener) {
    super.subscribe(topics, new ConsumerRebalanceListener() {
      @Override
      public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        commitRevoked(partitions);
        listener.onPartitionsRevoked(partitions);
      }

      @Override
      public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        listener.onPartitionsAssigned(partitions);
      }

      @Override
      public void onPartitionsLost(Collection<TopicPartition> partitions) {
        partitions.forEach(committable::remove);
        listener.onPartitionsLost(partitions);
      }
    });
  }

  /** Runs on the polling thread inside the rebalance, while the partitions are still ours. */
  private void commitRevoked(Collection<TopicPartition> partitions) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (TopicPartition tp : partitions) {
      Long offset = committable.remove(tp);
      if (offset != null && offset >= 0) {
        offsets.put(tp, new OffsetAndMetadata(offset));
      }
    }
    if (offsets.isEmpty()) {
      return;
    }
    try {
      super.commitSync(offsets);
    } catch (KafkaException e) {
      // The records are read again by the new owner: at least once still holds.
      LOG.log(Level.WARNING, "commit of revoked partitions " + offsets.keySet() + " failed: " + e);
    }
  }

  /** A commit the event loop asked for, limited to the partitions still assigned (runs on the polling thread). */
  @Override
  public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
    Set<TopicPartition> mine = assignment();
    Map<TopicPartition, OffsetAndMetadata> owned = new HashMap<>(offsets);
    owned.keySet().retainAll(mine);
    if (!owned.isEmpty()) {
      super.commitSync(owned);
    }
  }
}
