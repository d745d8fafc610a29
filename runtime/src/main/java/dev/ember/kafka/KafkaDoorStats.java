package dev.ember.kafka;

/**
 * A snapshot of the Kafka door's counters (for metrics and tests).
 *
 * @param received request records taken from the request topics, redeliveries included
 * @param answered requests whose final reply the broker acknowledged
 * @param duplicates redelivered requests answered by an earlier run (not run again)
 * @param deadLettered records sent to a dead-letter topic
 * @param pauses times the door paused its partitions because the function or the door was full
 * @param paused whether any request topic is paused now
 */
public record KafkaDoorStats(long received, long answered, long duplicates, long deadLettered, long pauses,
    boolean paused) {}
