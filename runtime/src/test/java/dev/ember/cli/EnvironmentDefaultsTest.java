package dev.ember.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code ember serve} takes every single-valued option from {@code EMBER_<OPTION>}; flags win. */
class EnvironmentDefaultsTest {
  private static ServeCommand parse(Map<String, String> env, String... args) {
    ServeCommand serve = new ServeCommand();
    new CommandLine(serve).setDefaultValueProvider(new EnvironmentDefaults(env::get)).parseArgs(args);
    return serve;
  }

  @Test
  void variablesSetOptionsOfEveryType() {
    ServeCommand s = parse(Map.of("EMBER_PORT", "9100", "EMBER_KV_CACHE_MEMORY", "2GiB", "EMBER_SHUTDOWN_TIMEOUT", "45s",
        "EMBER_PROTECT_OPERATIONS", "true", "EMBER_KAFKA_BOOTSTRAP", "kafka:9092"));
    assertEquals(9100, s.port);
    assertEquals(2L << 30, s.kvCacheMemory);
    assertEquals(Duration.ofSeconds(45), s.shutdownTimeout);
    assertTrue(s.protectOperations);
    assertEquals("kafka:9092", s.kafkaBootstrap);
  }

  @Test
  void flagsWinOverVariables() {
    assertEquals(8080, parse(Map.of("EMBER_PORT", "9100"), "--port", "8080").port);
  }

  @Test
  void unsetOrBlankVariablesLeaveTheDefaults() {
    ServeCommand s = parse(Map.of("EMBER_HOST", " "));
    assertEquals("0.0.0.0", s.host);
    assertEquals(8000, s.port);
    assertNull(s.kafkaBootstrap);
  }

  @Test
  void repeatableOptionsHaveNoVariable() {
    ServeCommand s = parse(Map.of("EMBER_API_KEY", "a,b", "EMBER_KAFKA_PROPERTY", "acks=all"));
    assertEquals(List.of(), s.apiKeys, "EMBER_API_KEY is split by the command itself");
    assertEquals(List.of(), s.kafkaProperties);
    CommandLine.Model.CommandSpec spec = new CommandLine(new ServeCommand()).getCommandSpec();
    assertNull(EnvironmentDefaults.variableFor(spec.findOption("--api-key")));
    assertNull(EnvironmentDefaults.variableFor(spec.findOption("--help")));
    assertEquals("EMBER_MAX_NUM_SEQS", EnvironmentDefaults.variableFor(spec.findOption("--max-num-seqs")));
  }

  @Test
  void aBadValueIsRefusedLikeTheFlagWouldBe() {
    var e = assertThrows(CommandLine.ParameterException.class, () -> parse(Map.of("EMBER_PORT", "eighty")));
    assertTrue(e.getMessage().contains("eighty"), e.getMessage());
  }
}
