package dev.ember.cli;

import static dev.ember.cli.ServeCommandTest.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.kvevents.KvEventsOptions;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code ember serve --kv-events-endpoint/--kv-events-topic} and {@code EMBER_KV_EVENTS_ENDPOINT}. */
class ServeKvEventsFlagsTest {

  @Test
  void withoutAnEndpointNothingIsPublished() throws Exception {
    assertNull(parse(Map.of()).serverOptions().kvEvents());
  }

  @Test
  void theFlagSetsTheEndpointAndTopic() throws Exception {
    KvEventsOptions o = parse(Map.of(), "--kv-events-endpoint", "tcp://*:5557", "--kv-events-topic", "kv@a@{function}")
        .serverOptions().kvEvents();
    assertEquals("tcp://*:5557", o.endpoint());
    assertEquals("kv@a@demo", o.topicFor("demo"));
  }

  @Test
  void theVariableSetsTheEndpointAndTheFlagWins() throws Exception {
    assertEquals("tcp://*:6000",
        parse(Map.of("EMBER_KV_EVENTS_ENDPOINT", "tcp://*:6000")).serverOptions().kvEvents().endpoint());
    assertEquals("tcp://*:7000", parse(Map.of("EMBER_KV_EVENTS_ENDPOINT", "tcp://*:6000"),
        "--kv-events-endpoint", "tcp://*:7000").serverOptions().kvEvents().endpoint());
    assertEquals(KvEventsOptions.DEFAULT_TOPIC,
        parse(Map.of("EMBER_KV_EVENTS_ENDPOINT", "tcp://*:6000")).serverOptions().kvEvents().topic());
  }

  @Test
  void aMalformedEndpointIsAStartupError() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> parse(Map.of(), "--kv-events-endpoint", "localhost:5557").serverOptions());
    assertTrue(e.getMessage().contains("localhost:5557"), e.getMessage());
  }
}
