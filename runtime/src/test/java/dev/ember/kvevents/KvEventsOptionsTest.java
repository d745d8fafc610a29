package dev.ember.kvevents;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The publisher's settings follow vLLM's endpoint rule and name a function in the topic. */
class KvEventsOptionsTest {

  @ParameterizedTest(name = "{0} binds: {1}")
  @CsvSource({
      "tcp://*:5557, true",
      "tcp://[::]:5557, true",
      "ipc:///tmp/kv-events, true",
      "inproc://kv-events, true",
      "tcp://127.0.0.1:5557, false",
      "tcp://router.example:5557, false"})
  void wildcardIpcAndInprocEndpointsAreBoundOthersConnected(String endpoint, boolean binds) {
    assertEquals(binds, KvEventsOptions.of(endpoint).binds());
  }

  @Test
  void theDefaultTopicIsVllmsEmptyTopic() {
    assertEquals("", KvEventsOptions.of(KvEventsOptions.DEFAULT_ENDPOINT).topicFor("chat"));
  }

  @Test
  void theFunctionPlaceholderNamesTheFunction() {
    assertEquals("kv@pod-1@chat", KvEventsOptions.of("tcp://*:5557").withTopic("kv@pod-1@{function}").topicFor("chat"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "http://host:5557", "tcp://host", "tcp://:5557x", "5557"})
  void malformedEndpointsAreRefusedWithTheValue(String endpoint) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KvEventsOptions.of(endpoint));
    assertTrue(e.getMessage().contains("kv events endpoint"), e.getMessage());
  }

  @Test
  void aReplayEndpointNeedsAZmqTransport() {
    assertEquals("tcp://*:5558", KvEventsOptions.of("tcp://*:5557").withReplay("tcp://*:5558").replayEndpoint());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> KvEventsOptions.of("tcp://*:5557").withReplay("localhost:5558"));
    assertTrue(e.getMessage().contains("localhost:5558"), e.getMessage());
  }

  @Test
  void anEmptyQueueIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> KvEventsOptions.of("tcp://*:5557").withQueueCapacity(0));
  }
}
