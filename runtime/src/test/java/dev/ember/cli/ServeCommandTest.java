package dev.ember.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.cluster.ClusterOptions;
import dev.ember.function.DemoFunction;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** {@code ember serve}'s key options: an empty key is a startup error, never a key list of {@code [""]}. */
class ServeCommandTest {
  static ServeCommand parse(Map<String, String> env, String... args) {
    ServeCommand c = new ServeCommand();
    c.env = env::get;
    new CommandLine(c).parseArgs(args);
    return c;
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "\t"})
  void anEmptyApiKeyIsAStartupError(String key) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> parse(Map.of(), "--api-key", key).httpOptions());
    assertTrue(e.getMessage().startsWith("--api-key is empty"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a,,b", "a,", ",a", " "})
  void anEmptyEntryInTheKeyVariableIsAStartupError(String value) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> parse(Map.of("EMBER_API_KEY", value)).httpOptions());
    assertTrue(e.getMessage().startsWith("EMBER_API_KEY has an empty entry"), e.getMessage());
  }

  @Test
  void keysComeFromTheFlagsAndTheVariable() {
    assertEquals(List.of("k1", "k2", "k3"),
        parse(Map.of("EMBER_API_KEY", "k2, k3"), "--api-key", "k1").httpOptions().apiKeys());
    assertEquals(List.of(), parse(Map.of()).httpOptions().apiKeys());
  }

  @Test
  void anEmptyAdminKeyIsAStartupErrorToo() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> parse(Map.of(), "--admin-api-key", "").serverOptions());
    assertTrue(e.getMessage().startsWith("--admin-api-key is empty"), e.getMessage());
    IllegalArgumentException env = assertThrows(IllegalArgumentException.class,
        () -> parse(Map.of("EMBER_ADMIN_API_KEY", "")).serverOptions());
    assertTrue(env.getMessage().startsWith("EMBER_ADMIN_API_KEY has an empty entry"), env.getMessage());
  }

  @Test
  void theAdminKeyMustDifferFromTheInferenceKeys() throws Exception {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> parse(Map.of(), "--api-key", "same", "--admin-api-key", "same").serverOptions());
    assertTrue(e.getMessage().contains("give the admin API its own"), e.getMessage());
    assertEquals(List.of("admin"), parse(Map.of(), "--api-key", "k", "--admin-api-key", "admin").serverOptions()
        .admin().apiKeys());
  }

  @Test
  void threadsOverTheCoresAreRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> parse(Map.of(), "--threads", "4096").serverOptions());
    assertTrue(e.getMessage().contains("engine.threads must be at most " + Runtime.getRuntime().availableProcessors()),
        e.getMessage());
  }

  @Test
  void deviceRunsTheFunctionOnEachListedContext() throws Exception {
    assertEquals("cpu:0,cpu:1", parse(Map.of(), "--device", "cpu:0, cpu:1").manifests().get(0).device());
    assertEquals("numa:all", parse(Map.of(), "--device", "numa:all").manifests().get(0).device());
    assertEquals("cpu", parse(Map.of()).manifests().get(0).device());
  }

  @Test
  void aDeviceTheHostLacksIsAStartupErrorNamingIt() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> parse(Map.of(), "--device", "cpu:0,cpu:0").serverOptions());
    assertTrue(e.getMessage().contains("device is invalid: device 'cpu:0' is listed twice"), e.getMessage());
  }

  @Test
  void theLongPrefillCapReachesTheEngineSettingsAndANegativeOneIsRefused() throws Exception {
    assertEquals(128, parse(Map.of(), "--long-prefill-token-threshold", "128").manifests().get(0).engine()
        .longPrefillTokenThreshold());
    assertEquals(0, parse(Map.of()).manifests().get(0).engine().longPrefillTokenThreshold(), "off by default");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> parse(Map.of(), "--long-prefill-token-threshold", "-1").manifests());
    assertTrue(e.getMessage().contains("longPrefillTokenThreshold must be >= 0, got -1"), e.getMessage());
  }

  @Test
  void theStepTokenBudgetReachesTheEngineSettingsAndOneBelowTheSequenceCapIsRefused() throws Exception {
    assertEquals(256, parse(Map.of(), "--max-num-batched-tokens", "256").manifests().get(0).engine()
        .maxNumBatchedTokens());
    assertEquals(DemoFunction.manifest().engine().maxNumBatchedTokens(),
        parse(Map.of()).manifests().get(0).engine().maxNumBatchedTokens(), "without the flag, the manifest's");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> parse(Map.of(), "--max-num-seqs", "64", "--max-num-batched-tokens", "32").manifests());
    assertTrue(e.getMessage().contains("maxNumBatchedTokens must be >= engine.maxNumSeqs (64), got 32"),
        e.getMessage());
  }

  @Test
  void theCacheWeightReachesTheRouterOptionsAndANegativeOneIsRefused() {
    assertEquals(ClusterOptions.DEFAULT_CACHE_WEIGHT, parse(Map.of(), "--cluster").clusterOptions().cacheWeight());
    assertEquals(2.5, parse(Map.of(), "--cluster", "--cache-weight", "2.5").clusterOptions().cacheWeight());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> parse(Map.of(), "--cluster", "--cache-weight", "-1").clusterOptions());
    assertTrue(e.getMessage().contains("cache weight must be >= 0"), e.getMessage());
  }
}
